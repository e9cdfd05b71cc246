//! What one client may cost: a slot among a few, a deadline for the whole of its request, and
//! a pace its answer must keep. Not a timeout per read or write: a client that sends (or takes)
//! a byte now and then would reset a per-call timeout for ever and keep its slot.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Connections answered at once; more get `503` straight away.
pub const MAX_CONNECTIONS: usize = 64;
/// The longest request line plus headers.
pub const MAX_HEAD: usize = 8 * 1024;
/// The whole request head must arrive within this (`408` after). A browser sends it at once.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// An answer must keep pace: its `n`-th byte taken within `ANSWER_BASE + n / ANSWER_MIN_RATE`
/// of its start. So a batch (30,730,000 bytes) may take 32 minutes, and the page's six at once
/// get through a link of 6 × 16 KiB/s (0.8 Mbit/s); a client that falls further behind than
/// the base time (and what the socket buffers took at once) loses its slot then, not at the
/// end of the whole answer's time.
pub const ANSWER_BASE: Duration = Duration::from_secs(30);
/// Bytes per second; see [`ANSWER_BASE`].
pub const ANSWER_MIN_RATE: u64 = 16 * 1024;

/// The bounds on one client (see the crate's doc); tests use small ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections answered at once; more get `503` straight away.
    pub connections: usize,
    /// The whole request head must arrive within this.
    pub head: Duration,
    /// The `n`-th byte of an answer must be taken within `answer_base + n / answer_rate`.
    pub answer_base: Duration,
    /// Bytes per second.
    pub answer_rate: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            connections: MAX_CONNECTIONS,
            head: HEAD_DEADLINE,
            answer_base: ANSWER_BASE,
            answer_rate: ANSWER_MIN_RATE,
        }
    }
}

impl Limits {
    /// How long the client may take to take the first `len` bytes of an answer.
    pub fn answer_time(&self, len: u64) -> Duration {
        let at_rate = Duration::try_from_secs_f64(len as f64 / self.answer_rate.max(1) as f64)
            .unwrap_or(Duration::MAX);
        self.answer_base.saturating_add(at_rate)
    }
}

/// A connection whose reads and writes must be done in time: each call waits at most for the
/// time left, and fails with [`ErrorKind::TimedOut`] once none is.
pub(crate) struct Timed<'a> {
    stream: &'a TcpStream,
    started: Instant,
    due: Due,
    /// Bytes written so far.
    written: u64,
}

/// When calls are due.
enum Due {
    /// All within this of the start (the request head).
    Within(Duration),
    /// Keeping pace: the `n`-th byte written within [`Limits::answer_time`]`(n)` (an answer).
    Paced(Limits),
}

impl<'a> Timed<'a> {
    /// Every read and write done within `within` from now.
    pub fn within(stream: &'a TcpStream, within: Duration) -> Self {
        Self::new(stream, Due::Within(within))
    }

    /// Writes that keep pace with `limits` from now.
    pub fn paced(stream: &'a TcpStream, limits: Limits) -> Self {
        Self::new(stream, Due::Paced(limits))
    }

    fn new(stream: &'a TcpStream, due: Due) -> Self {
        Self {
            stream,
            started: Instant::now(),
            due,
            written: 0,
        }
    }

    /// The time left to move `more` bytes.
    fn time_left(&self, more: usize) -> std::io::Result<Duration> {
        let due = match &self.due {
            Due::Within(within) => *within,
            Due::Paced(limits) => limits.answer_time(self.written + more as u64),
        };
        let left = due.saturating_sub(self.started.elapsed());
        // Zero would mean "no timeout" to the socket (and is refused by std).
        if left.is_zero() {
            return Err(ErrorKind::TimedOut.into());
        }
        Ok(left)
    }
}

/// Whether a socket call failed for want of time (a socket timeout reads as `WouldBlock`).
pub(crate) fn out_of_time(error: &std::io::Error) -> bool {
    matches!(error.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock)
}

impl Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.stream.set_read_timeout(Some(self.time_left(0)?))?;
        let mut stream = self.stream;
        stream.read(buf)
    }
}

impl Write for Timed<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.stream
            .set_write_timeout(Some(self.time_left(buf.len())?))?;
        let mut stream = self.stream;
        let written = stream.write(buf)?;
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
