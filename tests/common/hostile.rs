//! A server that misbehaves on purpose, on its own port (so another origin than the app):
//! `/lying/…` claims a body far larger than any batch, `/stalling/…` sends its headers and
//! then nothing. Both allow any origin, so the browser gets as far as their bodies.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

fn answer(stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    let _ = reader.read_line(&mut request_line);
    let mut header = String::new();
    while reader.read_line(&mut header).unwrap_or(0) > 2 {
        header.clear();
    }
    let mut out = stream;
    let head = |length: u64| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {length}\r\nAccess-Control-Allow-Origin: *\r\n\r\n"
        )
    };
    if request_line.contains("/lying/") {
        let _ = out.write_all(head(4_000_000_000).as_bytes());
        let _ = out.write_all(&[0u8; 4096]);
    } else if request_line.contains("/stalling/") {
        let _ = out.write_all(head(30_730_000).as_bytes());
        let _ = out.flush();
        std::thread::sleep(Duration::from_secs(120));
    }
}

/// Starts the server; returns its base URL (`http://127.0.0.1:PORT/`).
pub fn start() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    format!("http://{address}/")
}
