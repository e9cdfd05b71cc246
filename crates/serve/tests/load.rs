//! A load test of the server as `scripts/run` and `cifar-lab serve` run it: the real binary on
//! loopback, each simulated client on a loopback address of its own (`127.0.0.N`, as clients
//! on a network are), serving a data folder of batch-sized files. Targets (issue #38):
//! - 10,000 idle connections held while a fresh `GET` is answered in under 100 ms;
//! - one client holding as many connections as it can gets its share, no more, and everyone
//!   else is still answered at once;
//! - a classroom (20 browsers × 7 parallel fetches of the data, as `web/worker/dataset/batches.rs` does)
//!   all answered `200` and whole without a retry, beside slow readers and dribbled heads;
//! - no answer cut short by request bytes the server does not read (a batch asked for with a
//!   body, as round three found it reset at 29 of its 30.7 MB);
//! - the server's memory bounded (its peak RSS is printed and checked).
//!
//! `cargo test -p cifar-lab-serve --test load -- --nocapture --test-threads 1` prints the
//! figures. Other sizes: `LOAD_IDLE=20000`, `LOAD_BROWSERS=40`, `LOAD_FILE_BYTES=1000000`.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::Server;

/// An official batch's size.
const BATCH_BYTES: usize = 30_730_000;
/// What the page fetches at once when Load is pressed.
const DATA_FILES: [&str; 7] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
    "test_batch.bin",
    "batches.meta.txt",
];
/// The server's deadline for a request head (`HEAD_DEADLINE`), which held heads run into.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// The server's share per client (`PER_CLIENT`).
const PER_CLIENT: usize = 256;

/// One test at a time: each measures the server alone.
static ALONE: Mutex<()> = Mutex::new(());

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A connection from `127.0.0.<host>` (a client of its own: every 127/8 address is this
/// machine's), with a read timeout.
fn connect_from(host: u32, address: &str) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    let [_, a, b, c] = (0x7f00_0000 | host).to_be_bytes();
    let local = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, a, b, c)), 0);
    socket.bind(&local.into())?;
    let remote: SocketAddr = address.parse().expect("an address");
    socket.connect(&remote.into())?;
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    Ok(stream)
}

/// `GET path` from `127.0.0.<host>`: the status, the `Content-Length` and the body's length.
fn fetch(host: u32, address: &str, path: &str) -> std::io::Result<(u16, u64, u64)> {
    let mut stream = connect_from(host, address)?;
    // In one piece, as a browser sends it.
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let (status, length, mut body) = loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&buffer[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            let text = String::from_utf8_lossy(&head[..end]);
            let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0u16);
            let length = text
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|l| l.parse().ok())
                .unwrap_or(0u64);
            break (status, length, (head.len() - end - 4) as u64);
        }
    };
    loop {
        match stream.read(&mut buffer)? {
            0 => return Ok((status, length, body)),
            n => body += n as u64,
        }
    }
}

/// A figure of `/proc/PID/status` (`VmHWM`, `VmRSS` in KiB).
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// A build folder with an `index.html`, and a data folder of `file_bytes`-sized batches.
fn folders(file_bytes: usize) -> (tempfile::TempDir, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "app").unwrap();
    let data = tempfile::tempdir().unwrap();
    for (i, name) in DATA_FILES.iter().enumerate() {
        let bytes = if name.ends_with(".txt") {
            61
        } else {
            file_bytes
        };
        std::fs::write(data.path().join(name), vec![i as u8; bytes]).unwrap();
    }
    (dist, data)
}

/// The time a fresh client's `GET /index.html` takes, the worst of `tries`.
fn fresh_get(address: &str, tries: usize) -> Duration {
    (0..tries)
        .map(|_| {
            let started = Instant::now();
            let (status, _, body) = fetch(2, address, "/index.html").expect("a fresh GET");
            assert_eq!((status, body), (200, 3), "a fresh GET");
            started.elapsed()
        })
        .max()
        .unwrap_or_default()
}

