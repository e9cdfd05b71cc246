use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;

use cifar_lab::data::{ARCHIVE_DIR, DataError, archived_files};
use cifar_lab::serve::{Content, Site};

use super::CliError;
use super::args::ServeArgs;

pub fn run(args: ServeArgs) -> Result<(), CliError> {
    let shown = args.dist.display().to_string();
    if !args.dist.join("index.html").is_file() {
        return Err(CliError::RunConfig {
            path: shown,
            reason: "no index.html here: build the app first (trunk build --release)".into(),
        });
    }
    let base = format!("/{}/", args.base.trim_matches('/')).replace("//", "/");
    let mut site = Site::new().mount(&base, Content::Dir(args.dist.clone()));
    if let Some(data) = &args.data {
        let data_path = format!("{base}data/{ARCHIVE_DIR}/");
        site = site.mount_data(&data_path, data_content(data)?);
    }
    let address = format!("{}:{}", args.host, args.port);
    let listener = TcpListener::bind(&address).map_err(|source| CliError::Io {
        path: address.clone(),
        source,
    })?;
    println!("Serving the app at http://{address}{base} (Ctrl-C stops)");
    match &args.data {
        Some(data) => println!("CIFAR-10 batches from {}", data.display()),
        None => println!("No --data: the page asks for its batches at {base}data/{ARCHIVE_DIR}/"),
    }
    site.serve(listener);
    Ok(())
}

/// A folder is served as it is; the archive is read once into memory and checked.
fn data_content(path: &std::path::Path) -> Result<Content, CliError> {
    let shown = path.display().to_string();
    if path.is_dir() {
        let nested = path.join(ARCHIVE_DIR);
        return Ok(Content::Dir(if nested.is_dir() {
            nested
        } else {
            path.into()
        }));
    }
    let file = std::fs::File::open(path).map_err(|e| DataError::io(&shown, e))?;
    let files = archived_files(&shown, std::io::BufReader::new(file))?;
    Ok(Content::Files(Arc::new(
        files.into_iter().collect::<HashMap<_, _>>(),
    )))
}
