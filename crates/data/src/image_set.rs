//! Labelled images as raw bytes, and the run's subset and validation split drawn from them.

use super::{DataError, IMAGE_BYTES, IMAGES_PER_BATCH, SeededRng, TRAIN_BATCHES};

/// Labelled images kept as raw CHW bytes, as they come from the batch files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageSet {
    pub labels: Vec<u8>,
    pub pixels: Vec<u8>,
}

/// Where validation data comes from.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "fraction")]
pub enum ValidationSource {
    /// The 10,000 test images, as the tutorial does.
    TestBatch,
    /// A held-out fraction of the training batches, so test data never steers training.
    HeldOut(f64),
}

/// Which images a run learns from and is judged on: how many of the training images (all
/// when `subset` is none), and where its validation images come from. The shuffle that picks
/// them is the run's own seed, the one its weights start from, so a run's settings name its
/// data exactly (`Splits::new`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataSpec {
    pub subset: Option<usize>,
    pub validation: ValidationSource,
}

impl DataSpec {
    /// The tutorial's: every training image, validated on the test batch.
    pub const TUTORIAL: Self = Self {
        subset: None,
        validation: ValidationSource::TestBatch,
    };

    /// Training and validation images of a run on the whole of CIFAR-10 (50,000 and 10,000).
    pub fn cifar10_sizes(&self) -> (usize, usize) {
        self.sizes(TRAIN_BATCHES.len() * IMAGES_PER_BATCH, IMAGES_PER_BATCH)
    }

    /// Training and validation images the split makes from a data set with `train` training
    /// and `test` test images, without the images: what time estimates and the form count.
    /// `subset` keeps the first N training images (and, for the test-batch validation, N/5
    /// test images, the tutorial's 5:1 ratio, at least one and at most the whole batch); the
    /// held-out split is taken after the subset.
    pub fn sizes(&self, train: usize, test: usize) -> (usize, usize) {
        let pool = self.subset.unwrap_or(train).min(train);
        match self.validation {
            ValidationSource::TestBatch => {
                let val = self.subset.map_or(test, |n| (n / 5).clamp(1, test.max(1)));
                (pool, val.min(test))
            }
            ValidationSource::HeldOut(fraction) => {
                let held = ((pool as f64) * fraction).round() as usize;
                (pool - held.min(pool), held.min(pool))
            }
        }
    }
}

impl Default for DataSpec {
    fn default() -> Self {
        Self::TUTORIAL
    }
}

/// The sets one training run uses.
#[derive(Debug, Clone)]
pub struct Splits {
    pub train: ImageSet,
    pub validation: ImageSet,
    /// Where the validation images are in the data set, when the split was made from it: what
    /// a model kept after its run refers to instead of keeping a copy of the images.
    pub validation_picked: Option<Picked>,
}

/// Images of the data set by position: in its test batch, or in its training batches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Picked {
    Test(Vec<usize>),
    Train(Vec<usize>),
}

impl Picked {
    pub fn len(&self) -> usize {
        self.indices().len()
    }

    pub fn is_empty(&self) -> bool {
        self.indices().is_empty()
    }

    pub fn indices(&self) -> &[usize] {
        match self {
            Self::Test(i) | Self::Train(i) => i,
        }
    }

    /// The set the positions refer to, from the data set's `(train, test)`.
    pub fn source<'a>(&self, train: &'a ImageSet, test: &'a ImageSet) -> &'a ImageSet {
        match self {
            Self::Test(_) => test,
            Self::Train(_) => train,
        }
    }
}

impl ImageSet {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn image(&self, index: usize) -> &[u8] {
        &self.pixels[index * IMAGE_BYTES..(index + 1) * IMAGE_BYTES]
    }

