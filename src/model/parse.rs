//! The layer list's text form, Keras-like and short:
//! `conv 32 3 same relu, conv 32 3 relu, maxpool 2, dropout 0.25, flatten, dense 128 relu,
//! dense 10`. Layers are separated by commas or new lines; words are case-insensitive.

use super::check::ModelError;
use super::layer::{Activation, LayerSpec, Padding};

const LAYERS: &str =
    "conv, maxpool, dropout, batchnorm, relu, gelu, flatten, dense, whiten or rescale";
/// Larger counts are typing slips; the parameter cap refuses far smaller models anyway.
const MAX_COUNT: usize = 1_000_000;

/// The layers of `text`, each read on its own. Shapes are checked afterwards (`check`).
pub fn parse_layers(text: &str) -> Result<Vec<LayerSpec>, ModelError> {
    let pieces: Vec<&str> = text
        .split([',', '\n', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if pieces.is_empty() {
        return Err(ModelError::Empty);
    }
    let last = pieces.len() - 1;
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            parse_layer(piece, i == last).map_err(|reason| ModelError::Layer {
                index: i + 1,
                text: piece.to_string(),
                reason,
            })
        })
        .collect()
}

fn parse_layer(piece: &str, is_last: bool) -> Result<LayerSpec, String> {
    let lower = piece.to_lowercase();
    let mut words = lower.split_whitespace();
    let kind = words.next().expect("pieces are not empty");
    let args: Vec<&str> = words.collect();
    let none = |layer: LayerSpec| {
        if let Some(extra) = args.first() {
            return Err(format!("`{kind}` takes nothing, but `{extra}` follows it"));
        }
        Ok(layer)
    };
    match kind {
        "conv" | "conv2d" => {
            let [filters, kernel, options @ ..] = &args[..] else {
                return Err(
                    "write a convolution as `conv FILTERS KERNEL`, e.g. `conv 32 3`".into(),
                );
            };
            let mut padding = Padding::Valid;
            let mut activation = None;
            for option in options {
                match *option {
                    "same" => padding = Padding::Same,
                    "valid" => padding = Padding::Valid,
                    "linear" => activation = None,
                    word => activation = Some(activation_word(word, "same, valid, relu, gelu")?),
                }
            }
            Ok(LayerSpec::Conv2d {
                filters: count(filters, "filters")?,
                kernel: count(kernel, "kernel size")?,
                padding,
                activation,
            })
        }
        "maxpool" | "maxpool2d" | "pool" => match &args[..] {
            [size] => Ok(LayerSpec::MaxPool2d {
                size: count(size, "pool size")?,
            }),
            _ => Err("write a pooling as `maxpool SIZE`, e.g. `maxpool 2`".into()),
        },
        "dropout" => match &args[..] {
            [rate] => {
                let rate: f64 = rate
                    .parse()
                    .map_err(|_| format!("`{rate}` is not a rate (a number from 0 to below 1)"))?;
                Ok(LayerSpec::Dropout { rate })
            }
            _ => Err("write a dropout as `dropout RATE`, e.g. `dropout 0.25`".into()),
        },
        "batchnorm" | "bn" | "batchnormalization" => none(LayerSpec::BatchNorm),
        "relu" => none(LayerSpec::Activation(Activation::Relu)),
        "gelu" => none(LayerSpec::Activation(Activation::Gelu)),
        "flatten" => none(LayerSpec::Flatten),
        "whiten" | "whitening" => match &args[..] {
            [] => Ok(LayerSpec::Whiten { kernel: 2 }),
            [kernel] => Ok(LayerSpec::Whiten {
                kernel: count(kernel, "kernel size")?,
            }),
            _ => Err("write a whitening layer as `whiten KERNEL`, e.g. `whiten 2`".into()),
        },
        "rescale" | "rescaling" | "scale" => match &args[..] {
            [factor] => {
                let factor: f64 = factor
                    .parse()
                    .ok()
                    .filter(|f: &f64| f.is_finite() && *f != 0.0)
                    .ok_or_else(|| format!("`{factor}` is not a factor (a non-zero number)"))?;
                Ok(LayerSpec::Rescale { factor })
            }
            _ => Err("write a rescaling as `rescale FACTOR`, e.g. `rescale 0.111`".into()),
        },
        "dense" | "linear" => {
            let [units, options @ ..] = &args[..] else {
                return Err("write a dense layer as `dense UNITS`, e.g. `dense 128 relu`".into());
            };
            let activation = match options {
                [] | ["linear"] => None,
                ["softmax"] if is_last => None,
                ["softmax"] => {
                    return Err("softmax belongs to the last layer only".into());
                }
                [word] => Some(activation_word(word, "relu, gelu, softmax")?),
                [_, extra, ..] => return Err(format!("unexpected `{extra}`")),
            };
            Ok(LayerSpec::Dense {
                units: count(units, "units")?,
                activation,
            })
        }
        other => Err(format!("unknown layer `{other}`: expected {LAYERS}")),
    }
}

