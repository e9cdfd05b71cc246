//! What loading the data set yields and says, shared by the downloads (`fetch.rs`) and the
//! loading as a whole (`batches.rs`): a fetched file, the bytes tallied for the progress bar,
//! and the errors, each naming the file or URL at fault.

use web_time::Instant;

use crate::data::DataError;
use crate::web::protocol::Event;
use crate::web::worker::Outbox;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "{url}: the server answered HTTP {status} {status_text}. Put the CIFAR-10 batches \
         (the files of cifar-10-batches-bin/) at that address, point ?data= at a folder that \
         has them, or pick cifar-10-binary.tar.gz from disk"
    )]
    Http {
        url: String,
        status: u16,
        status_text: String,
    },
    #[error(
        "{url}: the server stayed busy (HTTP {status}) for {seconds:.0} s of asking again: \
         too many are loading from it at once. Load again in a while, or pick \
         cifar-10-binary.tar.gz from disk"
    )]
    Busy {
        url: String,
        status: u16,
        seconds: f64,
    },
    #[error(
        "{url}: could not be fetched ({detail}). The address may be wrong or the server down; \
         a server on another origin must also allow it with an Access-Control-Allow-Origin \
         header (CORS)"
    )]
    Network { url: String, detail: String },
    #[error(
        "{url}: the download stopped after {got} of {expected} bytes. Load again; if it \
         keeps happening, the file on the server is incomplete"
    )]
    Truncated {
        url: String,
        expected: u64,
        got: u64,
    },
    #[error(
        "{0}. The batches must be the official CIFAR-10 binary version (as in \
         cifar-10-binary.tar.gz): replace the damaged file and load again"
    )]
    Data(#[from] DataError),
    #[error(
        "{url}: nothing arrived for {seconds} s, so the download was given up. The server \
         may be overloaded or gone: load again later, or pick the archive from disk"
    )]
    Stalled { url: String, seconds: u32 },
    #[error("loading stopped: press Load to start again")]
    Stopped,
    #[error(
        "{name}: {size} bytes is more than any CIFAR-10 archive (the official one is 170 MB); \
         pick cifar-10-binary.tar.gz"
    )]
    ArchiveTooLarge { name: String, size: u64 },
    #[error("{0}")]
    Browser(String),
}

/// Bytes received so far, for the progress bar.
pub struct Tally {
    loaded: u64,
    pub sizes: Vec<Option<u64>>,
    pub started: Instant,
    last_post: Option<Instant>,
}

impl Tally {
    /// Nothing yet of `files` files of sizes still unknown.
    pub fn new(files: usize) -> Self {
        Self {
            loaded: 0,
            sizes: vec![None; files],
            started: Instant::now(),
            last_post: None,
        }
    }

    pub fn event(&self) -> Event {
        Event::DataProgress {
            loaded: self.loaded,
            total: self.sizes.iter().copied().sum(),
            seconds: self.started.elapsed().as_secs_f64(),
        }
    }

    /// Adds bytes and posts progress at most ten times a second.
    pub fn add(&mut self, bytes: u64, outbox: &Outbox) {
        self.loaded += bytes;
        let due = self
            .last_post
            .is_none_or(|t| t.elapsed().as_secs_f64() >= 0.1);
        if due {
            self.last_post = Some(Instant::now());
            outbox.post(&self.event());
        }
    }
}

pub struct Fetched {
    pub name: &'static str,
    pub url: String,
    pub bytes: Vec<u8>,
    pub from_cache: bool,
}
