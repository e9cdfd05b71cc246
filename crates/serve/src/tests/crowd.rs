//! Many connections at once: a crowd of idle ones does not lock anyone out, and one client
//! (one IP address) cannot take more than its share.

use std::net::{IpAddr, Ipv4Addr};

use super::*;

/// A connection to `address` from the loopback address `127.0.0.<from>` (every 127/8
/// address is this machine's: a client of its own to the server).
fn connect_from(from: u8, address: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    let local = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, from)), 0);
    socket.bind(&local.into())?;
    socket.connect(&address.into())?;
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    Ok(stream)
}

/// `GET /` from `127.0.0.<from>`: the status line and how long the answer took.
fn get_from(from: u8, address: SocketAddr) -> (String, Duration) {
    let started = std::time::Instant::now();
    let mut stream = connect_from(from, address).unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    (
        answer.lines().next().unwrap_or("").to_string(),
        started.elapsed(),
    )
}

/// Round one's promise, with the defaults: 300 idle connections (from 30 clients) and a
/// fresh `GET` is answered at once (before: `503`, all 64 places taken).
#[test]
fn a_crowd_of_idle_connections_locks_no_one_out() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    let address = Site::new()
        .mount("/", Content::Dir(dir.path().into()))
        .spawn_local()
        .unwrap();
    let idle: Vec<TcpStream> = (0..300)
        .map(|i| connect_from(10 + (i % 30) as u8, address).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let (status, took) = get_from(2, address);
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    assert!(took < Duration::from_secs(1), "answered after {took:?}");
    drop(idle);
}

/// One client holding as many connections as it can gets its share (`per_client`), its
/// next ones `503`; everyone else is still answered.
#[test]
fn one_client_cannot_take_more_than_its_share() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    let limits = Limits {
        connections: 40,
        per_client: 8,
        ..Limits::default()
    };
    let address = site_with(dir.path(), limits);
    let hog: Vec<TcpStream> = (0..8).map(|_| connect_from(3, address).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let (status, _) = get_from(3, address);
    assert!(
        status.starts_with("HTTP/1.1 503"),
        "the hog's ninth: {status}"
    );
    for other in [4, 5, 6] {
        let (status, _) = get_from(other, address);
        assert!(
            status.starts_with("HTTP/1.1 200"),
            "127.0.0.{other}: {status}"
        );
    }
    drop(hog);
    assert!(
        (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(20));
            get_from(3, address).0.starts_with("HTTP/1.1 200")
        }),
        "the hog's places were not given back"
    );
}

/// The connections a server holds are what its open files allow once answers (a file each)
/// and closing connections have theirs; a small limit still holds some of each.
#[test]
fn capacity_follows_the_open_files_limit() {
    let large = Limits::for_open_files(20_000);
    assert_eq!(
        (large.connections, large.answers, large.closing),
        (17_888, 1024, 1024)
    );
    let small = Limits::for_open_files(1024);
    assert_eq!(
        (small.connections, small.answers, small.closing),
        (480, 240, 240)
    );
    assert_eq!(
        small.connections + small.answers + small.closing + 64,
        1024,
        "every open file counted once"
    );
    let none = Limits::for_open_files(0);
    assert!(none.connections >= 1 && none.answers >= 1);
}
