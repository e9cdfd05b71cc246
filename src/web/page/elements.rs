//! Handles on the page's elements (index.html), looked up once.

use wasm_bindgen::JsCast;
use web_sys::{
    Element, HtmlButtonElement, HtmlCanvasElement, HtmlElement, HtmlInputElement,
    HtmlProgressElement, HtmlSelectElement, HtmlTextAreaElement,
};

use crate::web::WebError;
use crate::web::form::{FIELDS, Field};
use crate::web::js::dom::{by_id, document};

pub struct Elements {
    pub adapter: Element,
    pub selfcheck: Element,
    pub gpu_work: Element,
    pub data_url: HtmlInputElement,
    pub load_url: HtmlButtonElement,
    pub archive: HtmlInputElement,
    pub drop_zone: HtmlElement,
    pub data_progress: HtmlProgressElement,
    pub data_progress_text: Element,
    pub data_status: Element,
    pub data_error: HtmlElement,
    /// The Data status line's `<details>`: open while the data set needs the user.
    pub data_panel: HtmlElement,
    /// The Compute status line's `<details>`; says which module the worker runs.
    pub compute_panel: Element,
    pub clear_cache: HtmlButtonElement,
    pub form: HtmlElement,
    /// The training form's fields, in [`Field`]'s order (`form::FIELDS`).
    fields: Vec<FormControl>,
    pub layers_status: Element,
    pub validation_size: Element,
    pub augment_strip: Element,
    pub augment_caption: Element,
    pub estimate: Element,
    pub train: HtmlButtonElement,
    pub stop: HtmlButtonElement,
    pub measure: HtmlButtonElement,
    /// Why Train is disabled, beside it.
    pub train_reason: Element,
    /// The run bar: progress line, bar and Stop, in view while a run trains.
    pub run_bar: HtmlElement,
    pub summary: Element,
    pub share: HtmlButtonElement,
    pub share_url: HtmlInputElement,
    pub share_notice: Element,
    pub diff_a: HtmlSelectElement,
    pub diff_b: HtmlSelectElement,
    pub diff_canvas: HtmlCanvasElement,
    pub run_status: Element,
    pub run_error: HtmlElement,
    pub progress_line: Element,
    pub epoch_progress: HtmlProgressElement,
    pub history_run: Element,
    pub history_body: Element,
    pub tp_rate: Element,
    pub tp_batch: Element,
    pub tp_first: Element,
    pub tp_memory: Element,
    pub tp_backend: Element,
    pub tp_adapter: Element,
    pub acc_canvas: HtmlCanvasElement,
    pub loss_canvas: HtmlCanvasElement,
    pub matrix_run: HtmlSelectElement,
    pub matrix_canvas: HtmlCanvasElement,
    pub matrix_tooltip: HtmlElement,
    pub matrix_cell: Element,
    pub diagnosis: Element,
    pub report_body: Element,
    pub top_confusions: Element,
    pub confidence_canvas: HtmlCanvasElement,
    pub confidence_means: Element,
    pub gallery_panel: HtmlElement,
    pub gallery_title: Element,
    pub picture_file: HtmlInputElement,
    pub picture_drop: HtmlElement,
    /// The picture as the user gave it (at most 1,024 px a side).
    pub picture_original: HtmlCanvasElement,
    /// The picture at 32×32, as the model sees it.
    pub picture_small: HtmlCanvasElement,
    pub picture_caption: Element,
    pub picture_top: Element,
    pub gallery_caption: Element,
    pub gallery_prev: HtmlButtonElement,
    pub gallery_page: Element,
    pub gallery_next: HtmlButtonElement,
    pub gallery: Element,
    pub storage_use: Element,
    pub keep_weights: HtmlInputElement,
    pub runs_body: Element,
    pub report_ticked: HtmlButtonElement,
    pub weights_file: HtmlInputElement,
    pub runs_status: Element,
    pub runs_error: HtmlElement,
}

/// A field of the training form, whichever element index.html makes it.
pub enum FormControl {
    Select(HtmlSelectElement),
    Input(HtmlInputElement),
    Text(HtmlTextAreaElement),
}

impl FormControl {
    fn find(id: &str) -> Result<Self, WebError> {
        let element = document()
            .get_element_by_id(id)
            .ok_or_else(|| WebError::MissingElement(id.to_string()))?;
        let element = match element.dyn_into::<HtmlSelectElement>() {
            Ok(select) => return Ok(Self::Select(select)),
            Err(element) => element,
        };
        let element = match element.dyn_into::<HtmlInputElement>() {
            Ok(input) => return Ok(Self::Input(input)),
            Err(element) => element,
        };
        element
            .dyn_into::<HtmlTextAreaElement>()
            .map(Self::Text)
            .map_err(|_| WebError::MissingElement(id.to_string()))
    }

