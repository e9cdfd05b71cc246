//! Data augmentation, the tutorial's next chapter: each training image is seen mirrored in
//! every other epoch and shifted by a few pixels (a reflect-padded random crop) differently
//! every epoch, so the network cannot memorise exact pixels. Validation images are never
//! augmented.
//!
//! The choice for an image depends only on the seed, the epoch and the image's position in
//! the training set, not on the batch size, the order or the backend: a run is reproducible,
//! and the CPU and the GPU see the same images. It is applied while a batch is turned into
//! floats on the host, where it costs one pass over bytes that are read anyway.

use serde::{Deserialize, Serialize};

use super::{IMAGE_SIDE, SeededRng};

/// The largest shift offered: airbench and the usual CIFAR recipes use 2 (or 4) pixels.
pub const MAX_TRANSLATE: usize = 4;

/// Which augmentations a run uses. The default is none (the tutorial's runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Augment {
    /// Mirror half of the images left to right.
    #[serde(default)]
    pub flip: bool,
    /// Shift by up to this many pixels each way, filling the edge by reflection (0: off).
    #[serde(default)]
    pub translate: usize,
}

/// What happens to one image in one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Choice {
    pub flip: bool,
    pub dx: isize,
    pub dy: isize,
}

impl Augment {
    /// The augmentations offered by name (the page's `#augment` options and share links
    /// carry these names): none, a flip, a flip and shifts of up to 2 or 4 pixels.
    pub const NAMED: [(&'static str, Augment); 4] = [
        ("none", Augment::with(false, 0)),
        ("flip", Augment::with(true, 0)),
        ("flip-shift-2", Augment::with(true, 2)),
        ("flip-shift-4", Augment::with(true, 4)),
    ];

    const fn with(flip: bool, translate: usize) -> Self {
        Self { flip, translate }
    }

    /// One of [`Self::NAMED`] by its name.
    pub fn named(name: &str) -> Option<Self> {
        Self::NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, augment)| *augment)
    }

    /// Its name in [`Self::NAMED`], if it has one.
    pub fn name(&self) -> Option<&'static str> {
        Self::NAMED
            .iter()
            .find(|(_, augment)| augment == self)
            .map(|(n, _)| *n)
    }

    pub fn is_off(&self) -> bool {
        !self.flip && self.translate == 0
    }

    /// ", flipped and shifted by up to 2 px" for a run's one-line summary; empty when off.
    pub fn describe(&self) -> String {
        match (self.flip, self.translate) {
            (false, 0) => String::new(),
            (true, 0) => ", flipped".into(),
            (false, t) => format!(", shifted by up to {t} px"),
            (true, t) => format!(", flipped and shifted by up to {t} px"),
        }
    }

    /// Refuses a shift the 32-pixel images cannot take.
    pub fn check(&self) -> Result<(), String> {
        if self.translate > MAX_TRANSLATE {
            return Err(format!(
                "a shift of {} pixels is more than the {MAX_TRANSLATE} offered",
                self.translate
            ));
        }
        Ok(())
    }

    /// Training image `index` (its bytes `pixels`) as the first `epochs` epochs of a run seeded
    /// with `seed` show it to the network: what the page's strip of samples draws.
    pub fn epoch_samples(
        &self,
        pixels: &[u8],
        seed: u64,
        index: usize,
        epochs: usize,
    ) -> Vec<Vec<u8>> {
        (0..epochs)
            .map(|epoch| augmented_bytes(pixels, self.choice(seed, epoch, index)))
            .collect()
    }

    /// The choice for training image `index` in `epoch` of a run seeded with `seed`.
    pub fn choice(&self, seed: u64, epoch: usize, index: usize) -> Choice {
        if self.is_off() {
            return Choice::default();
        }
        // Flips alternate: each image starts mirrored or not at random and switches every
        // epoch, so any two epochs in a row show both sides (airbench found this worth more
        // than a fresh coin every epoch).
        let first_flip = SeededRng::derive(seed ^ 0x666C_6970_7065_6421, index as u64).next_u64();
        let flip = self.flip && (first_flip >> 63 == 1) != epoch.is_multiple_of(2);
        // One stream per (epoch, image) for the shift.
        let stream = ((epoch as u64) << 32) ^ index as u64;
        let mut rng = SeededRng::derive(seed ^ 0x6175_676D_656E_7421, stream);
        let span = 2 * self.translate + 1;
        let (dx, dy) = if self.translate > 0 {
            let dx = rng.below(span) as isize - self.translate as isize;
            let dy = rng.below(span) as isize - self.translate as isize;
            (dx, dy)
        } else {
            (0, 0)
        };
        Choice { flip, dx, dy }
    }
}