    /// The images at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> ImageSet {
        let mut out = ImageSet {
            labels: Vec::with_capacity(indices.len()),
            pixels: Vec::with_capacity(indices.len() * IMAGE_BYTES),
        };
        for &i in indices {
            out.labels.push(self.labels[i]);
            out.pixels.extend_from_slice(self.image(i));
        }
        out
    }

    /// How many images of each class.
    pub fn class_counts(&self, classes: usize) -> Vec<usize> {
        let mut counts = vec![0; classes];
        for &l in &self.labels {
            counts[l as usize] += 1;
        }
        counts
    }
}

impl Splits {
    /// Builds the train/validation sets `data` describes (as many as [`DataSpec::sizes`]
    /// says), each picked by a shuffle seeded with `seed`.
    pub fn new(
        train: &ImageSet,
        test: &ImageSet,
        data: DataSpec,
        seed: u64,
    ) -> Result<Self, DataError> {
        let (train_size, val_size) = data.sizes(train.len(), test.len());
        let mut order = SeededRng::derive(seed, u64::MAX).permutation(train.len());
        if let Some(n) = data.subset {
            order.truncate(n);
        }
        let splits = match data.validation {
            ValidationSource::TestBatch => {
                let (validation, picked) = match data.subset {
                    Some(_) => {
                        let mut test_order =
                            SeededRng::derive(seed, u64::MAX - 1).permutation(test.len());
                        test_order.truncate(val_size);
                        (test.select(&test_order), test_order)
                    }
                    None => (test.clone(), (0..test.len()).collect()),
                };
                Splits {
                    train: train.select(&order),
                    validation,
                    validation_picked: Some(Picked::Test(picked)),
                }
            }
            ValidationSource::HeldOut(fraction) => {
                if !(fraction > 0.0 && fraction < 1.0) {
                    return Err(DataError::BadSplit(fraction));
                }
                let (val_idx, train_idx) = order.split_at(order.len() - train_size);
                Splits {
                    train: train.select(train_idx),
                    validation: train.select(val_idx),
                    validation_picked: Some(Picked::Train(val_idx.to_vec())),
                }
            }
        };
        debug_assert_eq!(
            (splits.train.len(), splits.validation.len()),
            (train_size, val_size)
        );
        let subset = data.subset.unwrap_or(train.len());
        if splits.train.is_empty() {
            return Err(DataError::EmptySet {
                what: "training",
                subset,
                purpose: "train on",
            });
        }
        if splits.validation.is_empty() {
            return Err(DataError::EmptySet {
                what: "validation",
                subset,
                purpose: "validate on",
            });
        }
        Ok(splits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(subset: Option<usize>, validation: ValidationSource) -> DataSpec {
        DataSpec { subset, validation }
    }

    fn numbered(n: usize) -> ImageSet {
        ImageSet {
            labels: (0..n).map(|i| (i % 10) as u8).collect(),
            pixels: (0..n).flat_map(|i| vec![i as u8; IMAGE_BYTES]).collect(),
        }
    }

    #[test]
    fn subset_is_seeded_and_keeps_images_with_labels() {
        let train = numbered(100);
        let test = numbered(50);
        let a = Splits::new(
            &train,
            &test,
            spec(Some(20), ValidationSource::TestBatch),
            1,
        )
        .unwrap();
        let b = Splits::new(
            &train,
            &test,
            spec(Some(20), ValidationSource::TestBatch),
            1,
        )
        .unwrap();
        let c = Splits::new(
            &train,
            &test,
            spec(Some(20), ValidationSource::TestBatch),
            2,
        )
        .unwrap();
        assert_eq!(a.train, b.train);
        assert_ne!(a.train, c.train);
        assert_eq!(a.train.len(), 20);
        assert_eq!(a.validation.len(), 4);
        for i in 0..a.train.len() {
            let original = a.train.image(i)[0] as usize;
            assert_eq!(a.train.labels[i] as usize, original % 10);
        }
    }

    /// The positions recorded for each validation image are where it came from.
    #[test]
    fn picked_positions_point_at_the_validation_images() {
        let train = numbered(100);
        let test = numbered(50);
        for source in [ValidationSource::TestBatch, ValidationSource::HeldOut(0.2)] {
            for subset in [None, Some(40)] {
                let s = Splits::new(&train, &test, spec(subset, source), 3).unwrap();
                let picked = s.validation_picked.as_ref().unwrap();
                assert_eq!(picked.len(), s.validation.len());
                let from = picked.source(&train, &test);
                assert_eq!(from.select(picked.indices()), s.validation);
            }
        }
    }

    /// What estimates count before any image is loaded is what the split makes.
    #[test]
    fn sizes_are_what_the_split_makes() {
        let train = numbered(100);
        let test = numbered(30);
        for validation in [
            ValidationSource::TestBatch,
            ValidationSource::HeldOut(0.1),
            ValidationSource::HeldOut(0.37),
        ] {
            for subset in [None, Some(3), Some(40), Some(99), Some(100), Some(500)] {
                let data = spec(subset, validation);
                let sizes = data.sizes(100, 30);
                match Splits::new(&train, &test, data, 5) {
                    Ok(s) => assert_eq!(sizes, (s.train.len(), s.validation.len()), "{data:?}"),
                    // Too few to hold any out: the split says so, and the count is zero.
                    Err(DataError::EmptySet { .. }) => assert_eq!(sizes.1, 0, "{data:?}"),
                    Err(e) => panic!("{data:?}: {e}"),
                }
            }
        }
        assert_eq!(DataSpec::TUTORIAL.cifar10_sizes(), (50_000, 10_000));
        let quarter = spec(Some(25_000), ValidationSource::HeldOut(0.1));
        assert_eq!(quarter.cifar10_sizes(), (22_500, 2_500));
        assert_eq!(
            spec(Some(5_000), ValidationSource::TestBatch).cifar10_sizes(),
            (5_000, 1_000)
        );
    }

    #[test]
    fn full_test_batch_is_validation_by_default() {
        let train = numbered(30);
        let test = numbered(12);
        let s = Splits::new(&train, &test, spec(None, ValidationSource::TestBatch), 0).unwrap();
        assert_eq!(s.train.len(), 30);
        assert_eq!(s.validation, test);
    }

    #[test]
    fn held_out_split_is_disjoint_and_complete() {
        let train = numbered(200);
        let s = Splits::new(
            &train,
            &numbered(5),
            spec(None, ValidationSource::HeldOut(0.1)),
            3,
        )
        .unwrap();
        assert_eq!(s.validation.len(), 20);
        assert_eq!(s.train.len(), 180);
        let mut seen: Vec<u8> = s
            .train
            .pixels
            .chunks(IMAGE_BYTES)
            .chain(s.validation.pixels.chunks(IMAGE_BYTES))
            .map(|img| img[0])
            .collect();
        seen.sort();
        assert_eq!(seen, (0..200).map(|i| i as u8).collect::<Vec<_>>());
    }

    #[test]
    fn bad_split_and_empty_sets_are_errors() {
        let train = numbered(10);
        for f in [0.0, 1.0, -0.5, f64::NAN] {
            assert!(matches!(
                Splits::new(&train, &train, spec(None, ValidationSource::HeldOut(f)), 0),
                Err(DataError::BadSplit(_))
            ));
        }
        assert!(matches!(
            Splits::new(
                &train,
                &train,
                spec(None, ValidationSource::HeldOut(0.01)),
                0
            ),
            Err(DataError::EmptySet {
                what: "validation",
                ..
            })
        ));
        assert!(matches!(
            Splits::new(
                &train,
                &train,
                spec(Some(0), ValidationSource::TestBatch),
                0
            ),
            Err(DataError::EmptySet {
                what: "training",
                ..
            })
        ));
        // A data set without test images has nothing to validate on: said, not a panic.
        assert!(matches!(
            Splits::new(
                &train,
                &numbered(0),
                spec(Some(5), ValidationSource::TestBatch),
                0
            ),
            Err(DataError::EmptySet {
                what: "validation",
                ..
            })
        ));
    }
}
