//! The ten class names, as the official release and a run's files give them.

use super::{DataError, NUM_CLASSES};

/// The label names of the official release, in label-id order.
pub const CIFAR10_CLASSES: [&str; NUM_CLASSES] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];

/// The ten class names, label id = index. Read back from JSON (a run's `metrics.json`, the
/// browser's storage) only as ten names, so that every label indexes one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct ClassNames(pub Vec<String>);

impl TryFrom<Vec<String>> for ClassNames {
    type Error = String;

    fn try_from(names: Vec<String>) -> Result<Self, String> {
        if names.len() != NUM_CLASSES || names.iter().any(String::is_empty) {
            return Err(format!(
                "expected {NUM_CLASSES} class names, none blank, found {}",
                names.len()
            ));
        }
        Ok(Self(names))
    }
}

impl Default for ClassNames {
    fn default() -> Self {
        Self(CIFAR10_CLASSES.iter().map(|s| s.to_string()).collect())
    }
}

impl ClassNames {
    /// Parses `batches.meta.txt`: one name per line, label id = line number. Blank lines at the
    /// end (the official file has some) are ignored; anything other than ten names is an error.
    pub fn parse(file: &str, text: &str) -> Result<Self, DataError> {
        let mut names: Vec<String> = text.lines().map(|l| l.trim().to_string()).collect();
        while names.last().is_some_and(|n| n.is_empty()) {
            names.pop();
        }
        if names.len() != NUM_CLASSES {
            return Err(DataError::BadLabelNames {
                file: file.into(),
                reason: format!("expected {NUM_CLASSES} label names, found {}", names.len()),
            });
        }
        if let Some(line) = names.iter().position(|n| n.is_empty()) {
            return Err(DataError::BadLabelNames {
                file: file.into(),
                reason: format!("line {} is blank", line + 1),
            });
        }
        Ok(Self(names))
    }

    pub fn name(&self, label: usize) -> &str {
        &self.0[label]
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_official_meta_with_trailing_blank_lines() {
        let text = CIFAR10_CLASSES.join("\n") + "\n\n";
        let names = ClassNames::parse("batches.meta.txt", &text).unwrap();
        assert_eq!(names, ClassNames::default());
        assert_eq!(names.name(3), "cat");
    }

    #[test]
    fn rejects_wrong_count_and_blank_names() {
        let err = ClassNames::parse("m.txt", "a\nb\n").unwrap_err();
        assert!(err.to_string().contains("expected 10 label names, found 2"));
        let text = "a\nb\n\nd\ne\nf\ng\nh\ni\nj";
        assert!(
            ClassNames::parse("m.txt", text)
                .unwrap_err()
                .to_string()
                .contains("line 3 is blank")
        );
    }
}
