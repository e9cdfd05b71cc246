//! The `cifar-lab-serve` binary run as a child process, for the tests that check it as
//! `scripts/run` starts it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

pub const BINARY: &str = env!("CARGO_BIN_EXE_cifar-lab-serve");

/// A running server on a free port, stopped when dropped.
pub struct Server {
    pub child: Child,
    /// `127.0.0.1:PORT`
    pub address: String,
    /// The URL it said it serves the app at.
    pub url: String,
    /// What it said on its second line: how many connections it holds.
    pub capacity: String,
    /// Kept open until the server is stopped: it prints more than the first line.
    _said: BufReader<ChildStdout>,
}

impl Server {
    /// `cifar-lab-serve --port 0 --dist DIST` with `args` after.
    pub fn start(dist: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(BINARY)
            .args(["--port", "0", "--dist"])
            .arg(dist)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut said = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        said.read_line(&mut first).unwrap();
        // "Serving the app at http://127.0.0.1:PORT/cifar-lab/ (Ctrl-C stops)"
        let address = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_string();
        let url = first
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_default()
            .to_string();
        let mut capacity = String::new();
        said.read_line(&mut capacity).unwrap();
        Self {
            child,
            address,
            url,
            capacity,
            _said: said,
        }
    }

    /// The whole answer to `GET path` (failing after 10 s rather than hanging).
    pub fn get(&self, path: &str) -> String {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address
        )
        .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
