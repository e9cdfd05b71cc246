//! `cifar-lab report`: one self-contained HTML page of one or more run folders.

use std::path::Path;

use cifar_lab::data::write_regular;
use cifar_lab::eval::Normalization;
use cifar_lab::plot::render::EmbeddedFont;
use cifar_lab::plot::render::png;
use cifar_lab::plot::{CurveRun, draw_confusion, draw_curves};
use cifar_lab::report::{RunSummary, file_stem, report_html};

use super::CliError;
use super::args::ReportArgs;

pub fn run(args: ReportArgs) -> Result<(), CliError> {
    let runs = RunSummary::load_all(&args.runs)?;
    let html = report_html(&runs, &EmbeddedFont)?;
    write_regular(&args.out, html.as_bytes())?;
    println!("Wrote {} ({} runs)", args.out.display(), runs.len());
    if let Some(dir) = &args.png {
        write_pngs(dir, &runs)?;
        println!("Wrote the charts as PNG to {}", dir.display());
    }
    Ok(())
}

fn write_pngs(dir: &Path, runs: &[RunSummary]) -> Result<(), CliError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| CliError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let curves: Vec<CurveRun<'_>> = runs.iter().map(RunSummary::curves).collect();
    let chart = png(1100, 430, |area| draw_curves(area, &curves).map(|_| vec![]))?;
    let path = dir.join("curves.png");
    write_regular(&path, &chart)?;
    for run in runs {
        let Some(metrics) = &run.metrics else {
            continue;
        };
        let title = format!("{}: confusion matrix (counts)", run.name);
        let chart = png(600, 560, |area| {
            let classes = metrics.classes.as_slice();
            draw_confusion(
                area,
                &metrics.confusion,
                classes,
                Normalization::Counts,
                &title,
            )
            .map(|layout| layout.angled_labels)
        })?;
        let path = dir.join(format!("{}-confusion.png", file_stem(&run.name)));
        write_regular(&path, &chart)?;
    }
    Ok(())
}