    pub fn value(&self) -> String {
        match self {
            Self::Select(e) => e.value(),
            Self::Input(e) => e.value(),
            Self::Text(e) => e.value(),
        }
    }

    pub fn set_value(&self, value: &str) {
        match self {
            Self::Select(e) => e.set_value(value),
            Self::Input(e) => e.set_value(value),
            Self::Text(e) => e.set_value(value),
        }
    }

    pub fn element(&self) -> &Element {
        match self {
            Self::Select(e) => e,
            Self::Input(e) => e,
            Self::Text(e) => e,
        }
    }
}

impl Elements {
    pub fn field(&self, field: Field) -> &FormControl {
        &self.fields[field as usize]
    }

    pub fn find() -> Result<Self, WebError> {
        Ok(Self {
            adapter: by_id("adapter")?,
            selfcheck: by_id("selfcheck")?,
            gpu_work: by_id("gpu-work")?,
            data_url: by_id("data-url")?,
            load_url: by_id("load-url")?,
            archive: by_id("archive")?,
            drop_zone: by_id("drop-zone")?,
            data_progress: by_id("data-progress")?,
            data_progress_text: by_id("data-progress-text")?,
            data_status: by_id("data-status")?,
            data_error: by_id("data-error")?,
            data_panel: by_id("data-panel")?,
            compute_panel: by_id("compute-panel")?,
            clear_cache: by_id("clear-cache")?,
            form: by_id("train-form")?,
            fields: FIELDS
                .iter()
                .map(|f| FormControl::find(f.id))
                .collect::<Result<_, _>>()?,
            layers_status: by_id("layers-status")?,
            validation_size: by_id("validation-size")?,
            augment_strip: by_id("augment-strip")?,
            augment_caption: by_id("augment-caption")?,
            estimate: by_id("estimate")?,
            train: by_id("train")?,
            stop: by_id("stop")?,
            measure: by_id("measure")?,
            train_reason: by_id("train-reason")?,
            run_bar: by_id("run-bar")?,
            summary: by_id("summary")?,
            share: by_id("share")?,
            share_url: by_id("share-url")?,
            share_notice: by_id("share-notice")?,
            diff_a: by_id("diff-a")?,
            diff_b: by_id("diff-b")?,
            diff_canvas: by_id("diff-canvas")?,
            run_status: by_id("run-status")?,
            run_error: by_id("run-error")?,
            progress_line: by_id("progress-line")?,
            epoch_progress: by_id("epoch-progress")?,
            history_run: by_id("history-run")?,
            history_body: by_id("history-body")?,
            tp_rate: by_id("tp-rate")?,
            tp_batch: by_id("tp-batch")?,
            tp_first: by_id("tp-first")?,
            tp_memory: by_id("tp-memory")?,
            tp_backend: by_id("tp-backend")?,
            tp_adapter: by_id("tp-adapter")?,
            acc_canvas: by_id("acc-canvas")?,
            loss_canvas: by_id("loss-canvas")?,
            matrix_run: by_id("matrix-run")?,
            matrix_canvas: by_id("matrix-canvas")?,
            matrix_tooltip: by_id("matrix-tooltip")?,
            matrix_cell: by_id("matrix-cell")?,
            diagnosis: by_id("diagnosis")?,
            report_body: by_id("report-body")?,
            top_confusions: by_id("top-confusions")?,
            confidence_canvas: by_id("confidence-canvas")?,
            confidence_means: by_id("confidence-means")?,
            gallery_panel: by_id("gallery-panel")?,
            gallery_title: by_id("gallery-title")?,
            picture_file: by_id("picture-file")?,
            picture_drop: by_id("picture-drop")?,
            picture_original: by_id("picture-original")?,
            picture_small: by_id("picture-small")?,
            picture_caption: by_id("picture-caption")?,
            picture_top: by_id("picture-top")?,
            gallery_caption: by_id("gallery-caption")?,
            gallery_prev: by_id("gallery-prev")?,
            gallery_page: by_id("gallery-page")?,
            gallery_next: by_id("gallery-next")?,
            gallery: by_id("gallery")?,
            storage_use: by_id("storage-use")?,
            keep_weights: by_id("keep-weights")?,
            runs_body: by_id("runs-body")?,
            report_ticked: by_id("report-ticked")?,
            weights_file: by_id("weights-file")?,
            runs_status: by_id("runs-status")?,
            runs_error: by_id("runs-error")?,
        })
    }
}
