//! The training form in the session: as the page opens (with a shared link's settings, if
//! any) and after each edit, the form's rules fill in other fields (`form::rules`), and what
//! follows from its values is said: the model's summary, its validation set, what is wrong
//! with it (Train waits), the time estimate and the augmentation strip.

use super::data::DataMsg;
use super::{Command, Line, Session};
use crate::web::form::{Field, FormValues, SettingsError, augment_named, model};
use crate::web::format;

/// The form as the page last showed it.
#[derive(Debug, Clone, Default)]
pub(super) struct FormPart {
    /// Its values, for the time estimate; none until the page opened.
    pub(super) values: Option<FormValues>,
    /// What is wrong with it, if anything: Train waits for a form that makes a run.
    pub(super) error: Option<SettingsError>,
}

impl Session {
    /// The page opened with these values and this address hash (a shared link's settings,
    /// or empty). A link fills the form in; it never starts training.
    pub(super) fn form_opened(&mut self, page: FormValues, hash: &str, out: &mut Vec<Command>) {
        let mut form = page.clone();
        if !hash.trim_start_matches('#').is_empty() {
            let notice = match FormValues::from_hash(hash, &page) {
                Ok(values) => {
                    form = values;
                    "Settings from the shared link are filled in: press Train to run them."
                        .to_string()
                }
                Err(error) => {
                    format!("The link's settings were ignored ({error}); the defaults are shown.")
                }
            };
            out.push(Command::Say(Line::ShareNotice, notice));
        }
        self.show_form(&page, form.opened(), out);
    }

    /// The user changed `field`; `page` is the form as it now shows.
    pub(super) fn form_edited(&mut self, field: Field, page: FormValues, out: &mut Vec<Command>) {
        let form = page.clone().edited(field);
        self.show_form(&page, form, out);
    }

    /// The form is now `form`: fill in what the page does not show yet, and say what follows.
    fn show_form(&mut self, page: &FormValues, form: FormValues, out: &mut Vec<Command>) {
        let filled: Vec<(Field, String)> = form
            .changed_from(page)
            .into_iter()
            .map(|field| (field, form[field].clone()))
            .collect();
        if !filled.is_empty() {
            out.push(Command::FillForm(filled));
        }
        let before = self.form.values.as_ref();
        let model_changed = before.is_none_or(|before| {
            before[Field::Model] != form[Field::Model]
                || before[Field::Layers] != form[Field::Layers]
        });
        if model_changed {
            let preview = model::preview(&form[Field::Model], &form[Field::Layers]);
            out.push(Command::ShowModel(preview));
        }
        self.follow_augmentation(&form, out);
        self.form_changed(form, out);
    }

    /// The strip of samples shows the form's augmentation and seed: asked of the worker when
    /// they change to values a run would take, once the data is there (else when it arrives:
    /// see `Event::DataReady`).
    fn follow_augmentation(&mut self, form: &FormValues, out: &mut Vec<Command>) {
        let augment = augment_named(&form[Field::Augment]);
        let seed = form.get(Field::Seed).parse::<u64>();
        let (Ok(augment), Ok(seed)) = (augment, seed) else {
            return;
        };
        self.update_data(DataMsg::Preview { augment, seed }, out);
    }

    /// Its validation size, what is wrong with it (Train waits), and the estimate.
    fn form_changed(&mut self, values: FormValues, out: &mut Vec<Command>) {
        let request = values.to_request(String::new());
        let size = match &request {
            Ok(r) => format!("Validates on {}.", format::validation_size(r.data)),
            Err(_) => String::new(),
        };
        out.push(Command::Say(Line::ValidationSize, size));
        self.form.error = request.err();
        self.form.values = Some(values);
        self.say_estimate(out);
    }
}
