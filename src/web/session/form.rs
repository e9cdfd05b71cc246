//! The training form in the session: as the page opens (with a shared link's settings, if
//! any) and after each edit, the form's rules fill in other fields (`form::rules`), and what
//! follows from its values is said: the model's summary, its validation set, what is wrong
//! with it (Train waits), the time estimate and the augmentation strip.

use super::data::DataMsg;
use super::{Command, Line, Session};
use crate::data::Augment;
use crate::web::form::{Field, FormValues, SettingsError, augment_named, model};
use crate::web::format;

/// The form as the page last showed it: a part of the session with its own state and
/// [`FormPart::update`].
#[derive(Debug, Clone, Default)]
pub(super) struct FormPart {
    /// Its values, for the time estimate; none until the page opened.
    values: Option<FormValues>,
    /// What is wrong with it, if anything: Train waits for a form that makes a run.
    error: Option<SettingsError>,
}

/// What happens to the form.
pub(super) enum FormMsg {
    /// The page opened with these values and this address hash (a shared link's settings,
    /// or empty). A link fills the form in; it never starts training.
    Opened { page: FormValues, hash: String },
    /// The user changed `field`; `page` is the form as it now shows.
    Edited { field: Field, page: FormValues },
}

impl FormPart {
    pub(super) fn update(&mut self, msg: FormMsg) -> Vec<Command> {
        let mut out = Vec::new();
        match msg {
            FormMsg::Opened { page, hash } => {
                let mut form = page.clone();
                if !hash.trim_start_matches('#').is_empty() {
                    let notice = match FormValues::from_hash(&hash, &page) {
                        Ok(values) => {
                            form = values;
                            "Settings from the shared link are filled in: press Train to run \
                             them."
                                .to_string()
                        }
                        Err(error) => format!(
                            "The link's settings were ignored ({error}); the defaults are shown."
                        ),
                    };
                    out.push(Command::Say(Line::ShareNotice, notice));
                }
                self.show(&page, form.opened(), &mut out);
            }
            FormMsg::Edited { field, page } => {
                let form = page.clone().edited(field);
                self.show(&page, form, &mut out);
            }
        }
        out
    }

    /// Its values, once the page opened.
    pub(super) fn values(&self) -> Option<&FormValues> {
        self.values.as_ref()
    }

    /// What keeps it from making a run.
    pub(super) fn error(&self) -> Option<&SettingsError> {
        self.error.as_ref()
    }

    /// The augmentation and seed it holds, where both are values a run would take: what the
    /// strip of samples shows.
    pub(super) fn augmentation(&self) -> Option<(Augment, u64)> {
        let form = self.values.as_ref()?;
        let augment = augment_named(&form[Field::Augment]).ok()?;
        let seed = form.get(Field::Seed).parse::<u64>().ok()?;
        Some((augment, seed))
    }

    /// The form is now `form`: fill in what the page does not show yet, and say what follows:
    /// the model's summary when the model changed, its validation set.
    fn show(&mut self, page: &FormValues, form: FormValues, out: &mut Vec<Command>) {
        let filled: Vec<(Field, String)> = form
            .changed_from(page)
            .into_iter()
            .map(|field| (field, form[field].clone()))
            .collect();
        if !filled.is_empty() {
            out.push(Command::FillForm(filled));
        }
        let before = self.values.as_ref();
        let model_changed = before.is_none_or(|before| {
            before[Field::Model] != form[Field::Model]
                || before[Field::Layers] != form[Field::Layers]
        });
        if model_changed {
            let preview = model::preview(&form[Field::Model], &form[Field::Layers]);
            out.push(Command::ShowModel(preview));
        }
        let request = form.to_request(String::new());
        let size = match &request {
            Ok(r) => format!("Validates on {}.", format::validation_size(r.data)),
            Err(_) => String::new(),
        };
        out.push(Command::Say(Line::ValidationSize, size));
        self.error = request.err();
        self.values = Some(form);
    }
}

impl Session {
    /// Hands the form part `msg`; what follows from its values elsewhere comes after: the
    /// strip of samples follows its augmentation, and the estimate is said again.
    pub(super) fn update_form(&mut self, msg: FormMsg, out: &mut Vec<Command>) {
        out.extend(self.form.update(msg));
        if let Some((augment, seed)) = self.form.augmentation() {
            self.update_data(DataMsg::Preview { augment, seed }, out);
        }
        self.say_estimate(out);
    }
}