fn activation_word(word: &str, expected: &str) -> Result<Activation, String> {
    match word {
        "relu" => Ok(Activation::Relu),
        "gelu" => Ok(Activation::Gelu),
        _ => Err(format!("unexpected `{word}`: expected {expected}")),
    }
}

fn count(text: &str, what: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err(format!("0 {what}: it must be at least 1")),
        Ok(n) if n <= MAX_COUNT => Ok(n),
        Ok(n) => Err(format!("{n} {what} is more than {MAX_COUNT}")),
        Err(_) => Err(format!("`{text}` is not a whole number of {what}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;

    fn error_of(text: &str) -> String {
        ModelSpec::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn the_issues_example_reads_as_keras_writes_it() {
        let text = "conv 32 3 same relu, conv 32 3 relu, maxpool 2, dropout 0.25, flatten, \
                    dense 128 relu, dense 10";
        let layers = parse_layers(text).unwrap();
        assert_eq!(
            layers[0],
            LayerSpec::Conv2d {
                filters: 32,
                kernel: 3,
                padding: Padding::Same,
                activation: Some(Activation::Relu)
            }
        );
        assert_eq!(layers[3], LayerSpec::Dropout { rate: 0.25 });
        assert_eq!(layers.len(), 7);
        // Written back, it reads the same.
        let spec = ModelSpec::parse(text).unwrap();
        assert_eq!(spec.layer_text(), text.replace("    ", ""));
        assert_eq!(ModelSpec::parse(&spec.to_string()).unwrap(), spec);
    }

    #[test]
    fn separators_case_synonyms_and_softmax_on_the_output() {
        let a =
            parse_layers("Conv2D 8 3 GELU\nBN; gelu, pool 2,flatten,, Dense 10 softmax").unwrap();
        let b =
            parse_layers("conv 8 3 gelu, batchnorm, gelu, maxpool 2, flatten, dense 10").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn errors_name_the_layer_and_what_is_wrong() {
        let cases = [
            (
                "conv 32 3, pool 2, flatten, dense 10, resnet 50",
                "layer 5 `resnet 50`: unknown layer `resnet`",
            ),
            (
                "conv 0 3 relu, flatten, dense 10",
                "layer 1 `conv 0 3 relu`: 0 filters: it must be at least 1",
            ),
            (
                "conv 32, flatten, dense 10",
                "layer 1 `conv 32`: write a convolution as `conv FILTERS KERNEL`",
            ),
            (
                "conv 32 3 tanh, flatten, dense 10",
                "layer 1 `conv 32 3 tanh`: unexpected `tanh`",
            ),
            (
                "conv 3.5 3, flatten, dense 10",
                "`3.5` is not a whole number of filters",
            ),
            (
                "dropout x, flatten, dense 10",
                "layer 1 `dropout x`: `x` is not a rate",
            ),
            (
                "flatten, dense 64 softmax, dense 10",
                "layer 2 `dense 64 softmax`: softmax belongs to the last layer only",
            ),
            (
                "flatten now, dense 10",
                "`flatten` takes nothing, but `now` follows it",
            ),
            (
                "conv 9999999 3, flatten, dense 10",
                "9999999 filters is more than 1000000",
            ),
            (" , ,", "the model has no layers"),
        ];
        for (text, expected) in cases {
            let error = error_of(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
