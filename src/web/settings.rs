//! The training form's values, checked and turned into a [`TrainRequest`]. Plain strings in,
//! so the rules are tested natively; the page only reads the inputs.

use crate::data::{Augment, ValidationSource};
use crate::optim::OptimizerKind;
use crate::train::TrainConfig;
use crate::web::model_form::{CUSTOM, model_of};
use crate::web::protocol::{BackendChoice, TrainRequest};

/// The training-set sizes the form offers (index.html's `#subset`), besides all 50,000. A
/// shared link can only ask for what the form can show.
pub const SUBSETS: [usize; 4] = [1_000, 5_000, 10_000, 25_000];
/// The held-out validation fractions the form offers (`#validation`), besides the test batch.
pub const HELD_OUT: [f64; 2] = [0.1, 0.2];
/// The epochs field's maximum (`#epochs`).
pub const MAX_EPOCHS: u64 = 200;

/// The form's inputs, as the browser gives them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormValues {
    pub backend: String,
    pub model: String,
    pub epochs: String,
    pub batch_size: String,
    pub optimizer: String,
    pub lr: String,
    pub seed: String,
    /// A number of training images, or `all`.
    pub subset: String,
    /// `test`, or the held-out fraction.
    pub validation: String,
    /// One of [`Augment::NAMED`]' names (empty: none, as links made before it existed).
    pub augment: String,
    /// The layer list, read when `model` is [`CUSTOM`].
    pub layers: String,
}

/// Each field's name in messages and the id of its element in the form (index.html), so
/// the page marks the field a message is about.
pub const FIELDS: [(&str, &str); 11] = [
    ("backend", "backend"),
    ("model", "model"),
    ("layers", "layers"),
    ("epochs", "epochs"),
    ("batch size", "batch-size"),
    ("optimizer", "optimizer"),
    ("learning rate", "lr"),
    ("seed", "seed"),
    ("training images", "subset"),
    ("validation", "validation"),
    ("augmentation", "augment"),
];

/// The id of the form element that field `name` (as a [`SettingsError`] names it) is.
pub fn field_id(name: &str) -> Option<&'static str> {
    FIELDS.iter().find(|(n, _)| *n == name).map(|(_, id)| *id)
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct SettingsError {
    pub field: &'static str,
    pub reason: String,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> SettingsError {
    SettingsError {
        field,
        reason: reason.into(),
    }
}

fn whole(field: &'static str, text: &str, low: u64, high: u64) -> Result<u64, SettingsError> {
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
                Err(invalid("augmentation", reason))
            }
        },
    }
}

impl FormValues {
    pub fn to_request(&self, run: String) -> Result<TrainRequest, SettingsError> {
        let backend = BackendChoice::parse(&self.backend)
            .ok_or_else(|| invalid("backend", format!("unknown backend `{}`", self.backend)))?;
        let field = if self.model.trim() == CUSTOM {
            "layers"
        } else {
            "model"
        };
        let model = model_of(&self.model, &self.layers).map_err(|e| invalid(field, e))?;
        let optimizer: OptimizerKind = self
            .optimizer
            .parse()
            .map_err(|e: crate::optim::UnknownOptimizer| invalid("optimizer", e.to_string()))?;
        let lr: f64 = self
            .lr
            .trim()
            .parse()
            .map_err(|_| invalid("learning rate", format!("`{}` is not a number", self.lr)))?;
        if !(lr.is_finite() && lr > 0.0) {
            return Err(invalid("learning rate", "must be a positive number"));
        }
        let subset = match self.subset.trim() {
            "all" | "" => None,
            n => match n.parse::<usize>() {
                Ok(n) if SUBSETS.contains(&n) => Some(n),
                _ => {
                    let offered = SUBSETS.map(|n| n.to_string()).join(", ");
                    let reason = format!("`{n}` is not one of {offered} or all");
                    return Err(invalid("training images", reason));
                }
            },
        };
        let validation = match self.validation.trim() {
            "test" => ValidationSource::TestBatch,
            f => match f.parse::<f64>() {
                Ok(f) if HELD_OUT.contains(&f) => ValidationSource::HeldOut(f),
                _ => {
                    let reason = format!("`{f}` is not test, 0.1 or 0.2");
                    return Err(invalid("validation", reason));
                }
            },
        };
        let augment = augment_named(&self.augment)?;
        // fast94 brings its recipe's tricks; the form holds the rest of its settings.
        let recipe = TrainConfig::for_model(&model).recipe;
        let config = TrainConfig {
            model,
            epochs: whole("epochs", &self.epochs, 1, MAX_EPOCHS)? as usize,
            batch_size: whole("batch size", &self.batch_size, 1, 4096)? as usize,
            optimizer,
            lr,
            seed: whole("seed", &self.seed, 0, u64::MAX)?,
            readback_every: 1,
            augment,
            recipe,
        };
        config
            .model
            .check_batch(config.batch_size)
            .map_err(|e| invalid("batch size", e.to_string()))?;
        Ok(TrainRequest {
            run,
            config,
            backend,
            subset,
            validation,
        })
    }
}

