//! A report written in the page: the same HTML as `cifar-lab report` (`report::report_html`)
//! of one run or of the ticked runs, its charts' text measured by a canvas, offered as a
//! download that opens offline in any browser.

use super::App;
use super::runs::download;
use crate::report::{RunSummary, report_html};
use crate::web::js::canvas;
use crate::web::session::Line;

impl App {
    pub(super) fn download_report(&self, runs: &[String], file: &str) {
        let summaries: Vec<RunSummary> = runs
            .iter()
            .filter_map(|name| self.session.run(name))
            .map(|view| view.saved.summary())
            .collect();
        let written = canvas::text_measure()
            .map_err(|e| e.to_string())
            .and_then(|text| report_html(&summaries, &text).map_err(|e| e.to_string()))
            .and_then(|html| download(file, html.as_bytes(), "text/html"));
        match written {
            Ok(()) => self.say(Line::RunsStatus, &format!("Wrote the report {file}.")),
            Err(error) => self.say(Line::RunsError, &format!("The report failed: {error}")),
        }
    }
}
