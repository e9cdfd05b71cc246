//! What the server and one client may cost: connections (in all and per client), answers
//! being sent, a deadline for the whole of a request head, and a pace an answer must keep. Not
//! a timeout per read or write: a client that sends (or takes) a byte now and then would reset
//! a per-call timeout for ever and keep its connection.

use std::time::Duration;

/// Connections held at once unless the open-files limit says how many ([`Limits::for_open_files`]).
pub const MAX_CONNECTIONS: usize = 4096;
/// Connections one client (one IP address) may hold at once; more get `503` at once. A
/// browser opens at most 6 to a server, so this leaves room for a classroom behind one
/// address (a school's NAT: 20 browsers, 120 connections), and keeps one client from taking
/// every connection.
pub const PER_CLIENT: usize = 256;
/// Answers being sent at once (each holds an open file and a chunk of memory); a request
/// beyond gets `503` with `Retry-After`.
pub const MAX_ANSWERS: usize = 1024;
/// Connections being closed at once (each held open up to [`CLOSE_LINGER`] so that its last
/// answer is not reset); more are closed at once.
pub const CLOSING_HELD: usize = 1024;
/// How long a closing connection is held open at most, reading what the client still sends.
pub const CLOSE_LINGER: Duration = Duration::from_secs(1);
/// The longest request line plus headers (`431` beyond).
pub const MAX_HEAD: usize = 8 * 1024;
/// The whole request head must arrive within this (`408` after), and a kept-alive connection
/// that asks nothing more is closed after it. A browser sends its head at once.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// An answer must keep pace: its `n`-th byte taken within `ANSWER_BASE + n / ANSWER_MIN_RATE`
/// of its start. So a batch (30,730,000 bytes) may take 32 minutes, and the page's six at once
/// get through a link of 6 × 16 KiB/s (0.8 Mbit/s); a client that falls further behind than
/// the base time (and what the socket buffers took at once) loses its connection then, not at
/// the end of the whole answer's time.
pub const ANSWER_BASE: Duration = Duration::from_secs(30);
/// Bytes per second; see [`ANSWER_BASE`].
pub const ANSWER_MIN_RATE: u64 = 16 * 1024;
/// Open files kept for everything but connections and answers (the listener, the runtime,
/// the standard streams).
const RESERVED_FILES: u64 = 64;

/// The bounds on the server and on one client (see the crate's doc); tests use small ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections held at once; more get `503` straight away.
    pub connections: usize,
    /// Connections one IP address may hold at once.
    pub per_client: usize,
    /// Answers being sent at once.
    pub answers: usize,
    /// Connections held open while they close.
    pub closing: usize,
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
            per_client: PER_CLIENT,
            answers: MAX_ANSWERS,
            closing: CLOSING_HELD,
            head: HEAD_DEADLINE,
            answer_base: ANSWER_BASE,
            answer_rate: ANSWER_MIN_RATE,
        }
    }
}

impl Limits {
    /// As many connections as `open_files` allows once answers (each with a file open) and
    /// closing connections have theirs.
    pub fn for_open_files(open_files: u64) -> Self {
        let usable =
            usize::try_from(open_files.saturating_sub(RESERVED_FILES)).unwrap_or(usize::MAX);
        let answers = MAX_ANSWERS.min(usable / 4).max(1);
        let closing = CLOSING_HELD.min(usable / 4);
        Self {
            connections: usable.saturating_sub(answers + closing).max(1),
            answers,
            closing,
            ..Self::default()
        }
    }

    /// How long the client may take to take the first `len` bytes of an answer.
    pub fn answer_time(&self, len: u64) -> Duration {
        let at_rate = Duration::try_from_secs_f64(len as f64 / self.answer_rate.max(1) as f64)
            .unwrap_or(Duration::MAX);
        self.answer_base.saturating_add(at_rate)
    }
}
