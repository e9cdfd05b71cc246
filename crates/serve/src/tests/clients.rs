//! Clients that hold a connection without using it: each is cut off by a deadline for the whole
//! of its request or of its answer (not a timeout per read or write, which a byte now and then
//! resets), and turning away clients beyond the cap never waits on any of them.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::*;

/// Small limits, so that the tests see the deadlines pass.
fn quick(connections: usize) -> Limits {
    Limits {
        connections,
        head: Duration::from_millis(300),
        answer_base: Duration::from_millis(300),
        answer_rate: 64 << 20,
        ..Limits::default()
    }
}

#[test]
fn a_request_head_dribbled_past_its_deadline_gets_408() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    let address = site_with(dir.path(), quick(2));
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // A byte every 100 ms: no read waits anywhere near the 300 ms limit, but the whole head
    // takes 2.7 s.
    let mut dribble = stream.try_clone().unwrap();
    let started = Instant::now();
    let dribbler = std::thread::spawn(move || {
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" {
            if dribble.write_all(&[*byte]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let took = started.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 408"),
        "after {took:?}: {answer}"
    );
    assert!(
        took < Duration::from_millis(1500),
        "answered after {took:?}"
    );
    dribbler.join().unwrap();
}

/// The answer must keep pace: not only all of it within its time (a 1 GiB file at 4 MiB/s may
/// take 257 s), but each part, so a reader that falls behind loses its slot soon after its
/// head start (1 s, and what the socket buffers took at once) runs out. Files are streamed
/// from disk, the archive's batches from memory: both keep pace the same way.
#[test]
fn a_reader_slower_than_the_answer_rate_loses_its_slot() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    // Sparse: a large file that costs no disk.
    let big = std::fs::File::create(dir.path().join("big.bin")).unwrap();
    big.set_len(1 << 30).unwrap();
    let limits = Limits {
        connections: 1,
        head: Duration::from_secs(5),
        answer_base: Duration::from_secs(1),
        answer_rate: 4 << 20,
        ..Limits::default()
    };
    let address = site_with(dir.path(), limits);
    slow_reader_loses_its_slot(address, "/big.bin");
    // 96 MiB in memory: 25 s at the rate, which one write of all of it would have had.
    let files = HashMap::from([("data_batch_1.bin".to_string(), vec![7u8; 96 << 20])]);
    let address = Site::new()
        .limits(limits)
        .mount("/", Content::Dir(dir.path().into()))
        .mount_data("/data/", Content::Files(Arc::new(files)))
        .spawn_local()
        .unwrap();
    slow_reader_loses_its_slot(address, "/data/data_batch_1.bin");
}

/// A reader of `path` taking 200 KiB/s holds the site's one slot, and loses it in time.
fn slow_reader_loses_its_slot(address: SocketAddr, path: &str) {
    let mut slow = TcpStream::connect(address).unwrap();
    write!(slow, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut chunk = [0u8; 4096];
    assert!(slow.read(&mut chunk).unwrap() > 0, "no answer began");
    // 4 KiB every 20 ms (200 KiB/s) until told to stop: far below the 4 MiB/s asked for.
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut taken = 0;
            while !stop.load(Ordering::SeqCst) {
                match slow.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => taken += n,
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            taken
        })
    };
    assert!(
        get(address, "/").starts_with("HTTP/1.1 503"),
        "{path}: the slow reader did not hold the one slot"
    );
    let freed = answers_within(address, "HTTP/1.1 200");
    stop.store(true, Ordering::SeqCst);
    let taken = reader.join().unwrap();
    assert!(
        freed,
        "{path}: the slow reader kept its slot (it took {taken} bytes)"
    );
}

#[test]
fn turning_away_silent_clients_does_not_delay_the_next_503() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    let limits = Limits {
        head: Duration::from_secs(5),
        ..quick(2)
    };
    let address = site_with(dir.path(), limits);
    let _held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(address).unwrap())
        .collect();
    assert!(
        answers_within(address, "HTTP/1.1 503"),
        "a full site still answered"
    );
    // Connected, beyond the cap, and never sending a byte.
    let _silent: Vec<TcpStream> = (0..120)
        .map(|_| TcpStream::connect(address).unwrap())
        .collect();
    let started = Instant::now();
    let answer = get(address, "/");
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        took < Duration::from_millis(500),
        "the 503 came after {took:?}"
    );
}
