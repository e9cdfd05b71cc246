//! The evaluation report: one self-contained HTML file (inline SVG, no external assets) with
//! the overlaid curves of several runs and each run's confusion matrices, per-class table, top
//! confusions, diagnosis, history and settings.

mod html;
mod run;

pub use html::report_html;
pub use run::{
    RUN_FILE_LIMIT, RunFiles, RunLoadError, RunSummary, distinct_names, file_stem, numbered,
};
