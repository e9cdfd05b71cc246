//! A load test of the server as `scripts/run` and `cifar-lab serve` run it: the real binary,
//! on loopback, serving a data folder of batch-sized files to many clients at once while some
//! hold connections without using them (slow readers, heads dribbled a byte at a time, idle
//! connections). Every normal client must be served (a `503` is retried, as a page's loader
//! would), nothing may fail otherwise, and the server must stay small.
//!
//! `cargo test -p cifar-lab-serve --test load -- --nocapture` prints the figures. Bigger:
//! `LOAD_CLIENTS=1000 LOAD_SLOW=20 …`; smaller files: `LOAD_FILE_BYTES=1000000 …`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::Server;

/// An official batch's size.
const BATCH_BYTES: usize = 30_730_000;
const FILES: [&str; 6] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
    "test_batch.bin",
];
/// The server's own limit on a request head (`HEAD_DEADLINE`), which the dribbling and idle
/// clients must run into.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// A normal client gives up (and the test fails) after this.
const GIVE_UP: Duration = Duration::from_secs(100);

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// How one normal client fared.
enum Outcome {
    Served { latency: Duration, busy: usize },
    Failed(String),
}

#[test]
fn many_clients_and_some_hostile_ones_are_all_bounded() {
    let clients = setting("LOAD_CLIENTS", 200);
    let slow = setting("LOAD_SLOW", 8);
    let file_bytes = setting("LOAD_FILE_BYTES", BATCH_BYTES);
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "app").unwrap();
    let data = tempfile::tempdir().unwrap();
    for (i, name) in FILES.iter().enumerate() {
        std::fs::write(data.path().join(name), vec![i as u8; file_bytes]).unwrap();
    }
    let server = Server::start(dist.path(), &["--data", data.path().to_str().unwrap()]);
    let address = server.address.clone();
    let path = |i: usize| format!("/data/cifar-10-batches-bin/{}", FILES[i % FILES.len()]);

    // The hostile ones first, so that they hold their slots while the others come.
    let stop = Arc::new(AtomicBool::new(false));
    let slow_readers: Vec<_> = (0..slow)
        .map(|i| {
            let (address, path, stop) = (address.clone(), path(i), stop.clone());
            std::thread::spawn(move || read_slowly(&address, &path, &stop))
        })
        .collect();
    let head_holders: Vec<_> = (0..2 * slow)
        .map(|i| {
            let address = address.clone();
            std::thread::spawn(move || hold_head(&address, i % 2 == 0))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));

    let started = Instant::now();
    let normal: Vec<_> = (0..clients)
        .map(|i| {
            let (address, path) = (address.clone(), path(i));
            std::thread::spawn(move || fetch(&address, &path, file_bytes as u64, i))
        })
        .collect();
    let outcomes: Vec<Outcome> = normal.into_iter().map(|c| c.join().unwrap()).collect();
    let wall = started.elapsed();
    let held: Vec<(String, Duration)> = head_holders
        .into_iter()
        .map(|h| h.join().unwrap())
        .collect();
    stop.store(true, Ordering::SeqCst);
    let slowly_read: Vec<u64> = slow_readers
        .into_iter()
        .map(|r| r.join().unwrap())
        .collect();
    let peak_rss_kib = proc_status(server.child.id(), "VmHWM");
    let threads = proc_status(server.child.id(), "Threads");
    drop(server);

    let mut latencies: Vec<Duration> = Vec::new();
    let mut busy = 0;
    // By kind: "ConnectionReset: …", "404, …".
    let mut failures: std::collections::BTreeMap<&str, usize> = Default::default();
    for outcome in &outcomes {
        match outcome {
            Outcome::Served { latency, busy: b } => {
                latencies.push(*latency);
                busy += b;
            }
            Outcome::Failed(why) => *failures.entry(why).or_default() += 1,
        }
    }
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    let moved = latencies.len() as f64 * file_bytes as f64;
    println!(
        "load: {clients} clients of {file_bytes} bytes each, with {slow} slow readers, \
         {slow} dribbling heads, {slow} idle connections"
    );
    println!(
        "served {} of {clients} in {wall:.1?} ({:.0} MB/s); 503s retried: {busy}; \
         other failures: {failures:?}",
        latencies.len(),
        moved / wall.as_secs_f64() / 1e6,
    );
    println!(
        "latency (first try to last byte): p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    println!(
        "server: peak RSS (VmHWM) {:.1} MB, {threads} threads at the end",
        peak_rss_kib as f64 / 1024.0
    );
    let cut_off = held
        .iter()
        .filter(|(a, _)| a.starts_with("HTTP/1.1 408"))
        .count();
    let longest = held
        .iter()
        .map(|(_, after)| *after)
        .max()
        .unwrap_or_default();
    println!(
        "held heads: {cut_off} of {} cut off with 408 (the rest turned away with 503), \
         the last after {longest:.1?}",
        held.len()
    );
    println!(
        "slow readers (160 KiB/s) took {:.1} MB in all",
        slowly_read.iter().sum::<u64>() as f64 / 1e6
    );

    assert!(failures.is_empty(), "failures: {failures:?}");
    assert_eq!(latencies.len(), clients, "not every client was served");
    assert!(at(0.99) < Duration::from_secs(60), "p99 {:?}", at(0.99));
    assert!(peak_rss_kib < 200 * 1024, "peak RSS {peak_rss_kib} KiB");
    // Cut off at the deadline, or turned away when they found the server full.
    for (answer, after) in &held {
        let ended = answer.starts_with("HTTP/1.1 408") || answer.starts_with("HTTP/1.1 503");
        assert!(ended, "a held head: {answer}");
        assert!(*after < HEAD_DEADLINE + Duration::from_secs(5), "{after:?}");
    }
    assert!(
        slowly_read.iter().all(|&n| n > 0),
        "a slow reader got nothing"
    );
}

