//! The session's commands, carried out on the DOM, the worker and IndexedDB.

use web_sys::Element;

use super::runs::download;
use super::{App, Shared, dispatch, worker};
use crate::web::js::dom;
use crate::web::protocol::Request;
use crate::web::session::{Command, Input, Line, Panel};

pub(super) fn apply(app: &Shared, command: Command, file: Option<&web_sys::File>) {
    match command {
        Command::Post(request) => {
            // Only the requests about a file carry it.
            let file = match request {
                Request::LoadArchive { .. } | Request::LoadWeights { .. } => file,
                _ => None,
            };
            app.borrow().post(&request, file);
        }
        Command::Say(line, text) => app.borrow().say(line, &text),
        Command::Hide(line) => app.borrow().hide(line),
        Command::LoadTypedData => {
            let base = app.borrow().resolved_data_url();
            dispatch(app, Input::LoadUrl { base });
        }
        Command::DataProgress(done) => app.borrow().el.data_progress.set_value(done),
        Command::EpochProgress(done) => app.borrow().el.epoch_progress.set_value(done),
        Command::Redraw(panel) => redraw(app, panel),
        Command::Persist(run) => App::persist(app, &run),
        Command::StoreWeights { run, bytes } => App::store_weights(app, run, bytes),
        Command::Unstore { run, key } => App::unstore(app, run, key),
        Command::Download {
            file,
            bytes,
            mime,
            done,
        } => {
            let a = app.borrow();
            match download(&file, &bytes, mime) {
                Ok(()) => {
                    if let Some(done) = done {
                        a.say(Line::RunsStatus, &done);
                    }
                }
                Err(error) => a.say(Line::RunsError, &format!("The download failed: {error}")),
            }
        }
        Command::DownloadReport { runs, file } => app.borrow().download_report(&runs, &file),
        Command::DownloadStored { run, file, format } => {
            App::download_stored(app, run, file, format)
        }
        Command::ShowGallery(images) => app.borrow().show_gallery(&images),
        Command::ShowAugmentSamples(images) => app.borrow().show_augment_samples(&images),
        Command::RestartWorker => worker::restart(app),
        Command::StartGpuModule => worker::start_gpu_module(app),
        Command::RevealResults => app.borrow().reveal_results(),
        Command::ShowPicture(pixels) => app.borrow().show_picture(&pixels),
        Command::ShowPrediction(top) => app.borrow().show_prediction(&top),
        Command::FillForm(values) => app.borrow().fill_form(&values),
        Command::ShowModel(preview) => app.borrow().show_model(&preview),
    }
}

fn redraw(app: &Shared, panel: Panel) {
    let mut a = app.borrow_mut();
    match panel {
        Panel::RunsTable => a.render_runs(),
        Panel::History => a.show_history(),
        Panel::Pickers => a.show_run_in_selector(),
        Panel::Matrix => a.draw_matrix(),
        Panel::Difference => a.draw_difference(),
        Panel::Curves => a.request_frame(app),
        Panel::StorageUse => a.show_storage_use(),
    }
}

impl App {
    /// Scrolls the run bar to the top of the window, so that the progress line, Stop, the
    /// curves and the matrix under it are what the user sees once Train is pressed.
    fn reveal_results(&self) {
        // The results column, whose top is where the (sticky) run bar sits unscrolled.
        let Some(results) = self.el.run_bar.parent_element() else {
            return;
        };
        let top = results.get_bounding_client_rect().top();
        let below = web_sys::window()
            .and_then(|w| w.inner_height().ok())
            .and_then(|h| h.as_f64())
            .is_some_and(|h| top > h * 0.25);
        // Already near the top (a wide screen shows it beside the form): leave the page.
        if top < 0.0 || below {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Start);
            results.scroll_into_view_with_scroll_into_view_options(&options);
        }
    }

    fn line(&self, line: Line) -> &Element {
        let el = &self.el;
        match line {
            Line::Adapter => &el.adapter,
            Line::SelfCheck => &el.selfcheck,
            Line::GpuWork => &el.gpu_work,
            Line::DataStatus => &el.data_status,
            Line::DataProgress => &el.data_progress_text,
            Line::DataError => &el.data_error,
            Line::RunStatus => &el.run_status,
            Line::RunError => &el.run_error,
            Line::Progress => &el.progress_line,
            Line::FirstStep => &el.tp_first,
            Line::Rate => &el.tp_rate,
            Line::BatchTime => &el.tp_batch,
            Line::Memory => &el.tp_memory,
            Line::Backend => &el.tp_backend,
            Line::Device => &el.tp_adapter,
            Line::RunsStatus => &el.runs_status,
            Line::RunsError => &el.runs_error,
            Line::GalleryCaption => &el.gallery_caption,
            Line::AugmentCaption => &el.augment_caption,
            Line::Estimate => &el.estimate,
            Line::ValidationSize => &el.validation_size,
            Line::ShareNotice => &el.share_notice,
            Line::PictureCaption => &el.picture_caption,
        }
    }

    /// The error lines, which are hidden while they have nothing to say.
    fn error_line(&self, line: Line) -> Option<&web_sys::HtmlElement> {
        match line {
            Line::DataError => Some(&self.el.data_error),
            Line::RunError => Some(&self.el.run_error),
            Line::RunsError => Some(&self.el.runs_error),
            _ => None,
        }
    }

    pub(super) fn say(&self, line: Line, text: &str) {
        dom::set_words(self.line(line), text);
        if let Some(error) = self.error_line(line) {
            error.set_hidden(false);
        }
    }

    fn hide(&self, line: Line) {
        if let Some(error) = self.error_line(line) {
            error.set_hidden(true);
        }
    }
}
