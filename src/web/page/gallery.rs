//! The images of one confusion-matrix cell, drawn from their pixels with every class's
//! predicted probability, a page at a time.

use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use super::App;
use crate::web::canvas;
use crate::web::dom::{self, element};
use crate::web::protocol::{GALLERY_PAGE, GalleryImage, Request};

/// The cell on show.
#[derive(Debug, Clone, PartialEq)]
pub struct GalleryView {
    pub run: String,
    pub truth: usize,
    pub predicted: usize,
    pub page: usize,
    pub total: usize,
}

impl App {
    /// Asks the worker for a page of the cell's images.
    pub(super) fn open_gallery(
        &mut self,
        name: String,
        truth: usize,
        predicted: usize,
        page: usize,
    ) {
        let Some(run) = self.runs.iter().find(|r| r.name == name) else {
            return;
        };
        if run.restored {
            let text = format!(
                "The images of {name} are not available after a reload: the model is not in \
                 this session (load its weights below to see them)."
            );
            return dom::set_text(&self.el.gallery_caption, &text);
        }
        let (t, p) = (&self.classes[truth], &self.classes[predicted]);
        dom::set_text(
            &self.el.gallery_caption,
            &format!("Loading the images of {name}: true {t} → predicted {p}…"),
        );
        self.send(
            &Request::Gallery {
                run: name,
                truth,
                predicted,
                page,
            },
            None,
        );
    }

    pub(super) fn show_gallery(&mut self, view: GalleryView, images: &[GalleryImage]) {
        let pages = view.total.div_ceil(GALLERY_PAGE).max(1);
        let (t, p) = (&self.classes[view.truth], &self.classes[view.predicted]);
        let what = if view.truth == view.predicted {
            format!("{t} recognised as {t}")
        } else {
            format!("true {t} → predicted {p}")
        };
        dom::set_text(
            &self.el.gallery_caption,
            &format!(
                "{}: {what}: {} images.",
                view.run,
                crate::model::group_thousands(view.total)
            ),
        );
        dom::set_text(
            &self.el.gallery_page,
            &format!("page {} of {pages}", view.page + 1),
        );
        self.el.gallery_prev.set_disabled(view.page == 0);
        self.el.gallery_next.set_disabled(view.page + 1 >= pages);
        dom::clear(&self.el.gallery);
        for image in images {
            let item = element("li", "");
            let canvas: HtmlCanvasElement = element("canvas", "").unchecked_into();
            let _ = canvas.set_attribute("role", "img");
            let _ = canvas.set_attribute(
                "aria-label",
                &format!("validation image {} (a {t})", image.index),
            );
            if let Err(error) = canvas::paint_image(&canvas, &image.pixels) {
                self.run_error(&error.to_string());
            }
            let _ = item.append_child(&canvas);
            let _ = item.append_child(&element("p", &format!("#{}", image.index)));
            let mut ranked: Vec<(usize, f32)> =
                image.probabilities.iter().copied().enumerate().collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
            let list = element("p", "");
            let _ = list.set_attribute("class", "probabilities");
            let lines: Vec<String> = ranked
                .iter()
                .take(3)
                .map(|(class, p)| format!("{} {:.0}%", self.classes[*class], p * 100.0))
                .collect();
            dom::set_text(&list, &lines.join(" · "));
            let _ = item.append_child(&list);
            let _ = self.el.gallery.append_child(&item);
        }
        self.gallery = Some(view);
    }

    pub(super) fn turn_gallery_page(&mut self, step: isize) {
        let Some(view) = self.gallery.clone() else {
            return;
        };
        let page = view.page.saturating_add_signed(step);
        self.open_gallery(view.run, view.truth, view.predicted, page);
    }
}
