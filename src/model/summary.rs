//! A model summary as Keras prints it: layers, output shapes and parameters.

use std::fmt;

use super::{LayerSpec, ModelSpec};

/// One row of a Keras-style model summary. Shapes are shown channels-last, as Keras does.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SummaryRow {
    /// Keras' layer name, e.g. `conv2d_1 (Conv2D)`.
    pub layer: String,
    /// The output shape without the batch dimension: `[30, 30, 32]` or `[128]`.
    pub output_shape: Vec<usize>,
    pub params: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    /// The preset's name, or `custom`.
    pub model: String,
    pub rows: Vec<SummaryRow>,
    pub total_params: usize,
    /// Saved but not trained: batch norm's running statistics, the whitening filters, and
    /// whatever a recipe freezes (`with_trainable`).
    pub non_trainable_params: usize,
}

fn keras_type(layer: &LayerSpec) -> (&'static str, &'static str) {
    match layer {
        LayerSpec::Conv2d { .. } => ("conv2d", "Conv2D"),
        LayerSpec::MaxPool2d { .. } => ("max_pooling2d", "MaxPooling2D"),
        LayerSpec::Dropout { .. } => ("dropout", "Dropout"),
        LayerSpec::BatchNorm => ("batch_normalization", "BatchNormalization"),
        LayerSpec::Activation(_) => ("activation", "Activation"),
        LayerSpec::Flatten => ("flatten", "Flatten"),
        LayerSpec::Dense { .. } => ("dense", "Dense"),
        LayerSpec::Whiten { .. } => ("whitening", "PatchWhitening"),
        LayerSpec::Rescale { .. } => ("rescaling", "Rescaling"),
    }
}

impl Summary {
    pub fn new(model: &ModelSpec) -> Self {
        let layers = model.layers();
        let mut seen: Vec<&str> = Vec::new();
        let shapes = model.shapes();
        let rows: Vec<SummaryRow> = layers
            .iter()
            .zip(&shapes)
            .map(|(layer, shape)| {
                let (base, class) = keras_type(layer);
                // Keras numbers repeated layer types: conv2d, conv2d_1, conv2d_2…
                let n = seen.iter().filter(|s| **s == base).count();
                seen.push(base);
                let name = if n == 0 {
                    base.to_string()
                } else {
                    format!("{base}_{n}")
                };
                SummaryRow {
                    layer: format!("{name} ({class})"),
                    output_shape: shape.output.clone(),
                    params: shape.trainable + shape.non_trainable,
                }
            })
            .collect();
        Self {
            model: model.name().to_string(),
            rows,
            total_params: shapes.iter().map(|s| s.trainable + s.non_trainable).sum(),
            non_trainable_params: shapes.iter().map(|s| s.non_trainable).sum(),
        }
    }

    /// The totals as training will see them: `trainable` is counted on the model as its
    /// recipe prepared it, which can freeze parameters the spec alone would train
    /// (airbench's zero biases and fixed batch-norm scales).
    pub fn with_trainable(mut self, trainable: usize) -> Self {
        self.non_trainable_params = self.total_params.saturating_sub(trainable);
        self
    }
}

/// Formats like Keras' `model.summary()`.
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keras' 29 columns for the name, wider where a name needs it (batch norms' do).
        let name = self
            .rows
            .iter()
            .map(|r| r.layer.chars().count() + 1)
            .fold(29, usize::max);
        let width = name + 36;
        let rule = "_".repeat(width);
        writeln!(f, "Model: \"{}\"", self.model)?;
        writeln!(f, "{rule}")?;
        writeln!(
            f,
            "{:<name$}{:<26}{:>10}",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        writeln!(f, "{}", "=".repeat(width))?;
        for (i, row) in self.rows.iter().enumerate() {
            let dims: Vec<String> = row.output_shape.iter().map(|d| d.to_string()).collect();
            let shape = format!("(None, {})", dims.join(", "));
            writeln!(
                f,
                "{:<name$}{:<26}{:>10}",
                row.layer,
                shape,
                group_thousands(row.params)
            )?;
            if i + 1 < self.rows.len() {
                writeln!(f)?;
            }
        }
        writeln!(f, "{}", "=".repeat(width))?;
        writeln!(f, "Total params: {}", group_thousands(self.total_params))?;
        let trainable = self.total_params - self.non_trainable_params;
        writeln!(f, "Trainable params: {}", group_thousands(trainable))?;
        writeln!(
            f,
            "Non-trainable params: {}",
            group_thousands(self.non_trainable_params)
        )?;
        write!(f, "{rule}")
    }
}

/// `1626442` → `1,626,442`.
pub fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Architecture;

    #[test]
    fn parameter_counts_match_the_tutorial() {
        assert_eq!(
            Summary::new(&Architecture::Plain.into()).total_params,
            1_626_442
        );
        assert_eq!(
            Summary::new(&Architecture::Dropout.into()).total_params,
            1_626_442
        );
        assert_eq!(
            Summary::new(&Architecture::Deeper.into()).total_params,
            1_250_858
        );
    }

    #[test]
    fn plain_rows_match_keras() {
        let s = Summary::new(&Architecture::Plain.into());
        let rows: Vec<(&str, Vec<usize>, usize)> = s
            .rows
            .iter()
            .map(|r| (r.layer.as_str(), r.output_shape.clone(), r.params))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("conv2d (Conv2D)", vec![30, 30, 32], 896),
                ("conv2d_1 (Conv2D)", vec![28, 28, 64], 18_496),
                ("max_pooling2d (MaxPooling2D)", vec![14, 14, 64], 0),
                ("flatten (Flatten)", vec![12_544], 0),
                ("dense (Dense)", vec![128], 1_605_760),
                ("dense_1 (Dense)", vec![10], 1_290),
            ]
        );
        let text = s.to_string();
        assert!(text.contains("Total params: 1,626,442"));
        assert!(text.contains("(None, 30, 30, 32)"));
    }

    #[test]
    fn deeper_shapes() {
        let s = Summary::new(&Architecture::Deeper.into());
        let shapes: Vec<Vec<usize>> = s.rows.iter().map(|r| r.output_shape.clone()).collect();
        assert_eq!(shapes[0], [32, 32, 32]);
        assert_eq!(shapes[1], [30, 30, 32]);
        assert_eq!(shapes[2], [15, 15, 32]);
        assert_eq!(shapes[5], [13, 13, 64]);
        assert_eq!(shapes[6], [6, 6, 64]);
        assert_eq!(shapes[8], [2304]);
    }

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(1_250_858), "1,250,858");
    }
}
