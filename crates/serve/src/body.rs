//! An answer's body as hyper sends it: short words, or a range of a file or of a file held in
//! memory, a chunk at a time, so that an answer costs at most a chunk of memory however large
//! the file (hyper asks for the next chunk only once the last was taken).

use std::collections::HashMap;
use std::io::{Seek, SeekFrom};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::OwnedSemaphorePermit;

use super::files::Source;

/// The most of a file read into memory at once for one answer.
pub const CHUNK: usize = 64 * 1024;

pub struct AnswerBody {
    kind: Kind,
    /// Bytes still to send.
    left: u64,
    /// One of the places for answers being sent, given back when the body ends or is dropped
    /// (the client went away).
    _place: Option<OwnedSemaphorePermit>,
}

enum Kind {
    Words(Option<Bytes>),
    /// Read on from where it stands.
    File {
        file: tokio::fs::File,
        chunk: Vec<u8>,
    },
    Memory {
        files: Arc<HashMap<String, Vec<u8>>>,
        name: String,
        at: usize,
    },
}

impl AnswerBody {
    pub fn empty() -> Self {
        Self::words(Bytes::new())
    }

    pub fn words(words: impl Into<Bytes>) -> Self {
        let words = words.into();
        Self {
            left: words.len() as u64,
            kind: Kind::Words(Some(words)),
            _place: None,
        }
    }

    /// `len` bytes of `source` from `start`, holding `place` until sent.
    pub fn part(
        source: Source,
        start: u64,
        len: u64,
        place: OwnedSemaphorePermit,
    ) -> std::io::Result<Self> {
        let kind = match source {
            Source::File(mut file) => {
                // A seek only moves the file's offset: it never waits.
                file.seek(SeekFrom::Start(start))?;
                Kind::File {
                    file: tokio::fs::File::from_std(file),
                    chunk: Vec::new(),
                }
            }
            Source::Memory(files, name) => Kind::Memory {
                files,
                name,
                at: usize::try_from(start).unwrap_or(usize::MAX),
            },
        };
        Ok(Self {
            kind,
            left: len,
            _place: Some(place),
        })
    }
}

impl http_body::Body for AnswerBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.left == 0 {
            return Poll::Ready(None);
        }
        let want = CHUNK.min(usize::try_from(this.left).unwrap_or(usize::MAX));
        let data = match &mut this.kind {
            Kind::Words(words) => words.take().unwrap_or_default(),
            Kind::Memory { files, name, at } => {
                let bytes = &files[name.as_str()];
                let end = (*at + want).min(bytes.len());
                let data = Bytes::copy_from_slice(&bytes[(*at).min(end)..end]);
                *at = end;
                data
            }
            Kind::File { file, chunk } => {
                chunk.resize(want, 0);
                let mut buf = ReadBuf::new(chunk);
                ready!(Pin::new(file).poll_read(cx, &mut buf))?;
                Bytes::copy_from_slice(buf.filled())
            }
        };
        if data.is_empty() {
            // The file shrank since its length was sent: the client sees a short body.
            return Poll::Ready(Some(Err(std::io::ErrorKind::UnexpectedEof.into())));
        }
        this.left -= data.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.left)
    }
}
