//! Turning away connections beyond the cap without ever waiting on one: the accepting thread
//! writes the `503` without blocking and hands the socket to one thread that keeps a bounded
//! number of them open a little longer, reading what they send, before closing them.
//!
//! Why keep them open: closing a socket with unread bytes (the request, which may arrive just
//! after the `503` was written) resets the connection, and the client may then lose the
//! answer. Why not on the accepting thread: a client that sends nothing would hold up every
//! connection behind it (120 silent ones delayed the next `503` by 6.8 s).

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender};
use std::time::{Duration, Instant};

use super::http::busy_answer;
use super::limits::MAX_HEAD;

/// Turned-away connections held open at once (as many again may wait to be taken up); more
/// are closed at once, the oldest held first.
pub const REJECTED_HELD: usize = 256;
/// How long a turned-away connection is held open at most.
pub const REJECTED_LINGER: Duration = Duration::from_secs(1);
/// How often the held connections are read.
const SWEEP: Duration = Duration::from_millis(10);

/// The accepting thread's end: answers, and hands sockets to the holder.
pub(super) struct Rejecter {
    answer: Vec<u8>,
    holder: Option<SyncSender<Held>>,
}

impl Rejecter {
    /// Starts the holder, the thread that holds them; without it (no thread to be had),
    /// sockets are closed as soon as they are answered.
    pub fn start() -> Self {
        let (send, receive) = std::sync::mpsc::sync_channel(REJECTED_HELD);
        let started = std::thread::Builder::new()
            .name("serve-rejecter".into())
            .spawn(move || hold(receive));
        Self {
            answer: busy_answer(),
            holder: started.ok().map(|_| send),
        }
    }

    /// Answers `503` without waiting: a new connection's send buffer is empty, so the short
    /// answer goes out whole at once (if it does not, the client gets a close instead).
    pub fn reject(&self, stream: TcpStream) {
        if stream.set_nonblocking(true).is_err() {
            return;
        }
        let _ = (&stream).write(&self.answer);
        let _ = stream.shutdown(Shutdown::Write);
        // The request has usually arrived by now: read, it does not reset the connection
        // should it be closed at once below.
        let mut held = Held {
            stream,
            until: Instant::now() + REJECTED_LINGER,
            read: 0,
        };
        if !held.read_what_came(&mut [0u8; 1024]) {
            return;
        }
        if let Some(holder) = &self.holder {
            // When all places are taken it is closed now (dropped), as without a holder.
            let _ = holder.try_send(held);
        }
    }
}

/// A turned-away connection held open.
struct Held {
    stream: TcpStream,
    until: Instant,
    /// Bytes read from it so far.
    read: usize,
}

impl Held {
    /// Reads (without waiting) what the client has sent; whether to hold it any longer: not
    /// once it has closed, sent more than a request head, or [`REJECTED_LINGER`] has passed.
    fn read_what_came(&mut self, scratch: &mut [u8]) -> bool {
        if Instant::now() >= self.until {
            return false;
        }
        loop {
            match self.stream.read(scratch) {
                Ok(0) => return false,
                Ok(n) => {
                    self.read += n;
                    if self.read > MAX_HEAD {
                        return false;
                    }
                }
                Err(e) => {
                    return matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                    );
                }
            }
        }
    }
}

/// The holder: reads the held connections until each may be closed.
fn hold(receive: Receiver<Held>) {
    let mut held: VecDeque<Held> = VecDeque::with_capacity(REJECTED_HELD);
    let mut scratch = [0u8; 4096];
    loop {
        // Asleep while there is nothing to hold.
        let next = if held.is_empty() {
            receive.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            receive.recv_timeout(SWEEP)
        };
        let arrived = match next {
            Ok(one) => Some(one),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        for one in arrived.into_iter().chain(receive.try_iter()) {
            if held.len() == REJECTED_HELD {
                held.pop_front();
            }
            held.push_back(one);
        }
        held.retain_mut(|one| one.read_what_came(&mut scratch));
    }
}
