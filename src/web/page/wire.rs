//! The page's controls, connected: each DOM event becomes a session [`Input`], or, for what
//! only changes a drawing (the matrix's mode, hover and keyboard cell), a redraw.

use wasm_bindgen::JsCast;
use web_sys::{Event as DomEvent, HtmlInputElement, KeyboardEvent, MouseEvent};

use super::{Shared, dispatch, dispatch_with_file};
use crate::eval::Normalization;
use crate::web::form::FIELDS;
use crate::web::js::dom::{self, on};
use crate::web::session::{Download, Input};

/// The file an `<input type=file>` holds.
fn picked(e: &DomEvent) -> (Option<HtmlInputElement>, Option<web_sys::File>) {
    let input: Option<HtmlInputElement> = e.target().and_then(|t| t.dyn_into().ok());
    let file = input
        .as_ref()
        .and_then(|i| i.files())
        .and_then(|f| f.get(0));
    (input, file)
}

/// A handler that feeds the session what `make` reads from the page.
fn input_for(
    app: &Shared,
    make: impl Fn(&super::App) -> Input + 'static,
) -> impl FnMut(DomEvent) + 'static {
    let app = app.clone();
    move |_: DomEvent| {
        let input = make(&app.borrow());
        dispatch(&app, input);
    }
}

fn load_archive(app: &Shared, file: web_sys::File) {
    let name = file.name();
    dispatch_with_file(app, Input::LoadArchive { name }, Some(file));
}

pub(super) fn wire(app: &Shared) {
    let a = app.borrow();
    let el = &a.el;
    let input = |make: fn(&Shared) -> Input| {
        let app = app.clone();
        move |_: DomEvent| {
            let input = make(&app);
            dispatch(&app, input);
        }
    };
    let redraw = |f: fn(&Shared)| {
        let app = app.clone();
        move |_: DomEvent| f(&app)
    };
    // Each field tells the session it changed; the session fills in what follows. Typed
    // fields speak as they are typed: on `change` (at blur) the estimate's line would move
    // the buttons under a click that is on its way.
    for spec in FIELDS {
        let event = if spec.typed { "input" } else { "change" };
        let field = spec.field;
        on(
            el.field(field).element(),
            event,
            input_for(app, move |a| a.form_edited(field)),
        );
    }
    // A link made before an edit no longer says what the form says.
    on(
        &el.form,
        "input",
        redraw(|app| app.borrow().share_outdated()),
    );
    on(
        &el.form,
        "change",
        redraw(|app| app.borrow().share_outdated()),
    );
    on(
        &el.load_url,
        "click",
        input(|app| Input::LoadUrl {
            base: app.borrow().resolved_data_url(),
        }),
    );
    on(&el.archive, "change", {
        let app = app.clone();
        move |e: DomEvent| {
            if let (_, Some(file)) = picked(&e) {
                load_archive(&app, file);
            }
        }
    });
    dom::drop_zone(&el.drop_zone, {
        let app = app.clone();
        move |file| load_archive(&app, file)
    });
    on(&el.clear_cache, "click", input(|_| Input::ClearCache));
    on(&el.form, "submit", {
        let app = app.clone();
        move |e: DomEvent| {
            e.prevent_default();
            let form = app.borrow().form_values();
            let now = js_sys::Date::now();
            dispatch(&app, Input::Train { form, now });
        }
    });
    on(&el.stop, "click", input(|_| Input::Stop));
    on(
        &el.measure,
        "click",
        input(|app| Input::MeasureSpeed(app.borrow().form_values())),
    );
    on(&el.share, "click", redraw(|app| app.borrow().share()));
    on(
        &el.gallery_prev,
        "click",
        input(|_| Input::TurnGalleryPage(-1)),
    );
    on(
        &el.gallery_next,
        "click",
        input(|_| Input::TurnGalleryPage(1)),
    );
    on(
        &el.keep_weights,
        "change",
        input(|app| Input::KeepWeights(app.borrow().el.keep_weights.checked())),
    );
    on(&el.runs_body, "click", {
        let app = app.clone();
        move |e: MouseEvent| {
            if let Some(input) = run_button(&app, &e) {
                dispatch(&app, input);
            }
        }
    });
    on(&el.runs_body, "change", {
        let app = app.clone();
        move |e: DomEvent| {
            if let Some(input) = run_ticked(&app, &e) {
                dispatch(&app, input);
            }
        }
    });
    on(&el.report_ticked, "click", input(|_| Input::ReportTicked));
    on(&el.weights_file, "change", {
        let app = app.clone();
        move |e: DomEvent| {
            let (input, file) = picked(&e);
            if let Some(file) = file {
                let file_name = file.name();
                let form = app.borrow().form_values();
                let now = js_sys::Date::now();
                let input = Input::LoadWeights {
                    file_name,
                    form,
                    now,
                };
                dispatch_with_file(&app, input, Some(file));
            }
            if let Some(input) = input {
                // The same file can be picked again.
                input.set_value("");
            }
        }
    });
    wire_matrix(app, &a.el);
}

