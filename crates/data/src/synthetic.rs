//! Small generated data sets in CIFAR-10's layout, easy to learn: for tests, demos and the
//! end-to-end checks, which must not depend on the real 160 MB download.

use super::{IMAGE_BYTES, IMAGE_SIDE, ImageSet, NUM_CLASSES, SeededRng};

/// `n` images whose class is drawn as a bright horizontal band (rows `3k..3k+3`, in colour
/// plane `k % 3`) over random noise. Labels cycle through the classes so every class appears.
pub fn banded(n: usize, seed: u64) -> ImageSet {
    let mut rng = SeededRng::new(seed);
    let mut set = ImageSet {
        labels: Vec::with_capacity(n),
        pixels: Vec::with_capacity(n * IMAGE_BYTES),
    };
    for i in 0..n {
        let label = i % NUM_CLASSES;
        let plane = label % 3;
        let rows = 3 * label..3 * label + 3;
        set.labels.push(label as u8);
        for c in 0..3 {
            for y in 0..IMAGE_SIDE {
                for _ in 0..IMAGE_SIDE {
                    let noise = rng.below(100) as u8;
                    let pixel = if c == plane && rows.contains(&y) {
                        155 + noise
                    } else {
                        noise
                    };
                    set.pixels.push(pixel);
                }
            }
        }
    }
    set
}
