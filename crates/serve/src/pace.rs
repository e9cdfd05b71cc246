//! A connection's socket as hyper reads and writes it, with the answer's pace enforced: a
//! write the client does not take in time fails (and hyper drops the connection), however
//! the client reads, a byte now and then or nothing. The socket is shared (`Arc`), so that the
//! server can still answer `408` and close it gracefully once hyper has given it up.

use std::io::{ErrorKind, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

use super::Limits;

/// Where a connection's current answer stands; shared by its socket and its service.
#[derive(Debug)]
pub(crate) struct Pace {
    limits: Limits,
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy)]
struct State {
    /// When the current answer began (the connection's start before its first).
    since: Instant,
    /// Bytes written since.
    written: u64,
    /// Bytes read since: a request head begun, not yet answered.
    read: u64,
}

impl Pace {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            state: Mutex::new(State {
                since: Instant::now(),
                written: 0,
                read: 0,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere cannot leave three numbers inconsistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request's head has been read: its answer's pace counts from now.
    pub fn answer_begins(&self) {
        *self.state() = State {
            since: Instant::now(),
            written: 0,
            read: 0,
        };
    }

    /// Whether bytes came since the last answer began: a head was begun, so a deadline
    /// passing is a slow request (`408`), not an idle connection closed.
    pub fn request_begun(&self) -> bool {
        self.state().read > 0
    }

    fn read(&self, n: usize) {
        self.state().read += n as u64;
    }

    fn wrote(&self, n: usize) {
        self.state().written += n as u64;
    }

    /// When the next `more` bytes must have been taken.
    fn due(&self, more: usize) -> Instant {
        let state = *self.state();
        let allowed = self.limits.answer_time(state.written + more as u64);
        // Beyond what an Instant holds: no deadline worth the name (a rate of 0, say).
        let far = Instant::now() + std::time::Duration::from_secs(365 * 24 * 3600);
        state.since.checked_add(allowed).unwrap_or(far)
    }
}

/// The socket hyper is given.
pub(crate) struct PacedIo {
    stream: Arc<TcpStream>,
    pace: Arc<Pace>,
    /// Set to the next write's deadline while the client is not taking bytes.
    timer: Pin<Box<Sleep>>,
}

impl PacedIo {
    pub fn new(stream: Arc<TcpStream>, pace: Arc<Pace>) -> Self {
        Self {
            stream,
            pace,
            timer: Box::pin(tokio::time::sleep_until(Instant::now().into())),
        }
    }

    /// Waits until the socket takes bytes, or fails once the `more` bytes are overdue.
    fn poll_writable(&mut self, cx: &mut Context<'_>, more: usize) -> Poll<std::io::Result<()>> {
        if let Poll::Ready(ready) = self.stream.poll_write_ready(cx) {
            return Poll::Ready(ready);
        }
        let due = self.pace.due(more);
        self.timer.as_mut().reset(due.into());
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(ErrorKind::TimedOut.into())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for PacedIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        loop {
            ready!(self.stream.poll_read_ready(cx))?;
            match self.stream.try_read(buf.initialize_unfilled()) {
                Ok(n) => {
                    buf.advance(n);
                    self.pace.read(n);
                    return Poll::Ready(Ok(()));
                }
                // Readiness was stale: poll again, which registers for the next.
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

impl AsyncWrite for PacedIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        loop {
            ready!(self.poll_writable(cx, buf.len()))?;
            match self.stream.try_write(buf) {
                Ok(n) => {
                    self.pace.wrote(n);
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let more = bufs.iter().map(|b| b.len()).sum();
        loop {
            ready!(self.poll_writable(cx, more))?;
            match self.stream.try_write_vectored(bufs) {
                Ok(n) => {
                    self.pace.wrote(n);
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// The sending half only: the server then reads what the client still sends before it
    /// closes the socket (`close.rs`).
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(super::close::shut_sending(&self.stream))
    }
}
