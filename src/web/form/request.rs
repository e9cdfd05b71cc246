//! The training form's values, checked and turned into a [`TrainRequest`]. Plain strings in,
//! so the rules are tested natively; the page only reads the inputs.

use super::model::model_of;
use super::{Field, FormValues};
use crate::data::{Augment, DataSpec, ValidationSource};
use crate::optim::OptimizerKind;
use crate::train::TrainConfig;
use crate::web::parallel::CpuWorkers;
use crate::web::protocol::{BackendChoice, TrainRequest};

/// The training-set sizes the form offers (index.html's `#subset`), besides all 50,000. A
/// shared link can only ask for what the form can show.
pub const SUBSETS: [usize; 4] = [1_000, 5_000, 10_000, 25_000];
/// The held-out validation fractions the form offers (`#validation`), besides the test batch.
pub const HELD_OUT: [f64; 2] = [0.1, 0.2];
/// The epochs field's maximum (`#epochs`).
pub const MAX_EPOCHS: u64 = 200;

/// What is wrong with the form, and in which field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {reason}", field.name())]
pub struct SettingsError {
    pub field: Field,
    pub reason: String,
}

fn invalid(field: Field, reason: impl Into<String>) -> SettingsError {
    SettingsError {
        field,
        reason: reason.into(),
    }
}

fn whole(form: &FormValues, field: Field, low: u64, high: u64) -> Result<u64, SettingsError> {
    let text = form.get(field);
    let value: u64 = text
        .trim()
        .parse()
        .map_err(|_| invalid(field, format!("`{text}` is not a whole number")))?;
    if value < low || value > high {
        return Err(invalid(field, format!("must be between {low} and {high}")));
    }
    Ok(value)
}

/// One of [`Augment::NAMED`] by its name (empty: none, as links made before it existed).
pub fn augment_named(name: &str) -> Result<Augment, SettingsError> {
    match name.trim() {
        "" => Ok(Augment::default()),
        name => match Augment::named(name) {
            Some(augment) => Ok(augment),
            None => {
                let offered = Augment::NAMED.map(|(n, _)| n).join(", ");
                let reason = format!("`{name}` is not one of {offered}");
                Err(invalid(Field::Augment, reason))
            }
        },
    }
}

