//! The per-epoch record of a run, like Keras' `History`, with JSON and CSV forms.

use serde::{Deserialize, Serialize};

/// One epoch's numbers. `acc` and `loss` are averaged over the epoch's training batches (as
/// Keras reports them); `val_*` are measured on the validation set after the epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based.
    pub epoch: usize,
    #[serde(with = "crate::serde_float")]
    pub loss: f64,
    #[serde(with = "crate::serde_float")]
    pub acc: f64,
    #[serde(with = "crate::serde_float")]
    pub val_loss: f64,
    #[serde(with = "crate::serde_float")]
    pub val_acc: f64,
    /// Wall time of the epoch: training and validation.
    pub seconds: f64,
    /// Training time per training sample, in microseconds.
    pub us_per_sample: f64,
    pub lr: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct History {
    pub epochs: Vec<EpochRecord>,
}

/// One column of a table of epochs. [`EPOCH_COLUMNS`] is the one list that every such table
/// renders from: the CSV, the HTML report, the page's history table and the CLI's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochColumn {
    Epoch,
    Acc,
    Loss,
    ValAcc,
    ValLoss,
    Seconds,
}

/// Keras' CSVLogger order (accuracy before loss), plus the epoch's wall time.
pub const EPOCH_COLUMNS: [EpochColumn; 6] = [
    EpochColumn::Epoch,
    EpochColumn::Acc,
    EpochColumn::Loss,
    EpochColumn::ValAcc,
    EpochColumn::ValLoss,
    EpochColumn::Seconds,
];

impl EpochColumn {
    /// Its name in the CSV's header and the JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Epoch => "epoch",
            Self::Acc => "acc",
            Self::Loss => "loss",
            Self::ValAcc => "val_acc",
            Self::ValLoss => "val_loss",
            Self::Seconds => "seconds",
        }
    }

    /// Its heading in tables people read: the name, but `time` for the wall time (shown as
    /// a duration).
    pub fn title(self) -> &'static str {
        match self {
            Self::Seconds => "time",
            other => other.name(),
        }
    }

    /// Its value in `record` (the epoch counted from 1).
    pub fn value(self, record: &EpochRecord) -> f64 {
        match self {
            Self::Epoch => record.epoch as f64,
            Self::Acc => record.acc,
            Self::Loss => record.loss,
            Self::ValAcc => record.val_acc,
            Self::ValLoss => record.val_loss,
            Self::Seconds => record.seconds,
        }
    }

    fn set(self, record: &mut EpochRecord, value: f64) {
        match self {
            Self::Epoch => record.epoch = value as usize,
            Self::Acc => record.acc = value,
            Self::Loss => record.loss = value,
            Self::ValAcc => record.val_acc = value,
            Self::ValLoss => record.val_loss = value,
            Self::Seconds => record.seconds = value,
        }
    }
}

/// [`EPOCH_COLUMNS`]' names: Keras' CSVLogger header, plus the epoch's wall time.
pub const CSV_HEADER: &str = "epoch,acc,loss,val_acc,val_loss,seconds";

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("history JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("history CSV: the header is `{found}`, expected `{CSV_HEADER}`")]
    CsvHeader { found: String },
    #[error("history CSV line {line}: {reason}")]
    CsvLine { line: usize, reason: String },
}

impl History {
    /// A history from `(acc, val_acc)` per epoch, losses mirroring them: for tests.
    #[cfg(test)]
    pub(crate) fn from_accuracies(points: &[(f64, f64)]) -> Self {
        History {
            epochs: points
                .iter()
                .enumerate()
                .map(|(i, &(acc, val_acc))| EpochRecord {
                    epoch: i + 1,
                    loss: 2.0 - acc,
                    acc,
                    val_loss: 2.0 - val_acc,
                    val_acc,
                    seconds: 1.0,
                    us_per_sample: 1.0,
                    lr: 1.0,
                })
                .collect(),
        }
    }

