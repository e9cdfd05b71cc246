//! The training form: read into [`FormValues`] (checked by `web::settings`), filled from a
//! shared link, turned into one, and the model summary beside it.

use super::App;
use crate::web::dom;
use crate::web::format;
use crate::web::model_form::{self, CUSTOM};
use crate::web::session::Input;
use crate::web::settings::FormValues;

impl App {
    pub(super) fn form_values(&self) -> FormValues {
        let el = &self.el;
        FormValues {
            backend: el.backend.value(),
            model: el.model.value(),
            layers: el.layers.value(),
            epochs: el.epochs.value(),
            batch_size: el.batch_size.value(),
            optimizer: el.optimizer.value(),
            lr: el.lr.value(),
            seed: el.seed.value(),
            subset: el.subset.value(),
            validation: el.validation.value(),
            augment: el.augment.value(),
        }
    }

    /// The form's augmentation and seed, for the strip of samples.
    pub(super) fn augment_input(&self) -> Input {
        Input::AugmentChanged {
            augment: self.el.augment.value(),
            seed: self.el.seed.value(),
        }
    }

    /// The data URL made absolute against the page, so messages name the real address.
    pub(super) fn resolved_data_url(&self) -> String {
        let typed = format::data_base(Some(&self.el.data_url.value()));
        let base = dom::document()
            .base_uri()
            .ok()
            .flatten()
            .unwrap_or_default();
        web_sys::Url::new_with_base(&typed, &base)
            .map(|u| u.href())
            .unwrap_or(typed)
    }

    /// The data URL's origin, when it is not the page's own.
    pub(super) fn foreign_data_origin(&self) -> Option<String> {
        let data = web_sys::Url::new(&self.resolved_data_url()).ok()?.origin();
        let page = web_sys::window()?.location().origin().ok()?;
        (data != page).then_some(data)
    }

    /// A model chosen: a preset shows its layers and fills in its settings (the tutorial's,
    /// or fast94's recipe).
    pub(super) fn model_changed(&mut self) {
        let model = self.el.model.value();
        if let Some(layers) = model_form::preset_layers(&model) {
            self.el.layers.set_value(&layers);
        }
        self.preview_model();
        if let Some(s) = model_form::preset_settings(&model) {
            let el = &self.el;
            el.epochs.set_value(&s.epochs);
            el.batch_size.set_value(&s.batch_size);
            el.optimizer.set_value(&s.optimizer);
            el.lr.set_value(&s.lr);
            el.augment.set_value(&s.augment);
        }
    }

    pub(super) fn form_input(&self) -> Input {
        Input::FormChanged(self.form_values())
    }

    /// The form was edited: a link shown for it (or the notice of one it was filled from)
    /// would now say other settings.
    pub(super) fn share_outdated(&self) {
        if !self.el.share_url.hidden()
            || !self
                .el
                .share_notice
                .text_content()
                .unwrap_or_default()
                .is_empty()
        {
            self.el.share_url.set_hidden(true);
            dom::set_text(&self.el.share_notice, "");
        }
    }

    /// The layers edited: the model becomes the user's own, previewed as they type.
    pub(super) fn layers_edited(&mut self) {
        let shown = model_form::preset_layers(&self.el.model.value());
        if shown.is_some_and(|preset| preset != self.el.layers.value()) {
            self.el.model.set_value(CUSTOM);
        }
        self.preview_model();
    }

    fn preview_model(&self) {
        let preview = model_form::preview(&self.el.model.value(), &self.el.layers.value());
        dom::set_words(&self.el.layers_status, &preview.status);
        let _ = self
            .el
            .layers_status
            .class_list()
            .toggle_with_force("invalid", !preview.valid);
        dom::set_text(&self.el.summary, &preview.summary);
    }

    /// Fills the form from a shared link's hash, if the page was opened with one. It never
    /// starts training: the user presses Train.
    pub(super) fn apply_shared_link(&mut self) {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        if hash.trim_start_matches('#').is_empty() {
            return;
        }
        let notice = match FormValues::from_hash(&hash, &self.form_values()) {
            Ok(values) => {
                self.apply_form(&values);
                "Settings from the shared link are filled in: press Train to run them.".to_string()
            }
            Err(error) => {
                format!("The link's settings were ignored ({error}); the defaults are shown.")
            }
        };
        dom::set_text(&self.el.share_notice, &notice);
    }

    fn apply_form(&mut self, v: &FormValues) {
        self.el.model.set_value(&v.model);
        if v.model.trim() == CUSTOM {
            self.el.layers.set_value(&v.layers);
        }
        self.model_changed();
        let el = &self.el;
        el.backend.set_value(&v.backend);
        el.epochs.set_value(&v.epochs);
        el.batch_size.set_value(&v.batch_size);
        el.optimizer.set_value(&v.optimizer);
        el.lr.set_value(&v.lr);
        el.seed.set_value(&v.seed);
        el.subset.set_value(&v.subset);
        el.validation.set_value(&v.validation);
        el.augment.set_value(&v.augment);
    }

    /// Puts the settings in the address (replacing the history entry) and shows the link.
    pub(super) fn share(&self) {
        let values = self.form_values();
        if let Err(error) = values.to_request(String::new()) {
            return dom::set_text(&self.el.share_notice, &format!("Not shared: {error}"));
        }
        let hash = values.to_hash();
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash));
        }
        let url = window.location().href().unwrap_or(hash);
        self.el.share_url.set_value(&url);
        self.el.share_url.set_hidden(false);
        self.el.share_url.select();
        dom::set_text(
            &self.el.share_notice,
            "Copy this link: it opens the page with these settings filled in.",
        );
    }
}