/// The runs table's control that `e` came from (`selector`: its kind), its action and its
/// run's name (rows are in the session's order).
fn run_control(
    app: &Shared,
    e: &DomEvent,
    selector: &str,
) -> Option<(web_sys::Element, String, String)> {
    let control = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|t| t.closest(selector).ok().flatten())?;
    let action = control.get_attribute("data-action")?;
    let index: usize = control.get_attribute("data-run")?.parse().ok()?;
    let run = app.borrow().session.runs().get(index)?.name().to_string();
    Some((control, action, run))
}

/// A click in the runs table: which button, for which run.
fn run_button(app: &Shared, e: &MouseEvent) -> Option<Input> {
    let (_, action, run) = run_control(app, e, "button[data-action]")?;
    match action.as_str() {
        "remove" => Some(Input::Remove { run }),
        other => Download::parse(other).map(|what| Input::Download { run, what }),
    }
}

/// A run's report box ticked or not.
fn run_ticked(app: &Shared, e: &DomEvent) -> Option<Input> {
    let (control, _, run) = run_control(app, e, "input[data-action='tick']")?;
    let checkbox: HtmlInputElement = control.dyn_into().ok()?;
    Some(Input::TickForReport {
        run,
        ticked: checkbox.checked(),
    })
}

/// The confusion matrix: its run and mode, hover, click and keyboard.
fn wire_matrix(app: &Shared, el: &super::Elements) {
    let open_cell = |app: &Shared, cell: Option<(usize, usize)>| {
        let run = app.borrow().shown_run().map(|r| r.name().to_string());
        if let (Some((truth, predicted)), Some(run)) = (cell, run) {
            let input = Input::OpenGallery {
                run,
                truth,
                predicted,
            };
            dispatch(app, input);
        }
    };
    on(&el.matrix_canvas, "click", {
        let app = app.clone();
        move |e: MouseEvent| {
            let cell = app.borrow().cell_under(e.offset_x(), e.offset_y());
            if cell.is_some() {
                // The clicked cell stays outlined while its images are shown.
                let mut a = app.borrow_mut();
                a.selected = cell;
                a.draw_matrix();
            }
            open_cell(&app, cell);
        }
    });
    for select in [&el.diff_a, &el.diff_b] {
        on(select, "change", {
            let app = app.clone();
            move |_: DomEvent| app.borrow().draw_difference()
        });
    }
    on(&el.matrix_run, "change", {
        let app = app.clone();
        move |_: DomEvent| {
            let run = {
                let mut a = app.borrow_mut();
                a.selected = None;
                a.draw_matrix();
                a.shown_run().map(|r| r.name().to_string())
            };
            // The chosen run names the user's picture too.
            dispatch(&app, Input::MatrixRunChosen(run));
        }
    });
    for radio in dom::document()
        .query_selector_all("input[name=matrix-mode]")
        .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect::<Vec<_>>())
        .unwrap_or_default()
    {
        on(&radio, "change", {
            let app = app.clone();
            move |e: DomEvent| {
                let value = e
                    .target()
                    .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                    .map(|i| i.value())
                    .unwrap_or_default();
                let mut a = app.borrow_mut();
                a.matrix_mode = match value.as_str() {
                    "recall" => Normalization::Recall,
                    "precision" => Normalization::Precision,
                    _ => Normalization::Counts,
                };
                a.draw_matrix();
            }
        });
    }
    on(&el.matrix_canvas, "mousemove", {
        let app = app.clone();
        move |e: MouseEvent| app.borrow().hover(e.offset_x(), e.offset_y())
    });
    on(&el.matrix_canvas, "mouseleave", {
        let app = app.clone();
        move |_: MouseEvent| app.borrow().el.matrix_tooltip.set_hidden(true)
    });
    on(&el.matrix_canvas, "keydown", {
        let app = app.clone();
        move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                let cell = app.borrow().selected;
                return open_cell(&app, cell);
            }
            let step = match e.key().as_str() {
                "ArrowUp" => (-1, 0),
                "ArrowDown" => (1, 0),
                "ArrowLeft" => (0, -1),
                "ArrowRight" => (0, 1),
                _ => return,
            };
            e.prevent_default();
            app.borrow_mut().move_selection(step);
        }
    });
}
