//! The images of one confusion-matrix cell, drawn from their pixels with every class's
//! predicted probability, a page at a time (the session asks the worker for them).

use wasm_bindgen::JsCast;
use web_sys::HtmlCanvasElement;

use super::App;
use crate::eval::top_classes;
use crate::model::group_thousands;
use crate::web::format;
use crate::web::js::canvas;
use crate::web::js::dom::{self, element};
use crate::web::protocol::{GALLERY_PAGE, GalleryImage};
use crate::web::session::GalleryShown;

/// "cat → horse", or "cat, recognised" on the diagonal.
fn short(truth: &str, predicted: &str) -> String {
    if truth == predicted {
        format!("{truth}, recognised")
    } else {
        format!("{truth} → {predicted}")
    }
}

impl App {
    /// Scrolls the gallery up into the window, as little as it takes, once a cell's images
    /// are shown: they are below the matrix.
    fn reveal_gallery(&self) {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        self.el
            .gallery_panel
            .scroll_into_view_with_scroll_into_view_options(&options);
    }

    /// The augmentation strip: the same training image once per epoch.
    pub(super) fn show_augment_samples(&self, images: &[Vec<u8>]) {
        dom::clear(&self.el.augment_strip);
        for (epoch, pixels) in images.iter().enumerate() {
            let canvas: HtmlCanvasElement = element("canvas", "").unchecked_into();
            let _ = canvas.set_attribute("role", "img");
            let label = format!("the image as epoch {} sees it", epoch + 1);
            let _ = canvas.set_attribute("aria-label", &label);
            if let Err(error) = canvas::paint_image(&canvas, pixels) {
                self.run_error(&error.to_string());
            }
            let _ = self.el.augment_strip.append_child(&canvas);
        }
    }

    /// The images of the session's gallery cell, drawn with their top three classes.
    pub(super) fn show_gallery(&self, images: &[GalleryImage]) {
        let Some(GalleryShown { cell, total }) = self.session.gallery().cloned() else {
            return;
        };
        let classes = self.session.classes();
        let pages = total.div_ceil(GALLERY_PAGE).max(1);
        let (t, p) = (&classes[cell.truth], &classes[cell.predicted]);
        let what = if cell.truth == cell.predicted {
            format!("{t} recognised as {t}")
        } else {
            format!("true {t} → predicted {p}")
        };
        dom::set_text(
            &self.el.gallery_caption,
            &format!("{}: {what}: {} images.", cell.run, group_thousands(total)),
        );
        let title = format!("{}: {}", format::count(total, "image"), short(t, p));
        dom::set_text(&self.el.gallery_title, &title);
        let _ = self.el.gallery_panel.class_list().add_1("opened");
        dom::set_text(
            &self.el.gallery_page,
            &format!("page {} of {pages}", cell.page + 1),
        );
        self.el.gallery_prev.set_disabled(cell.page == 0);
        self.el.gallery_next.set_disabled(cell.page + 1 >= pages);
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
            let list = element("p", "");
            let _ = list.set_attribute("class", "probabilities");
            let lines: Vec<String> = top_classes(&image.probabilities, 3)
                .iter()
                .map(|(class, p)| format!("{} {:.0}%", classes[*class], p * 100.0))
                .collect();
            dom::set_text(&list, &lines.join(" · "));
            let _ = item.append_child(&list);
            let _ = self.el.gallery.append_child(&item);
        }
        // Now that the panel has its images, and so its height.
        self.reveal_gallery();
    }
}
