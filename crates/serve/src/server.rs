//! Accepting connections and handing each to hyper: a connection is admitted while the server
//! and its client (its IP address) are under their limits, else turned away with `503`; hyper
//! reads its requests (the head within its deadline, `400`/`431` for a bad or large one) over
//! a socket that enforces the answer's pace (`pace.rs`), and when hyper is done the
//! connection is closed without resetting what it was sent (`close.rs`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::StatusCode;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpStream;

use super::Site;
use super::close::{Closing, canned};
use super::limits::MAX_HEAD;
use super::pace::{Pace, PacedIo};

impl Site {
    /// Serves on `listener` until the process ends (or no runtime can be started).
    pub fn serve(self, listener: std::net::TcpListener) -> std::io::Result<()> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            // File reads run on these (tokio's files are std's on a thread pool): a crowd of
            // answers queues for them rather than starting 512 threads.
            .max_blocking_threads(BLOCKING_THREADS)
            .build()?;
        listener.set_nonblocking(true)?;
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            Arc::new(self).accept(listener).await;
            Ok(())
        })
    }

    /// Serves on a free loopback port in a background thread; returns its address.
    pub fn spawn_local(self) -> std::io::Result<SocketAddr> {
        let listener = listen("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        std::thread::spawn(move || self.serve(listener));
        Ok(address)
    }

    async fn accept(self: Arc<Self>, listener: tokio::net::TcpListener) {
        let clients = Arc::new(Clients::new(
            self.limits.connections,
            self.limits.per_client,
        ));
        let closing = Closing::new(self.limits.closing);
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                // Out of file descriptors, say: the next accept would fail at once as well,
                // so pause instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let closing = closing.clone();
            match clients.admit(peer.ip()) {
                Some(ticket) => {
                    tokio::spawn(self.clone().connection(stream, ticket, closing));
                }
                None => {
                    tokio::spawn(async move { closing.turn_away(stream).await });
                }
            }
        }
    }

    /// Serves one connection's requests until either side ends it.
    async fn connection(self: Arc<Self>, stream: TcpStream, ticket: Ticket, closing: Closing) {
        // Answers go out as written: a browser waits for the last bytes of each.
        let _ = stream.set_nodelay(true);
        let stream = Arc::new(stream);
        let pace = Arc::new(Pace::new(self.limits));
        let io = TokioIo::new(PacedIo::new(stream.clone(), pace.clone()));
        let head = self.limits.head;
        let service = {
            let pace = pace.clone();
            service_fn(move |request| {
                pace.answer_begins();
                let answer = self.answer(&request);
                async move { Ok::<_, Infallible>(answer) }
            })
        };
        let served = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(head)
            .max_buf_size(MAX_HEAD)
            // As the tests and a person reading `curl -i` expect: `Content-Type`.
            .title_case_headers(true)
            .serve_connection(io, service)
            .await;
        if let Err(error) = served {
            // hyper closes a slow head without a word; a client that had begun one is told.
            if error.is_timeout() && pace.request_begun() {
                let slow = canned(StatusCode::REQUEST_TIMEOUT, "request head too slow\n", &[]);
                let _ = stream.try_write(&slow);
            }
        }
        // The connection's place is free before it closes: a client that asks again as soon
        // as it sees the close is not turned away.
        drop(ticket);
        closing.close(&stream).await;
    }
}

/// Threads reading files at once.
const BLOCKING_THREADS: usize = 64;

/// Connections waiting to be accepted, at most (the kernel may allow fewer: `somaxconn`).
/// std's 128 overflows when a crowd connects at once, and a connection whose handshake is
/// dropped waits a second or more to try again.
const BACKLOG: i32 = 4096;

/// A listening socket on `address` (`host:port`), its backlog [`BACKLOG`].
pub fn listen(address: &str) -> std::io::Result<std::net::TcpListener> {
    use std::net::ToSocketAddrs;
    let mut last = std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address");
    for address in address.to_socket_addrs()? {
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(address),
            socket2::Type::STREAM,
            None,
        )?;
        // As std does: a restarted server binds its port again at once.
        socket.set_reuse_address(true)?;
        match socket
            .bind(&address.into())
            .and_then(|()| socket.listen(BACKLOG))
        {
            Ok(()) => return Ok(socket.into()),
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// The connections held, in all and per client.
struct Clients {
    most: usize,
    per_client: usize,
    held: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// A connection's place; given back when dropped.
struct Ticket {
    clients: Arc<Clients>,
    ip: IpAddr,
}

impl Clients {
    fn new(most: usize, per_client: usize) -> Self {
        Self {
            most,
            per_client,
            held: Mutex::new((0, HashMap::new())),
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, (usize, HashMap<IpAddr, usize>)> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a connection from `ip`, if the server and that client have one.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Ticket> {
        let mut held = self.held();
        let (total, by_client) = &mut *held;
        let mine = by_client.entry(ip).or_default();
        if *total >= self.most || *mine >= self.per_client {
            if *mine == 0 {
                by_client.remove(&ip);
            }
            return None;
        }
        *mine += 1;
        *total += 1;
        Some(Ticket {
            clients: self.clone(),
            ip,
        })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut held = self.clients.held();
        let (total, by_client) = &mut *held;
        *total -= 1;
        if let Some(mine) = by_client.get_mut(&self.ip) {
            *mine -= 1;
            if *mine == 0 {
                by_client.remove(&self.ip);
            }
        }
    }
}