#[test]
fn ten_thousand_idle_connections_and_a_fresh_get_is_answered_at_once() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    // This process holds the clients' ends.
    let open_files = rlimit::increase_nofile_limit(u64::MAX).unwrap();
    let wanted = setting("LOAD_IDLE", 10_000);
    let idle = wanted.min(open_files.saturating_sub(200) as usize);
    if idle < wanted {
        println!("idle: only {idle} connections: this process may open {open_files} files");
    }
    let (dist, _data) = folders(1000);
    let server = Server::start(dist.path(), &[]);
    println!("idle: the server says: {}", server.capacity.trim());
    let quiet = fresh_get(&server.address, 20);
    let started = Instant::now();
    // Spread over clients within their share.
    let held: Vec<TcpStream> = (0..idle)
        .map(|i| connect_from(1000 + (i / 100) as u32, &server.address).expect("connected"))
        .collect();
    let connecting = started.elapsed();
    // Let the server take them all up.
    std::thread::sleep(Duration::from_millis(500));
    let crowded = fresh_get(&server.address, 20);
    // Still held, not closed nor turned away: nothing to read, yet.
    let mut closed = 0;
    for stream in held.iter().step_by(97) {
        stream.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        match (&*stream).read(&mut byte) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            _ => closed += 1,
        }
    }
    let rss = proc_status(server.child.id(), "VmRSS");
    let peak = proc_status(server.child.id(), "VmHWM");
    println!(
        "idle: {idle} connections opened in {connecting:.1?}; a fresh GET took at most \
         {quiet:.1?} alone, {crowded:.1?} among them; server RSS {:.1} MB (peak {:.1} MB)",
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    assert_eq!(closed, 0, "idle connections were closed or turned away");
    assert!(
        crowded < Duration::from_millis(100),
        "a fresh GET took {crowded:?}"
    );
    assert!(peak < 512 * 1024, "peak RSS {peak} KiB");
    drop(held);
}

#[test]
fn one_client_holding_many_connections_gets_its_share_and_no_more() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    rlimit::increase_nofile_limit(u64::MAX).unwrap();
    let (dist, _data) = folders(1000);
    let server = Server::start(dist.path(), &[]);
    // One address, 4 × its share of connections, all idle.
    let hog: Vec<TcpStream> = (0..4 * PER_CLIENT)
        .map(|_| connect_from(3, &server.address).expect("connected"))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let others = fresh_get(&server.address, 20);
    let mut turned_away = 0;
    for mut stream in hog {
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut answer = [0u8; 12];
        if stream.read_exact(&mut answer).is_ok() && answer.starts_with(b"HTTP/1.1 503") {
            turned_away += 1;
        }
    }
    println!(
        "share: one client asked for {} connections: {} held, {turned_away} turned away \
         with 503; another client's GET took at most {others:.1?}",
        4 * PER_CLIENT,
        4 * PER_CLIENT - turned_away
    );
    assert_eq!(turned_away, 3 * PER_CLIENT, "the client's share");
    assert!(
        others < Duration::from_millis(100),
        "another client waited {others:?}"
    );
}

#[test]
fn a_classroom_loads_the_data_at_once_without_a_retry() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    rlimit::increase_nofile_limit(u64::MAX).unwrap();
    let browsers = setting("LOAD_BROWSERS", 20);
    let file_bytes = setting("LOAD_FILE_BYTES", BATCH_BYTES);
    let (dist, data) = folders(file_bytes);
    let server = Server::start(dist.path(), &["--data", data.path().to_str().unwrap()]);
    let address = server.address.clone();
    let path = |name: &str| format!("/data/cifar-10-batches-bin/{name}");

    // Hostile clients beside them: slow readers, heads dribbled or never sent.
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let slow: Vec<_> = (0..8)
        .map(|i| {
            let (address, path, stop) = (address.clone(), path(DATA_FILES[i % 6]), stop.clone());
            std::thread::spawn(move || read_slowly(500 + i as u32, &address, &path, &stop))
        })
        .collect();
    let heads: Vec<_> = (0..16)
        .map(|i| {
            let address = address.clone();
            std::thread::spawn(move || hold_head(600 + i, &address, i % 2 == 0))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));

    let started = Instant::now();
    let fetches: Vec<_> = (0..browsers)
        .flat_map(|b| DATA_FILES.iter().map(move |name| (b, *name)))
        .map(|(browser, name)| {
            let (address, path) = (address.clone(), path(name));
            std::thread::spawn(move || {
                let result = fetch(100 + browser as u32, &address, &path);
                (result, started.elapsed())
            })
        })
        .collect();
    let answers: Vec<_> = fetches.into_iter().map(|f| f.join().unwrap()).collect();
    let wall = started.elapsed();
    let held: Vec<(String, Duration)> = heads.into_iter().map(|h| h.join().unwrap()).collect();
    stop.store(true, Ordering::SeqCst);
    let slowly_read: Vec<u64> = slow.into_iter().map(|r| r.join().unwrap()).collect();
    let peak = proc_status(server.child.id(), "VmHWM");
    drop(server);

    let mut whole = 0;
    let mut failures: std::collections::BTreeMap<String, usize> = Default::default();
    let mut latencies: Vec<Duration> = Vec::new();
    for (result, after) in &answers {
        match result {
            Ok((200, length, body)) if length == body => {
                whole += 1;
                latencies.push(*after);
            }
            Ok((status, length, body)) => {
                *failures
                    .entry(format!("{status}, {body} of {length} bytes"))
                    .or_default() += 1
            }
            Err(e) => *failures.entry(format!("{:?}", e.kind())).or_default() += 1,
        }
    }
    latencies.sort();
    let moved = (browsers * 6 * file_bytes) as f64;
    println!(
        "classroom: {browsers} browsers × {} fetches: {whole} answered 200 and whole, \
         no retry; other answers: {failures:?}; all in {wall:.1?} ({:.0} MB/s); \
         the first done after {:.1?}, the last {:.1?}; server peak RSS {:.1} MB",
        DATA_FILES.len(),
        moved / wall.as_secs_f64() / 1e6,
        latencies.first().copied().unwrap_or_default(),
        latencies.last().copied().unwrap_or_default(),
        peak as f64 / 1024.0
    );
    let timed_out = held
        .iter()
        .filter(|(a, _)| a.starts_with("HTTP/1.1 408"))
        .count();
    let longest = held
        .iter()
        .map(|(_, after)| *after)
        .max()
        .unwrap_or_default();
    println!(
        "classroom: beside 8 slow readers (160 KiB/s; {:.1} MB taken) and 16 held heads: \
         {timed_out} dribbled ones answered 408, the last head ended after {longest:.1?}",
        slowly_read.iter().sum::<u64>() as f64 / 1e6
    );
    assert!(
        failures.is_empty(),
        "not every fetch was answered whole: {failures:?}"
    );
    assert_eq!(whole, browsers * DATA_FILES.len());
    assert!(peak < 512 * 1024, "peak RSS {peak} KiB");
    assert_eq!(timed_out, 8, "dribbled heads: {held:?}");
    for (answer, after) in &held {
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "a held head: {answer}"
        );
        assert!(*after < HEAD_DEADLINE + Duration::from_secs(5), "{after:?}");
    }
    assert!(
        slowly_read.iter().all(|&n| n > 0),
        "a slow reader got nothing"
    );
}

