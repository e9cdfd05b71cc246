//! The training form on the page: its fields read into [`FormValues`] and filled in through
//! the table of fields (`web::form`), the model's summary shown, and share links made.
//! What an edit changes (a preset's settings, an optimizer's rate, a link's settings) is the
//! session's to decide.

use super::App;
use crate::web::form::{Field, FormValues, ModelPreview};
use crate::web::format;
use crate::web::js::dom;
use crate::web::session::Input;

impl App {
    pub(super) fn form_values(&self) -> FormValues {
        let mut values = FormValues::default();
        for field in Field::ALL {
            values.set(field, self.el.field(field).value());
        }
        values
    }

    /// The form as the page opens, with the address's hash (a shared link's settings).
    pub(super) fn form_opened(&self) -> Input {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        Input::FormOpened {
            form: self.form_values(),
            hash,
        }
    }

    /// The user changed `field`.
    pub(super) fn form_edited(&self, field: Field) -> Input {
        Input::FormEdited {
            field,
            form: self.form_values(),
        }
    }

    pub(super) fn fill_form(&self, values: &[(Field, String)]) {
        for (field, value) in values {
            self.el.field(*field).set_value(value);
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

    pub(super) fn show_model(&self, preview: &ModelPreview) {
        dom::set_words(&self.el.layers_status, &preview.status);
        let _ = self
            .el
            .layers_status
            .class_list()
            .toggle_with_force("invalid", !preview.valid);
        dom::set_text(&self.el.summary, &preview.summary);
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
