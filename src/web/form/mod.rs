//! The training form, in plain Rust. [`FIELDS`] lists each field once: its element in
//! index.html, its key in a share link, its name in messages, the value the page opens with
//! and whether it is typed or chosen. Everything else reads that table: the page finds,
//! reads, fills and listens to the fields through it (`page/form_fields.rs`, `page/wire.rs`), share
//! links write and read its keys ([`share`]), and messages mark the field they are about.
//!
//! - [`request`]: the values checked and turned into a training request;
//! - [`model`]: the model select and layer list, and the live summary beside them;
//! - [`rules`]: what an edit changes in other fields (a preset fills in its settings; a new
//!   optimizer brings its learning rate), applied by the session;
//! - [`share`]: the values as a link's hash.
//!
//! A new field is a row here, an element in index.html (checked by `request`'s tests) and
//! whatever `request` makes of it.

pub mod model;
pub mod request;
pub mod rules;
pub mod share;

use std::ops::{Index, IndexMut};

pub use model::{CUSTOM, ModelPreview};
pub use request::{SettingsError, augment_named};

/// A field of the training form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Model,
    Epochs,
    BatchSize,
    Optimizer,
    LearningRate,
    Seed,
    Subset,
    Validation,
    Augment,
    Backend,
    CpuWorkers,
    Layers,
}

/// What the page and links need to know about a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub field: Field,
    /// Its element's id in index.html.
    pub id: &'static str,
    /// Its key in a share link's hash.
    pub key: &'static str,
    /// Its name in messages ("batch size: must be between 1 and 4096").
    pub name: &'static str,
    /// The value index.html gives it.
    pub default: &'static str,
    /// A typed field follows each keystroke (`input` events); a chosen one its `change`.
    pub typed: bool,
}

const fn spec(
    field: Field,
    id: &'static str,
    key: &'static str,
    name: &'static str,
    default: &'static str,
    typed: bool,
) -> FieldSpec {
    FieldSpec {
        field,
        id,
        key,
        name,
        default,
        typed,
    }
}

/// Every field, in [`Field`]'s order, which is the order a share link writes them.
pub const FIELDS: [FieldSpec; 12] = [
    spec(Field::Model, "model", "model", "model", "plain", false),
    spec(Field::Epochs, "epochs", "epochs", "epochs", "8", true),
    spec(
        Field::BatchSize,
        "batch-size",
        "batch",
        "batch size",
        "128",
        true,
    ),
    spec(
        Field::Optimizer,
        "optimizer",
        "optimizer",
        "optimizer",
        "adadelta",
        false,
    ),
    spec(Field::LearningRate, "lr", "lr", "learning rate", "1", true),
    spec(Field::Seed, "seed", "seed", "seed", "42", true),
    spec(
        Field::Subset,
        "subset",
        "subset",
        "training images",
        "10000",
        false,
    ),
    spec(
        Field::Validation,
        "validation",
        "validation",
        "validation",
        "test",
        false,
    ),
    spec(
        Field::Augment,
        "augment",
        "augment",
        "augmentation",
        "none",
        false,
    ),
    spec(
        Field::Backend,
        "backend",
        "backend",
        "backend",
        "auto",
        false,
    ),
    spec(
        Field::CpuWorkers,
        "cpu-workers",
        "workers",
        "CPU workers",
        "auto",
        false,
    ),
    // Filled in from the model as the page opens (see `rules`).
    spec(Field::Layers, "layers", "layers", "layers", "", true),
];

impl Field {
    pub const ALL: [Field; 12] = [
        Field::Model,
        Field::Epochs,
        Field::BatchSize,
        Field::Optimizer,
        Field::LearningRate,
        Field::Seed,
        Field::Subset,
        Field::Validation,
        Field::Augment,
        Field::Backend,
        Field::CpuWorkers,
        Field::Layers,
    ];

    pub fn spec(self) -> &'static FieldSpec {
        &FIELDS[self as usize]
    }

    pub fn id(self) -> &'static str {
        self.spec().id
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The field a link's key names.
    pub fn keyed(key: &str) -> Option<Field> {
        FIELDS.iter().find(|f| f.key == key).map(|f| f.field)
    }
}

/// The form's values, as the browser gives them (plain strings: checking is
/// [`request`]'s job), one per [`Field`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormValues([String; FIELDS.len()]);

impl FormValues {
    /// The values index.html opens with.
    pub fn defaults() -> Self {
        Self(FIELDS.map(|f| f.default.to_string()))
    }

    /// The value of `field`, trimmed.
    pub fn get(&self, field: Field) -> &str {
        self[field].trim()
    }

    pub fn set(&mut self, field: Field, value: impl Into<String>) {
        self[field] = value.into();
    }

    /// The fields whose values differ from `other`'s.
    pub fn changed_from(&self, other: &FormValues) -> Vec<Field> {
        Field::ALL
            .into_iter()
            .filter(|f| self[*f] != other[*f])
            .collect()
    }

    /// The model select holds [`CUSTOM`]: the layer list is the model.
    pub fn custom_model(&self) -> bool {
        self.get(Field::Model) == CUSTOM
    }
}

impl Index<Field> for FormValues {
    type Output = String;

    fn index(&self, field: Field) -> &String {
        &self.0[field as usize]
    }
}

impl IndexMut<Field> for FormValues {
    fn index_mut(&mut self, field: Field) -> &mut String {
        &mut self.0[field as usize]
    }
}

/// The form as the page opens it, with the whole training set: the tutorial's settings.
#[cfg(test)]
pub(crate) fn tutorial() -> FormValues {
    let mut form = FormValues::defaults();
    form.set(Field::Subset, "all");
    form
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_the_fields_order_and_names_each_once() {
        for (i, spec) in FIELDS.iter().enumerate() {
            assert_eq!(spec.field as usize, i, "{:?} is out of place", spec.field);
            assert_eq!(Field::ALL[i], spec.field);
        }
        for column in [
            |f: &FieldSpec| f.id,
            |f: &FieldSpec| f.key,
            |f: &FieldSpec| f.name,
        ] {
            let mut seen: Vec<&str> = FIELDS.iter().map(column).collect();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), FIELDS.len());
        }
        assert_eq!(Field::keyed("batch"), Some(Field::BatchSize));
        assert_eq!(Field::keyed("batch-size"), None);
    }

    /// The defaults are the page's: each field's `value=` or `selected` option.
    #[test]
    fn the_defaults_are_the_pages() {
        let page = include_str!("../../../index.html");
        for spec in FIELDS {
            let start = page
                .find(&format!(" id=\"{}\"", spec.id))
                .unwrap_or_else(|| panic!("no #{} in the page", spec.id));
            let tag = &page[page[..start].rfind('<').unwrap()..];
            let shown = if tag.starts_with("<select") {
                let options = &tag[..tag.find("</select>").unwrap()];
                let chosen = options
                    .split("<option ")
                    .skip(1)
                    .find(|o| o.contains(" selected"))
                    .or_else(|| options.split("<option ").nth(1))
                    .unwrap();
                let value = &chosen[chosen.find("value=\"").unwrap() + 7..];
                value[..value.find('"').unwrap()].to_string()
            } else {
                let tag = &tag[..tag.find('>').unwrap()];
                match tag.find(" value=\"") {
                    Some(at) => {
                        let value = &tag[at + 8..];
                        value[..value.find('"').unwrap()].to_string()
                    }
                    None => String::new(),
                }
            };
            assert_eq!(shown, spec.default, "#{}", spec.id);
        }
    }
}
