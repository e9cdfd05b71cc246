//! The `cifar-lab-serve` binary that `scripts/run` starts: it serves a build with its
//! headers, and refuses a folder that is no build in words.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_cifar-lab-serve");

#[test]
fn it_serves_a_build_under_its_base() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    let mut server = Command::new(BINARY)
        .args(["--port", "0", "--base", "/cifar-lab/", "--dist"])
        .arg(dist.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Kept open until the server is stopped: it prints a second line.
    let mut said = BufReader::new(server.stdout.take().unwrap());
    let mut first = String::new();
    said.read_line(&mut first).unwrap();
    // "Serving the app at http://127.0.0.1:PORT/cifar-lab/ (Ctrl-C stops)"
    let address = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "GET /cifar-lab/ HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    drop(said);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("Content-Security-Policy: default-src 'self'"),
        "{answer}"
    );
    assert!(answer.ends_with("<title>app</title>"), "{answer}");
}

#[test]
fn a_folder_without_a_build_is_refused_in_words() {
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .args(["--port", "0", "--dist"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("no index.html here: build the app first (trunk build --release)"),
        "{said}"
    );
}
