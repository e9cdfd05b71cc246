//! Serving the browser app: its trunk build under a sub-path, and the CIFAR-10 batches where
//! the page looks for them by default. `cifar-lab-serve` and `cifar-lab serve` both run this.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cifar_lab_data::{ARCHIVE_DIR, DataError, archived_files, open_regular};

use super::{Content, Limits, Site};

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// The trunk build of the browser app.
    #[arg(long, default_value = "dist")]
    pub dist: PathBuf,
    /// The official cifar-10-binary.tar.gz, or a folder of extracted batches, served at
    /// <base>data/cifar-10-batches-bin/ where the page looks by default.
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The sub-path the app lives under (as trunk's --public-url).
    #[arg(long, default_value = "/")]
    pub base: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}: no index.html here: build the app first (trunk build --release)")]
    NoApp(String),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(
        "--base {0:?}: a '.' or '..' in the path would be resolved by the browser to another \
         path; give the path itself (e.g. /cifar-lab/)"
    )]
    Base(String),
    #[error("cannot serve: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        #[source]
        source: std::io::Error,
    },
}

/// Serves until the process is stopped.
pub fn run(args: &ServeArgs) -> Result<(), ServeError> {
    if !args.dist.join("index.html").is_file() {
        return Err(ServeError::NoApp(args.dist.display().to_string()));
    }
    let base = base_path(&args.base)?;
    let mut site = Site::new().mount(&base, Content::Dir(args.dist.clone()));
    if let Some(data) = &args.data {
        let data_path = format!("{base}data/{ARCHIVE_DIR}/");
        site = site.mount_data(&data_path, data_content(data)?);
    }
    let address = format!("{}:{}", args.host, args.port);
    let listener = super::server::listen(&address).map_err(|source| ServeError::Listen {
        address: address.clone(),
        source,
    })?;
    // The port the system gave, when asked for any (`--port 0`).
    let address = listener
        .local_addr()
        .map_or(address, |bound| bound.to_string());
    // Connections need open files: as many as the system lets this process have.
    let open_files = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    let limits = Limits::for_open_files(open_files);
    site = site.limits(limits);
    println!(
        "Serving the app at http://{address}{} (Ctrl-C stops)",
        url_path(&base)
    );
    println!(
        "Holds {} connections at once ({} from one address), {} answers sent at once \
         (open-files limit {open_files})",
        limits.connections, limits.per_client, limits.answers
    );
    match &args.data {
        Some(data) => println!("CIFAR-10 batches from {}", data.display()),
        None => println!(
            "No --data: the page asks for its batches at {}data/{ARCHIVE_DIR}/",
            url_path(&base)
        ),
    }
    site.serve(listener).map_err(ServeError::Runtime)
}

/// The path the app is mounted at, `/a/b/`, as given (percent-decoded): `.` and `..` are
/// refused, since the browser would resolve them to another path than the one served.
fn base_path(base: &str) -> Result<String, ServeError> {
    let decoded = percent_encoding::percent_decode_str(base).decode_utf8_lossy();
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    if segments.iter().any(|s| *s == "." || *s == "..") {
        return Err(ServeError::Base(base.into()));
    }
    Ok(match segments.is_empty() {
        true => "/".into(),
        false => format!("/{}/", segments.join("/")),
    })
}

/// `path` as a URL writes it: each segment percent-encoded (`/x y/` → `/x%20y/`).
fn url_path(path: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    // What a path segment may not hold as it is (the WHATWG URL standard's path set, and `%`).
    const SEGMENT: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'%')
        .add(b'/');
    path.split('/')
        .map(|segment| utf8_percent_encode(segment, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// A folder is served as it is (its `cifar-10-batches-bin/` if it has one), though only the
/// data set's files in it ([`Site::mount_data`]); the archive is read once into memory and
/// checked.
fn data_content(path: &Path) -> Result<Content, ServeError> {
    let shown = path.display().to_string();
    if path.is_dir() {
        let nested = path.join(ARCHIVE_DIR);
        return Ok(Content::Dir(if nested.is_dir() {
            nested
        } else {
            path.into()
        }));
    }
    let file = open_regular(path).map_err(DataError::from)?;
    let files = archived_files(&shown, std::io::BufReader::new(file))?;
    Ok(Content::Files(Arc::new(
        files.into_iter().collect::<HashMap<_, _>>(),
    )))
}
