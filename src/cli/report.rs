use cifar_lab::report::{RunSummary, report_html};

use super::CliError;
use super::args::ReportArgs;

pub fn run(args: ReportArgs) -> Result<(), CliError> {
    let runs = args
        .runs
        .iter()
        .map(|dir| RunSummary::load(dir))
        .collect::<Result<Vec<_>, _>>()?;
    let html = report_html(&runs)?;
    std::fs::write(&args.out, html).map_err(|source| CliError::Io {
        path: args.out.display().to_string(),
        source,
    })?;
    println!("Wrote {} ({} runs)", args.out.display(), runs.len());
    Ok(())
}