/// `GET path` until it is answered `200` and all `expected` bytes arrive, retrying a `503`
/// after a growing pause; anything else is a failure.
fn fetch(address: &str, path: &str, expected: u64, seed: usize) -> Outcome {
    let started = Instant::now();
    let mut busy = 0;
    let mut pause = Duration::from_millis(10 + (seed as u64 * 7) % 20);
    loop {
        if started.elapsed() > GIVE_UP {
            return Outcome::Failed(format!("not served within {GIVE_UP:?}"));
        }
        match fetch_once(address, path) {
            Ok((200, length, body)) if length == expected && body == expected => {
                return Outcome::Served {
                    latency: started.elapsed(),
                    busy,
                };
            }
            Ok((503, _, _)) => {
                busy += 1;
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(250));
            }
            Ok((status, length, body)) => {
                return Outcome::Failed(format!("{status}, {body} of {length} bytes"));
            }
            Err(error) => return Outcome::Failed(format!("{:?}: {error}", error.kind())),
        }
    }
}

/// The status, the `Content-Length`, and how many bytes of body came.
fn fetch_once(address: &str, path: &str) -> std::io::Result<(u16, u64, u64)> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    // In one piece, as a browser sends it (`write!` would write each part on its own).
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let (status, length, mut body) = loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
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

/// A client on a slow link, above the server's minimum rate: 16 KiB every 100 ms until told
/// to stop. Returns how many bytes it took.
fn read_slowly(address: &str, path: &str, stop: &AtomicBool) -> u64 {
    let Ok(mut stream) = TcpStream::connect(address) else {
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
/// or nothing. Returns the start of the answer and when it came.
fn hold_head(address: &str, dribble: bool) -> (String, Duration) {
    let started = Instant::now();
    let Ok(mut stream) = TcpStream::connect(address) else {
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
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => break,
        }
    }
    let line = String::from_utf8_lossy(&answer);
    (
        line.lines().next().unwrap_or("").to_string(),
        started.elapsed(),
    )
}

/// A figure of `/proc/PID/status` (`VmHWM` in KiB, `Threads`).
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
