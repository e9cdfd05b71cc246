//! The named models: the tutorial's three CNNs (`plain`, `dropout`, `deeper`), the
//! batch-normalised chapter after them (`deeper-bn`), and airbench94's network (`fast94`).

use std::fmt;
use std::str::FromStr;

use super::layer::{Activation as Act, LayerSpec, Padding};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Architecture {
    #[serde(rename = "plain")]
    Plain,
    #[serde(rename = "dropout")]
    Dropout,
    #[serde(rename = "deeper")]
    Deeper,
    /// `deeper` with batch normalisation after every convolution and the hidden dense layer.
    #[serde(rename = "deeper-bn")]
    DeeperBn,
    /// airbench94's network (arXiv 2404.00498): a frozen patch-whitening layer, then three
    /// conv–pool–batch-norm–GELU blocks of 64, 256 and 256 filters; trained by its recipe
    /// (`TrainConfig::fast94`).
    #[serde(rename = "fast94")]
    Fast94,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown model `{0}`: expected plain, dropout, deeper, deeper-bn or fast94")]
pub struct UnknownArchitecture(pub String);

impl Architecture {
    pub const ALL: [Architecture; 5] = [
        Self::Plain,
        Self::Dropout,
        Self::Deeper,
        Self::DeeperBn,
        Self::Fast94,
    ];
    /// The tutorial's own three, which the benchmarks compare with Keras and PyTorch.
    pub const TUTORIAL: [Architecture; 3] = [Self::Plain, Self::Dropout, Self::Deeper];

    pub fn name(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::Dropout => "dropout",
            Self::Deeper => "deeper",
            Self::DeeperBn => "deeper-bn",
            Self::Fast94 => "fast94",
        }
    }

    /// The epochs the tutorial trains this model for (`deeper-bn`: as `deeper`; `fast94`:
    /// airbench's 9.9, rounded up).
    pub fn tutorial_epochs(self) -> usize {
        match self {
            Self::Plain => 8,
            Self::Dropout => 11,
            Self::Deeper | Self::DeeperBn => 15,
            Self::Fast94 => 10,
        }
    }

    pub fn layers(self) -> Vec<LayerSpec> {
        use LayerSpec::*;
        use Padding::*;
        const RELU: Option<Act> = Some(Act::Relu);
        let conv = |filters, padding| Conv2d {
            filters,
            kernel: 3,
            padding,
            activation: RELU,
        };
        // Convolution, then normalisation, then the nonlinearity (Ioffe & Szegedy's order).
        let conv_bn = |filters, padding| {
            [
                Conv2d {
                    filters,
                    kernel: 3,
                    padding,
                    activation: None,
                },
                BatchNorm,
                Activation(Act::Relu),
            ]
        };
        let pool = MaxPool2d { size: 2 };
        let drop = |rate| Dropout { rate };
        let dense = |units, activation| Dense { units, activation };
        match self {
            Self::Plain => vec![
                conv(32, Valid),
                conv(64, Valid),
                pool,
                Flatten,
                dense(128, RELU),
                dense(10, None),
            ],
            Self::Dropout => vec![
                conv(32, Valid),
                conv(64, Valid),
                pool,
                drop(0.25),
                Flatten,
                dense(128, RELU),
                drop(0.5),
                dense(10, None),
            ],
            Self::Deeper => vec![
                conv(32, Same),
                conv(32, Valid),
                pool,
                drop(0.25),
                conv(64, Same),
                conv(64, Valid),
                pool,
                drop(0.25),
                Flatten,
                dense(512, RELU),
                drop(0.5),
                dense(10, None),
            ],
            Self::DeeperBn => [
                &conv_bn(32, Same)[..],
                &conv_bn(32, Valid),
                &[pool, drop(0.25)],
                &conv_bn(64, Same),
                &conv_bn(64, Valid),
                &[pool, drop(0.25), Flatten, dense(512, None), BatchNorm],
                &[Activation(Act::Relu), drop(0.5), dense(10, None)],
            ]
            .concat(),
            Self::Fast94 => {
                let conv = |filters| Conv2d {
                    filters,
                    kernel: 3,
                    padding: Same,
                    activation: None,
                };
                let block = |filters| {
                    [
                        conv(filters),
                        pool,
                        BatchNorm,
                        Activation(Act::Gelu),
                        conv(filters),
                        BatchNorm,
                        Activation(Act::Gelu),
                    ]
                };
                [
                    &[Whiten { kernel: 2 }, Activation(Act::Gelu)][..],
                    &block(64),
                    &block(256),
                    &block(256),
                    &[MaxPool2d { size: 3 }, Flatten, dense(10, None)],
                    &[Rescale { factor: 1.0 / 9.0 }],
                ]
                .concat()
            }
        }
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Architecture {
    type Err = UnknownArchitecture;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| UnknownArchitecture(s.into()))
    }
}
