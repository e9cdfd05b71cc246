use std::fmt;
use std::str::FromStr;

/// Keras' padding modes: `valid` (no padding, the output shrinks) and `same`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Valid,
    Same,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Relu,
    /// The output layer. The model returns logits; softmax is applied by the loss and by
    /// evaluation, which is numerically the same as Keras' softmax layer + cross-entropy.
    Softmax,
}

/// One layer of a sequential model, as the tutorial's Keras code writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LayerSpec {
    Conv2d {
        filters: usize,
        kernel: usize,
        padding: Padding,
    },
    MaxPool2d {
        size: usize,
    },
    Dropout {
        rate: f64,
    },
    Flatten,
    Dense {
        units: usize,
        activation: Activation,
    },
}

/// The three CNNs of the tutorial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    Plain,
    Dropout,
    Deeper,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown model `{0}`: expected plain, dropout or deeper")]
pub struct UnknownArchitecture(pub String);

impl Architecture {
    pub const ALL: [Architecture; 3] = [Self::Plain, Self::Dropout, Self::Deeper];

    pub fn name(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::Dropout => "dropout",
            Self::Deeper => "deeper",
        }
    }

    /// The epochs the tutorial trains this model for.
    pub fn tutorial_epochs(self) -> usize {
        match self {
            Self::Plain => 8,
            Self::Dropout => 11,
            Self::Deeper => 15,
        }
    }

    /// The tutorial's final validation accuracy, the number a reproduction is judged against.
    pub fn tutorial_val_acc(self) -> f64 {
        match self {
            Self::Plain => 0.689,
            Self::Dropout => 0.711,
            Self::Deeper => 0.755,
        }
    }

    pub fn layers(self) -> Vec<LayerSpec> {
        use Activation::*;
        use LayerSpec::*;
        use Padding::*;
        let conv = |filters, padding| Conv2d {
            filters,
            kernel: 3,
            padding,
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
                dense(128, Relu),
                dense(10, Softmax),
            ],
            Self::Dropout => vec![
                conv(32, Valid),
                conv(64, Valid),
                pool,
                drop(0.25),
                Flatten,
                dense(128, Relu),
                drop(0.5),
                dense(10, Softmax),
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
                dense(512, Relu),
                drop(0.5),
                dense(10, Softmax),
            ],
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
