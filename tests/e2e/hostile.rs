//! Servers that misbehave: a batch claimed at 4 GB, a download that stalls.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use super::data_errors::open_other_sites_link;
use super::*;

/// A server that claims 4 GB for a batch is refused before its body is read; one that
/// stops sending is abandoned when Stop is pressed, or after 30 s without a byte.
/// Returns the hostile server's address.
pub(crate) async fn hostile_servers_are_bounded(client: &Client, url: &str) -> String {
    let hostile = start();
    let error = &shown("data-error");
    open_other_sites_link(client, &format!("{url}?data={hostile}lying/")).await;
    click(client, "load-url").await;
    let message = wait_for(client, "the oversized-batch message", error, 60).await;
    let message = message.as_str().unwrap();
    assert!(
        message.contains("larger than the 30730000 bytes"),
        "{message}"
    );

    open_other_sites_link(client, &format!("{url}?data={hostile}stalling/")).await;
    click(client, "load-url").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    click(client, "stop").await;
    let message = wait_for(client, "the stopped load", error, 30).await;
    let message = message.as_str().unwrap();
    assert!(message.starts_with("loading stopped"), "{message}");

    // Left alone, the stalled download is given up after 30 s without a byte.
    click(client, "load-url").await;
    let message = wait_for(client, "the idle timeout", error, 90).await;
    let message = message.as_str().unwrap();
    assert!(message.contains("nothing arrived for 30 s"), "{message}");
    hostile
}

// A server that misbehaves on purpose, on its own port (so another origin than the app):
// `/lying/…` claims a body far larger than any batch, `/stalling/…` sends its headers and
// then nothing. Both allow any origin, so the browser gets as far as their bodies.

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
