//! The charts follow their boxes: a `ResizeObserver` on each chart's canvas and a media query
//! on the pixel ratio draw a chart again when its box changes (a window resized, a phone
//! turned, the layout stacked) or the screen's ratio does (a window moved to another screen,
//! the page zoomed), as charting libraries do. Each chart is drawn for its box
//! (web/js/canvas.rs); a chart whose bitmap already fits is left alone.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{HtmlCanvasElement, ResizeObserver};

use super::{App, Shared};
use crate::web::js::canvas;

/// The drawings that hold the charts, each drawn again as a whole.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chart {
    Curves,
    /// The matrix and the confidence histogram (one drawing: the shown run's).
    Matrix,
    Difference,
}

impl App {
    fn charts(&self) -> [(&HtmlCanvasElement, Chart); 5] {
        let el = &self.el;
        [
            (&el.acc_canvas, Chart::Curves),
            (&el.loss_canvas, Chart::Curves),
            (&el.matrix_canvas, Chart::Matrix),
            (&el.confidence_canvas, Chart::Matrix),
            (&el.diff_canvas, Chart::Difference),
        ]
    }

    /// Draws again each chart whose bitmap no longer fits its box.
    fn refit_charts(&mut self, app: &Shared) {
        let mut stale: Vec<Chart> = Vec::new();
        for (canvas, chart) in self.charts() {
            if !canvas::fits_its_box(canvas) && !stale.contains(&chart) {
                stale.push(chart);
            }
        }
        for chart in stale {
            match chart {
                Chart::Curves => self.request_frame(app),
                Chart::Matrix => self.draw_matrix(),
                Chart::Difference => self.draw_difference(),
            }
        }
    }
}

pub(super) fn follow_boxes(app: &Shared) {
    let on_resize = {
        let app = app.clone();
        Closure::<dyn FnMut(js_sys::Array)>::new(move |_entries: js_sys::Array| {
            app.borrow_mut().refit_charts(&app);
        })
    };
    // Engines without it (none that the page supports otherwise) keep the first size.
    let Ok(observer) = ResizeObserver::new(on_resize.as_ref().unchecked_ref()) else {
        return;
    };
    for (canvas, _) in app.borrow().charts() {
        observer.observe(canvas);
    }
    // The page lives as long as the observer.
    on_resize.forget();
    follow_pixel_ratio(app.clone());
}

/// Listens for the pixel ratio to leave its current value, then draws again and listens for
/// the next (a `resolution` query matches one value).
fn follow_pixel_ratio(app: Shared) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let query = format!("(resolution: {}dppx)", window.device_pixel_ratio());
    let Ok(Some(list)) = window.match_media(&query) else {
        return;
    };
    let changed = Closure::once_into_js(move || {
        app.borrow_mut().refit_charts(&app);
        follow_pixel_ratio(app);
    });
    let options = web_sys::AddEventListenerOptions::new();
    options.set_once(true);
    let _ = list.add_event_listener_with_callback_and_add_event_listener_options(
        "change",
        changed.unchecked_ref(),
        &options,
    );
}