/// The form as the page opens it, with the whole training set: the tutorial's settings.
#[cfg(test)]
pub(crate) fn tutorial() -> FormValues {
    FormValues {
        backend: "auto".into(),
        model: "plain".into(),
        epochs: "8".into(),
        batch_size: "128".into(),
        optimizer: "adadelta".into(),
        lr: "1".into(),
        seed: "42".into(),
        subset: "all".into(),
        validation: "test".into(),
        augment: "none".into(),
        layers: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Architecture;

    #[test]
    fn the_tutorial_settings_make_the_tutorial_config() {
        let request = tutorial().to_request("plain".into()).unwrap();
        let mut expected = TrainConfig::tutorial(Architecture::Plain);
        expected.readback_every = 1;
        assert_eq!(request.config, expected);
        assert_eq!(request.subset, None);
        assert_eq!(request.validation, ValidationSource::TestBatch);
        assert_eq!(request.backend, BackendChoice::Auto);
    }

    #[test]
    fn subsets_and_held_out_validation() {
        let mut v = tutorial();
        v.subset = "5000".into();
        v.validation = "0.2".into();
        let request = v.to_request("x".into()).unwrap();
        assert_eq!(request.subset, Some(5000));
        assert_eq!(request.validation, ValidationSource::HeldOut(0.2));
    }

    #[test]
    fn augmentation_is_chosen_by_name() {
        let mut v = tutorial();
        assert!(v.to_request("x".into()).unwrap().config.augment.is_off());
        v.augment = "flip-shift-2".into();
        let augment = v.to_request("x".into()).unwrap().config.augment;
        assert_eq!((augment.flip, augment.translate), (true, 2));
        v.augment = String::new();
        assert!(v.to_request("x".into()).unwrap().config.augment.is_off());
    }

    /// The page's history table is headed as [`EPOCH_COLUMNS`] says, like every table of
    /// epochs (its rows are rendered from the same list).
    #[test]
    fn the_history_table_heads_are_the_epoch_columns() {
        use crate::history::EPOCH_COLUMNS;
        let page = include_str!("../../index.html");
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
        let page = include_str!("../../index.html");
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
        // The page can mark every field a message names.
        for (_, id) in FIELDS {
            assert!(
                page.contains(&format!(" id=\"{id}\"")),
                "no #{id} in the page"
            );
        }
    }

    /// Bad values, and values the form cannot show (a shared link with `subset=777` would
    /// otherwise train on all 50,000 images while the form shows something else), are
    /// refused with their field.
    #[test]
    fn bad_values_name_their_field() {
        type Spoil = fn(&mut FormValues);
        let cases: [(Spoil, &str); 12] = [
            (|v| v.subset = "777".into(), "training images"),
            (|v| v.epochs = "500".into(), "epochs"),
            (|v| v.validation = "0.15".into(), "validation"),
            (|v| v.validation = "1.5".into(), "validation"),
            (|v| v.epochs = "0".into(), "epochs"),
            (|v| v.batch_size = "12.5".into(), "batch size"),
            (|v| v.lr = "-1".into(), "learning rate"),
            (|v| v.lr = "NaN".into(), "learning rate"),
            (|v| v.model = "resnet".into(), "model"),
            (|v| v.augment = "rotate".into(), "augmentation"),
            (
                |v| (v.model, v.layers) = (CUSTOM.into(), "conv 8 3, dense 10".into()),
                "layers",
            ),
            (
                |v| {
                    v.model = CUSTOM.into();
                    v.layers = "conv 512 3 same, maxpool 2, flatten, dense 10".into();
                    v.batch_size = "4096".into();
                },
                "batch size",
            ),
        ];
        for (spoil, field) in cases {
            let mut v = tutorial();
            spoil(&mut v);
            assert_eq!(v.to_request("x".into()).unwrap_err().field, field);
            assert!(field_id(field).is_some(), "{field} has no element");
        }
    }
}
