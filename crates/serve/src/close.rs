//! Ending connections without losing what was said on them. Closing a socket that holds unread
//! bytes (a request body never read, the rest of a head too large to read, a request that
//! arrived after a `503`) makes the kernel reset the connection, and a reset drops whatever of
//! the answer the client had not yet taken. So the server closes its sending half, reads and
//! discards what still comes for a little while, and only then closes the socket (as nginx's
//! "lingering close" does). At most [`Limits::closing`] connections are held so at once; more
//! are closed at once.

use std::net::Shutdown;
use std::sync::Arc;

use hyper::StatusCode;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::limits::CLOSE_LINGER;

/// The most read (and thrown away) from a closing connection.
const DRAIN_BYTES: usize = 1 << 20;

/// Closes the socket's sending half: the client sees the end of the answers.
pub(crate) fn shut_sending(stream: &TcpStream) -> std::io::Result<()> {
    match socket2::SockRef::from(stream).shutdown(Shutdown::Write) {
        // Already shut, or the client has gone: nothing left to send either way.
        Err(e) if e.kind() == std::io::ErrorKind::NotConnected => Ok(()),
        done => done,
    }
}

/// The places for connections being closed.
#[derive(Debug, Clone)]
pub(crate) struct Closing {
    places: Arc<Semaphore>,
}

impl Closing {
    pub fn new(places: usize) -> Self {
        Self {
            places: Arc::new(Semaphore::new(places)),
        }
    }

    /// Closes `stream` once the client has taken what it was sent: its sending half now, the
    /// socket when the client closes too, stops sending, or [`CLOSE_LINGER`] has passed.
    pub async fn close(&self, stream: &TcpStream) {
        let _ = shut_sending(stream);
        let Ok(_place) = self.places.clone().try_acquire_owned() else {
            return;
        };
        let mut scratch = [0u8; 4096];
        let mut drained = 0;
        let until = tokio::time::Instant::now() + CLOSE_LINGER;
        while drained < DRAIN_BYTES {
            match tokio::time::timeout_at(until, stream.readable()).await {
                Ok(Ok(())) => match stream.try_read(&mut scratch) {
                    Ok(0) => return,
                    Ok(n) => drained += n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => return,
                },
                _ => return,
            }
        }
    }

    /// Turns away a connection beyond a limit: `503` (written without waiting: a new
    /// connection's send buffer is empty, so the short answer goes out whole), then closed as
    /// above.
    pub async fn turn_away(&self, stream: TcpStream) {
        let busy = canned(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy, try again\n",
            &[("Retry-After", "1")],
        );
        let _ = stream.try_write(&busy);
        self.close(&stream).await;
    }
}

/// A whole short answer, for what is said outside hyper (`503` at the door, `408` once hyper
/// has given a slow head up): plain text, any page may read its status (so that a page
/// elsewhere waits for a busy data server rather than reporting a CORS failure), and closed.
pub(crate) fn canned(status: StatusCode, body: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nX-Content-Type-Options: nosniff\r\n\
         Access-Control-Allow-Origin: *\r\nConnection: close\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(body);
    head.into_bytes()
}