impl FormValues {
    pub fn to_request(&self, run: String) -> Result<TrainRequest, SettingsError> {
        let backend_name = self.get(Field::Backend);
        let backend = BackendChoice::parse(backend_name)
            .ok_or_else(|| invalid(Field::Backend, format!("unknown backend `{backend_name}`")))?;
        let field = if self.custom_model() {
            Field::Layers
        } else {
            Field::Model
        };
        let model =
            model_of(&self[Field::Model], &self[Field::Layers]).map_err(|e| invalid(field, e))?;
        let optimizer: OptimizerKind =
            self.get(Field::Optimizer)
                .parse()
                .map_err(|e: crate::optim::UnknownOptimizer| {
                    invalid(Field::Optimizer, e.to_string())
                })?;
        let lr_text = self.get(Field::LearningRate);
        let lr: f64 = lr_text
            .parse()
            .map_err(|_| invalid(Field::LearningRate, format!("`{lr_text}` is not a number")))?;
        if !(lr.is_finite() && lr > 0.0) {
            return Err(invalid(Field::LearningRate, "must be a positive number"));
        }
        let subset = match self.get(Field::Subset) {
            "all" | "" => None,
            n => match n.parse::<usize>() {
                Ok(n) if SUBSETS.contains(&n) => Some(n),
                _ => {
                    let offered = SUBSETS.map(|n| n.to_string()).join(", ");
                    let reason = format!("`{n}` is not one of {offered} or all");
                    return Err(invalid(Field::Subset, reason));
                }
            },
        };
        let validation = match self.get(Field::Validation) {
            "test" => ValidationSource::TestBatch,
            f => match f.parse::<f64>() {
                Ok(f) if HELD_OUT.contains(&f) => ValidationSource::HeldOut(f),
                _ => {
                    let reason = format!("`{f}` is not test, 0.1 or 0.2");
                    return Err(invalid(Field::Validation, reason));
                }
            },
        };
        let augment = augment_named(&self[Field::Augment])?;
        // fast94 brings its recipe's tricks; the form holds the rest of its settings.
        let recipe = TrainConfig::for_model(&model).recipe;
        let config = TrainConfig {
            model,
            epochs: whole(self, Field::Epochs, 1, MAX_EPOCHS)? as usize,
            batch_size: whole(self, Field::BatchSize, 1, 4096)? as usize,
            optimizer,
            lr,
            seed: whole(self, Field::Seed, 0, u64::MAX)?,
            readback_every: 1,
            augment,
            recipe,
            shards: 1,
        };
        config
            .model
            .check_batch(config.batch_size)
            .map_err(|e| invalid(Field::BatchSize, e.to_string()))?;
        Ok(TrainRequest {
            run,
            config,
            backend,
            data: DataSpec { subset, validation },
            workers: CpuWorkers::parse(self.get(Field::CpuWorkers))
                .map_err(|reason| invalid(Field::CpuWorkers, reason))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Architecture;
    use crate::web::form::{CUSTOM, tutorial};

    #[test]
    fn the_tutorial_settings_make_the_tutorial_config() {
        let request = tutorial().to_request("plain".into()).unwrap();
        let mut expected = TrainConfig::tutorial(Architecture::Plain);
        expected.readback_every = 1;
        assert_eq!(request.config, expected);
        assert_eq!(request.data, DataSpec::TUTORIAL);
        assert_eq!(request.backend, BackendChoice::Auto);
    }

    #[test]
    fn subsets_and_held_out_validation() {
        let mut v = tutorial();
        v.set(Field::Subset, "5000");
        v.set(Field::Validation, "0.2");
        let request = v.to_request("x".into()).unwrap();
        assert_eq!(request.data.subset, Some(5000));
        assert_eq!(request.data.validation, ValidationSource::HeldOut(0.2));
    }

    #[test]
    fn augmentation_is_chosen_by_name() {
        let mut v = tutorial();
        assert!(v.to_request("x".into()).unwrap().config.augment.is_off());
        v.set(Field::Augment, "flip-shift-2");
        let augment = v.to_request("x".into()).unwrap().config.augment;
        assert_eq!((augment.flip, augment.translate), (true, 2));
        v.set(Field::Augment, "");
        assert!(v.to_request("x".into()).unwrap().config.augment.is_off());
    }

    /// The page's history table is headed as [`EPOCH_COLUMNS`] says, like every table of
    /// epochs (its rows are rendered from the same list).
    #[test]
    fn the_history_table_heads_are_the_epoch_columns() {
        use crate::history::EPOCH_COLUMNS;
        let page = include_str!("../../../index.html");
        let body = page.find("id=\"history-body\"").unwrap();
        let head = page[..body].rfind("<thead>").unwrap();
        let heads: Vec<&str> = page[head..body]
            .split("<th scope=\"col\">")
            .skip(1)
            .map(|cell| &cell[..cell.find("</th>").unwrap()])
            .collect();
        let titles: Vec<&str> = EPOCH_COLUMNS.iter().map(|c| c.title()).collect();
        assert_eq!(heads, titles);
    }

    /// The limits above are the page's: every option of index.html's selects is accepted,
    /// and the epochs field has the same maximum.
    #[test]
    fn the_rules_match_the_page() {
        let page = include_str!("../../../index.html");
        let options = |id: &str| -> Vec<String> {
            let start = page.find(&format!("<select id=\"{id}\"")).unwrap();
            let end = start + page[start..].find("</select>").unwrap();
            page[start..end]
                .split("value=\"")
                .skip(1)
                .map(|s| s[..s.find('"').unwrap()].to_string())
                .collect()
        };
        let mut subsets: Vec<String> = SUBSETS.iter().map(|n| n.to_string()).collect();
        subsets.push("all".into());
        assert_eq!(options("subset"), subsets);
        let mut held_out: Vec<String> = vec!["test".into()];
        held_out.extend(HELD_OUT.iter().map(|f| f.to_string()));
        assert_eq!(options("validation"), held_out);
        assert_eq!(
            options("augment"),
            Augment::NAMED.map(|(n, _)| n.to_string())
        );
        let mut models: Vec<String> = Architecture::ALL.map(|a| a.name().to_string()).into();
        models.push(CUSTOM.into());
        assert_eq!(options("model"), models);
        assert!(page.contains(&format!(
            "id=\"epochs\" type=\"number\" min=\"1\" max=\"{MAX_EPOCHS}\""
        )));
    }

    /// Bad values, and values the form cannot show (a shared link with `subset=777` would
    /// otherwise train on all 50,000 images while the form shows something else), are
    /// refused with their field.
    #[test]
    fn bad_values_name_their_field() {
        use Field as F;
        let cases: [(&[(Field, &str)], Field); 12] = [
            (&[(F::Subset, "777")], F::Subset),
            (&[(F::Epochs, "500")], F::Epochs),
            (&[(F::Validation, "0.15")], F::Validation),
            (&[(F::Validation, "1.5")], F::Validation),
            (&[(F::Epochs, "0")], F::Epochs),
            (&[(F::BatchSize, "12.5")], F::BatchSize),
            (&[(F::LearningRate, "-1")], F::LearningRate),
            (&[(F::LearningRate, "NaN")], F::LearningRate),
            (&[(F::Model, "resnet")], F::Model),
            (&[(F::Augment, "rotate")], F::Augment),
            (
                &[(F::Model, CUSTOM), (F::Layers, "conv 8 3, dense 10")],
                F::Layers,
            ),
            (
                &[
                    (F::Model, CUSTOM),
                    (F::Layers, "conv 512 3 same, maxpool 2, flatten, dense 10"),
                    (F::BatchSize, "4096"),
                ],
                F::BatchSize,
            ),
        ];
        for (spoil, field) in cases {
            let mut v = tutorial();
            for (f, value) in spoil {
                v.set(*f, *value);
            }
            assert_eq!(v.to_request("x".into()).unwrap_err().field, field);
        }
    }
}