    pub fn push(&mut self, record: EpochRecord) {
        self.epochs.push(record);
    }

    pub fn len(&self) -> usize {
        self.epochs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.epochs.is_empty()
    }

    pub fn last(&self) -> Option<&EpochRecord> {
        self.epochs.last()
    }

    /// The epoch with the highest validation accuracy (the first, on ties).
    pub fn best(&self) -> Option<&EpochRecord> {
        self.epochs
            .iter()
            .reduce(|best, e| if e.val_acc > best.val_acc { e } else { best })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("history serialises")
    }

    pub fn from_json(text: &str) -> Result<Self, HistoryError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Keras CSVLogger columns. Floats are written with Rust's shortest round-trip form, so
    /// reading the CSV back gives the same numbers. (`us_per_sample` and `lr` live in the JSON.)
    pub fn to_csv(&self) -> String {
        let mut out = String::from(CSV_HEADER);
        out.push('\n');
        for e in &self.epochs {
            let fields: Vec<String> = EPOCH_COLUMNS
                .iter()
                .map(|column| match column {
                    // Keras' CSVLogger numbers epochs from 0.
                    EpochColumn::Epoch => (e.epoch - 1).to_string(),
                    column => column.value(e).to_string(),
                })
                .collect();
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }

    /// Reads what [`History::to_csv`] writes. The CSV has no `us_per_sample` or `lr`; those
    /// come back as 0.
    pub fn from_csv(text: &str) -> Result<Self, HistoryError> {
        let mut lines = text.lines();
        let header = lines.next().unwrap_or("").trim();
        if header != CSV_HEADER {
            return Err(HistoryError::CsvHeader {
                found: header.into(),
            });
        }
        let mut history = History::default();
        for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let line_no = i + 2;
            let bad = |reason: String| HistoryError::CsvLine {
                line: line_no,
                reason,
            };
            let fields: Vec<&str> = line.trim().split(',').collect();
            if fields.len() != EPOCH_COLUMNS.len() {
                return Err(bad(format!(
                    "{} fields, expected {}",
                    fields.len(),
                    EPOCH_COLUMNS.len()
                )));
            }
            let mut record = EpochRecord {
                epoch: 0,
                loss: 0.0,
                acc: 0.0,
                val_loss: 0.0,
                val_acc: 0.0,
                seconds: 0.0,
                us_per_sample: 0.0,
                lr: 0.0,
            };
            for (column, field) in EPOCH_COLUMNS.iter().zip(&fields) {
                let value = match column {
                    EpochColumn::Epoch => field
                        .parse::<usize>()
                        .map(|e| e as f64 + 1.0)
                        .map_err(|_| bad(format!("epoch `{field}` is not a whole number")))?,
                    _ => field
                        .parse()
                        .map_err(|_| bad(format!("`{field}` is not a number")))?,
                };
                column.set(&mut record, value);
            }
            history.push(record);
        }
        Ok(history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_header_is_the_columns_names() {
        let names: Vec<&str> = EPOCH_COLUMNS.iter().map(|c| c.name()).collect();
        assert_eq!(names.join(","), CSV_HEADER);
    }

    /// A diverged epoch's numbers come back as they were from both files, not as `null`.
    #[test]
    fn non_finite_numbers_round_trip_through_json_and_csv() {
        let mut history = History::default();
        history.push(EpochRecord {
            epoch: 1,
            loss: f64::NAN,
            acc: 0.1,
            val_loss: f64::INFINITY,
            val_acc: 0.1,
            seconds: 2.0,
            us_per_sample: 40.0,
            lr: 1.0,
        });
        for back in [
            History::from_json(&history.to_json()).unwrap(),
            History::from_csv(&history.to_csv()).unwrap(),
        ] {
            let e = &back.epochs[0];
            assert!(e.loss.is_nan());
            assert_eq!(e.val_loss, f64::INFINITY);
            assert_eq!(e.acc, 0.1);
        }
    }
}
