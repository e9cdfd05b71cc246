//! "Your own picture": a picture dropped or picked is decoded by the browser, shown, and turned
//! into a CIFAR-10 image (`data::cifar_pixels`, tested natively) that the session sends to the
//! matrix's run; its top classes come back as a list.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{CanvasRenderingContext2d, Event as DomEvent, HtmlInputElement};

use super::{App, Shared, dispatch};
use crate::data::cifar_pixels;
use crate::web::js::canvas;
use crate::web::js::dom::{self, element, on};
use crate::web::js::error::js_message;
use crate::web::session::{Input, Prediction};

/// The longest side the original is drawn at: plenty for a 32×32 average, and a 50-megapixel
/// photo stays a few MB of canvas.
const LARGEST_SIDE: f64 = 1024.0;

pub(super) fn wire_picture(app: &Shared) {
    let a = app.borrow();
    let el = &a.el;
    on(&el.picture_file, "change", {
        let app = app.clone();
        move |e: DomEvent| {
            let input: Option<HtmlInputElement> = e.target().and_then(|t| t.dyn_into().ok());
            if let Some(file) = input
                .as_ref()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            {
                read(&app, file);
            }
            if let Some(input) = input {
                // The same picture can be picked again.
                input.set_value("");
            }
        }
    });
    dom::drop_zone(&el.picture_drop, {
        let app = app.clone();
        move |file| read(&app, file)
    });
}

/// Decodes `file` (any format the browser reads), draws it, and hands its CIFAR-10 version
/// to the session, or says why it could not be read.
fn read(app: &Shared, file: web_sys::File) {
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let name = file.name();
        let input = match draw_original(&app, &file).await {
            Ok((rgba, width, height)) => match cifar_pixels(&rgba, width, height) {
                Ok(pixels) => {
                    let run = app.borrow().shown_run().map(|r| r.name().to_string());
                    Input::Picture { name, run, pixels }
                }
                Err(error) => Input::PictureUnreadable {
                    name,
                    reason: error.to_string(),
                },
            },
            Err(reason) => Input::PictureUnreadable { name, reason },
        };
        dispatch(&app, input);
    });
}

/// Draws the picture on the original's canvas, at most [`LARGEST_SIDE`] on its longer side;
/// returns its RGBA pixels and size.
async fn draw_original(
    app: &Shared,
    file: &web_sys::File,
) -> Result<(Vec<u8>, usize, usize), String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window
        .create_image_bitmap_with_blob(file)
        .map_err(|e| js_message(&e))?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(|e| js_message(&e))?
        .unchecked_into();
    let (w, h) = (f64::from(bitmap.width()), f64::from(bitmap.height()));
    let scale = (LARGEST_SIDE / w.max(h)).min(1.0);
    let (width, height) = (
        ((w * scale).round() as u32).max(1),
        ((h * scale).round() as u32).max(1),
    );
    let canvas = app.borrow().el.picture_original.clone();
    canvas.set_width(width);
    canvas.set_height(height);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or("the canvas has no 2D context")?
        .unchecked_into();
    context.set_image_smoothing_enabled(true);
    context
        .draw_image_with_image_bitmap_and_dw_and_dh(
            &bitmap,
            0.0,
            0.0,
            f64::from(width),
            f64::from(height),
        )
        .map_err(|e| js_message(&e))?;
    bitmap.close();
    let data = context
        .get_image_data(0.0, 0.0, f64::from(width), f64::from(height))
        .map_err(|e| js_message(&e))?;
    let _ = canvas.class_list().remove_1("empty");
    Ok((data.data().0, width as usize, height as usize))
}

impl App {
    /// The picture as the model sees it: 32×32, drawn large by CSS, pixel for pixel.
    pub(super) fn show_picture(&self, pixels: &[u8]) {
        if let Err(error) = canvas::paint_image(&self.el.picture_small, pixels) {
            self.run_error(&error.to_string());
        }
        let _ = self.el.picture_small.class_list().remove_1("empty");
    }

    /// The model's top classes, most probable first, each with a bar; none clears the list.
    pub(super) fn show_prediction(&self, top: &[Prediction]) {
        let list = &self.el.picture_top;
        dom::clear(list);
        for guess in top {
            let item = element("li", "");
            let _ = item.append_child(&element("span", &guess.class));
            let meter = element("meter", "");
            for (name, value) in [("min", "0"), ("max", "1")] {
                let _ = meter.set_attribute(name, value);
            }
            let _ = meter.set_attribute("value", &guess.probability.to_string());
            let _ = item.append_child(&meter);
            let percent = element("span", &format!("{:.1} %", guess.probability * 100.0));
            let _ = percent.set_attribute("class", "percent");
            let _ = item.append_child(&percent);
            let _ = list.append_child(&item);
        }
    }
}
