//! The `cifar-lab-serve` binary that `scripts/run` starts: it serves a build with its
//! headers, offers only the data set's files from `--data`, and refuses a folder that is no
//! build in words.

mod common;

use std::process::Command;

use common::{BINARY, Server};

#[test]
fn it_serves_a_build_under_its_base() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    let server = Server::start(dist.path(), &["--base", "/cifar-lab/"]);
    let answer = server.get("/cifar-lab/");
    // It raised its open-files limit to what the system allows and says what that holds.
    assert!(
        server.capacity.starts_with("Holds ") && server.capacity.contains("open-files limit"),
        "{}",
        server.capacity
    );
    drop(server);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("Content-Security-Policy: default-src 'self'"),
        "{answer}"
    );
    assert!(answer.ends_with("<title>app</title>"), "{answer}");
}

/// `--data` naming a folder without `cifar-10-batches-bin/` inside (a home folder, say): any
/// page may read the data mount, so it offers the batches and nothing else there.
#[test]
fn the_data_folder_offers_only_the_batches() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "app").unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("data_batch_1.bin"), "batch").unwrap();
    std::fs::write(data.path().join("notes.txt"), "private").unwrap();
    let server = Server::start(dist.path(), &["--data", data.path().to_str().unwrap()]);
    let batch = server.get("/data/cifar-10-batches-bin/data_batch_1.bin");
    assert!(batch.starts_with("HTTP/1.1 200"), "{batch}");
    assert!(
        batch.contains("Access-Control-Allow-Origin: *\r\n"),
        "{batch}"
    );
    let notes = server.get("/data/cifar-10-batches-bin/notes.txt");
    assert!(notes.starts_with("HTTP/1.1 404"), "{notes}");
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

/// The URL printed is the one the browser asks for: a space is written `%20`; a `..` (which
/// the browser would resolve to another path than the one served) is refused in words.
#[test]
fn the_base_is_printed_as_the_browser_will_ask_for_it() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "app").unwrap();
    let server = Server::start(dist.path(), &["--base", "x y"]);
    assert!(server.url.ends_with("/x%20y/"), "{}", server.url);
    let answer = server.get("/x%20y/");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(server);
    for base in ["../x y", "/a/./b/", "%2e%2e"] {
        let output = Command::new(BINARY)
            .args(["--port", "0", "--base", base, "--dist"])
            .arg(dist.path())
            .output()
            .unwrap();
        assert!(!output.status.success(), "{base}");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            said.contains("would be resolved by the browser"),
            "{base}: {said}"
        );
    }
}