#[test]
fn a_batch_asked_for_with_a_body_arrives_whole() {
    let _alone = ALONE.lock().unwrap_or_else(|e| e.into_inner());
    let (dist, data) = folders(BATCH_BYTES);
    let server = Server::start(dist.path(), &["--data", data.path().to_str().unwrap()]);
    let mut stream = connect_from(4, &server.address).unwrap();
    let body = "x".repeat(2048);
    write!(
        stream,
        "GET /data/cifar-10-batches-bin/test_batch.bin HTTP/1.1\r\nHost: x\r\n\
         Content-Length: 2048\r\nConnection: close\r\n\r\n{body}"
    )
    .unwrap();
    // Read slowly at first: the server is done long before the client.
    std::thread::sleep(Duration::from_millis(500));
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(0, |at| at + 4);
    println!(
        "unread bytes: a batch asked for with a 2 KB body: {} of {BATCH_BYTES} bytes ({read:?})",
        answer.len() - end
    );
    assert!(read.is_ok(), "{read:?}");
    assert_eq!(answer.len() - end, BATCH_BYTES);
}

/// A client on a slow link, above the server's minimum rate: 16 KiB every 100 ms until told
/// to stop. Returns how many bytes it took.
fn read_slowly(host: u32, address: &str, path: &str, stop: &AtomicBool) -> u64 {
    let Ok(mut stream) = connect_from(host, address) else {
        return 0;
    };
    if write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n").is_err() {
        return 0;
    }
    let mut chunk = vec![0u8; 16 * 1024];
    let mut taken = 0;
    while !stop.load(Ordering::SeqCst) {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => taken += n as u64,
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    taken
}

/// A client that never finishes its request head: it sends a byte every 500 ms (`dribble`)
/// or nothing. Returns the start of the answer (none: closed without one) and when it ended.
fn hold_head(host: u32, address: &str, dribble: bool) -> (String, Duration) {
    let started = Instant::now();
    let Ok(mut stream) = connect_from(host, address) else {
        return ("no connection".into(), started.elapsed());
    };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let request = b"GET /data/cifar-10-batches-bin/test_batch.bin HTTP/1.1\r\nHost: x\r\n";
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    for byte in request.iter().cycle() {
        if started.elapsed() > HEAD_DEADLINE * 3 {
            break;
        }
        if dribble && stream.write_all(&[*byte]).is_err() {
            break;
        }
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
    }
    let line = String::from_utf8_lossy(&answer);
    (
        line.lines().next().unwrap_or("").to_string(),
        started.elapsed(),
    )
}