/// `i` reflected into `0..n` without repeating the edge (…, 2, 1, 0, 1, 2, …), as numpy's
/// and PyTorch's "reflect" padding; shifts are far smaller than `n`.
fn reflect(i: isize, n: isize) -> usize {
    let i = if i < 0 { -i } else { i };
    let i = if i >= n { 2 * (n - 1) - i } else { i };
    i as usize
}

/// Appends image `pixels` (channel-major bytes) as floats in [0, 1], transformed by `choice`.
pub fn push_augmented(pixels: &[u8], choice: Choice, out: &mut Vec<f32>) {
    let start = out.len();
    out.resize(start + pixels.len(), 0.0);
    let mut rows = out[start..].chunks_exact_mut(IMAGE_SIDE);
    transform(pixels, choice, |source| {
        let row = rows.next().expect("one output row per source row");
        for (value, &p) in row.iter_mut().zip(source) {
            *value = p as f32 / 255.0;
        }
    });
}

/// Image `pixels` transformed by `choice`, as bytes again (to be shown).
pub fn augmented_bytes(pixels: &[u8], choice: Choice) -> Vec<u8> {
    let mut out = Vec::with_capacity(pixels.len());
    transform(pixels, choice, |row| out.extend_from_slice(row));
    out
}

/// Hands out the transformed image's rows in channel-major order: output pixel (y, x) is the
/// source pixel (y − dy, x − dx), mirrored first if `flip`. The columns are worked out once
/// per image, so a row is a gather through a table.
fn transform(pixels: &[u8], choice: Choice, mut row: impl FnMut(&[u8; IMAGE_SIDE])) {
    let side = IMAGE_SIDE as isize;
    let columns: [usize; IMAGE_SIDE] = std::array::from_fn(|x| {
        let x = reflect(x as isize - choice.dx, side);
        if choice.flip { IMAGE_SIDE - 1 - x } else { x }
    });
    for plane in pixels.chunks_exact(IMAGE_SIDE * IMAGE_SIDE) {
        for y in 0..side {
            let source: &[u8; IMAGE_SIDE] = plane[reflect(y - choice.dy, side) * IMAGE_SIDE..]
                [..IMAGE_SIDE]
                .try_into()
                .expect("a row is IMAGE_SIDE bytes");
            row(&columns.map(|x| source[x]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IMAGE_BYTES;

    /// An image whose every byte says where it is: channel, row and column.
    fn marked() -> Vec<u8> {
        (0..IMAGE_BYTES)
            .map(|i| {
                let (c, y, x) = (i / 1024, i / 32 % 32, i % 32);
                (c * 64 + (y ^ (x * 3)) % 61) as u8
            })
            .collect()
    }

    fn pixel(image: &[f32], c: usize, y: usize, x: usize) -> f32 {
        image[c * 1024 + y * 32 + x]
    }

    fn source(image: &[u8], c: usize, y: usize, x: usize) -> f32 {
        image[c * 1024 + y * 32 + x] as f32 / 255.0
    }

    fn augmented(image: &[u8], choice: Choice) -> Vec<f32> {
        let mut out = Vec::new();
        push_augmented(image, choice, &mut out);
        out
    }

    #[test]
    fn the_samples_shown_are_the_images_training_sees() {
        let image = marked();
        let augment = Augment {
            flip: true,
            translate: 2,
        };
        let samples = augment.epoch_samples(&image, 9, 5, 8);
        assert_eq!(samples.len(), 8);
        for (epoch, sample) in samples.iter().enumerate() {
            let seen = augmented(&image, augment.choice(9, epoch, 5));
            let shown: Vec<f32> = sample.iter().map(|&p| p as f32 / 255.0).collect();
            assert_eq!(shown, seen, "epoch {epoch}");
        }
        assert!(
            samples.windows(2).any(|w| w[0] != w[1]),
            "they differ by epoch"
        );
        let off = Augment::default().epoch_samples(&image, 9, 5, 3);
        assert!(
            off.iter().all(|s| *s == image),
            "no augmentation: the image itself"
        );
    }

    #[test]
    fn no_change_is_the_plain_conversion() {
        let image = marked();
        let plain: Vec<f32> = image.iter().map(|&p| p as f32 / 255.0).collect();
        assert_eq!(augmented(&image, Choice::default()), plain);
    }

    #[test]
    fn a_flip_mirrors_each_row_and_twice_is_the_identity() {
        let image = marked();
        let flip = Choice {
            flip: true,
            ..Choice::default()
        };
        let once = augmented(&image, flip);
        for (c, y, x) in [(0, 0, 0), (1, 5, 7), (2, 31, 31)] {
            assert_eq!(pixel(&once, c, y, x), source(&image, c, y, 31 - x));
        }
        let bytes: Vec<u8> = once.iter().map(|&v| (v * 255.0).round() as u8).collect();
        assert_eq!(bytes.len(), image.len());
        let twice: Vec<u8> = augmented(&bytes, flip)
            .iter()
            .map(|&v| (v * 255.0).round() as u8)
            .collect();
        assert_eq!(twice, image);
    }

    #[test]
    fn a_shift_moves_the_image_and_reflects_at_the_edge() {
        let image = marked();
        let shift = Choice {
            flip: false,
            dx: 2,
            dy: -1,
        };
        let out = augmented(&image, shift);
        // Inside: (y, x) comes from (y + 1, x − 2).
        assert_eq!(pixel(&out, 1, 10, 10), source(&image, 1, 11, 8));
        // Left edge: x − 2 = −2 reflects to 2, −1 to 1.
        assert_eq!(pixel(&out, 0, 3, 0), source(&image, 0, 4, 2));
        assert_eq!(pixel(&out, 0, 3, 1), source(&image, 0, 4, 1));
        // Bottom edge: row 31 + 1 = 32 reflects to 30.
        assert_eq!(pixel(&out, 2, 31, 20), source(&image, 2, 30, 18));
    }

    #[test]
    fn choices_are_seeded_per_image_and_epoch_and_cover_the_range() {
        let augment = Augment {
            flip: true,
            translate: 2,
        };
        assert_eq!(augment.choice(7, 3, 100), augment.choice(7, 3, 100));
        let epoch = |seed, epoch| -> Vec<Choice> {
            (0..2000).map(|i| augment.choice(seed, epoch, i)).collect()
        };
        let first = epoch(7, 1);
        assert_ne!(first, epoch(7, 2), "each epoch draws again");
        assert_ne!(first, epoch(8, 1), "the seed decides");
        let flipped = first.iter().filter(|c| c.flip).count();
        assert!((900..1100).contains(&flipped), "{flipped} of 2000 flipped");
        // Each image's flip alternates by epoch, from a start that differs by image.
        for (a, b) in epoch(7, 4).iter().zip(epoch(7, 5)) {
            assert_ne!(a.flip, b.flip);
        }
        assert_eq!(
            first.iter().map(|c| c.flip).collect::<Vec<_>>(),
            epoch(7, 3).iter().map(|c| c.flip).collect::<Vec<_>>()
        );
        for d in -2..=2 {
            let dx = first.iter().filter(|c| c.dx == d).count();
            let dy = first.iter().filter(|c| c.dy == d).count();
            assert!(
                (300..500).contains(&dx) && (300..500).contains(&dy),
                "{d}: {dx} {dy}"
            );
        }
        assert!(first.iter().all(|c| c.dx.abs() <= 2 && c.dy.abs() <= 2));
    }

    #[test]
    fn off_changes_nothing_and_too_far_is_refused() {
        let off = Augment::default();
        assert!(off.is_off());
        assert_eq!(off.choice(1, 1, 1), Choice::default());
        let flip_only = Augment {
            flip: true,
            translate: 0,
        };
        assert!((0..100).all(|i| {
            let c = flip_only.choice(1, 1, i);
            c.dx == 0 && c.dy == 0
        }));
        let too_far = Augment {
            flip: false,
            translate: MAX_TRANSLATE + 1,
        };
        assert!(too_far.check().unwrap_err().contains("more than"));
    }
}
