//! HTTP as clients other than a browser speak it too (RFC 9110/9112), and answers no client
//! loses: the data mount's errors readable by any page, revalidation (`304`), and no answer
//! reset because the client sent bytes the server did not read.

use super::*;

/// The answer's head and how many body bytes followed it, the connection closed after it.
fn head_and_body_len(stream: &mut TcpStream) -> std::io::Result<(String, usize)> {
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(answer.len(), |at| at + 4);
    Ok((
        String::from_utf8_lossy(&answer[..end]).into_owned(),
        answer.len() - end,
    ))
}

/// A page elsewhere (`?data=`) must see a missing file's status, not a CORS failure.
#[test]
fn every_answer_of_the_data_mount_says_any_page_may_read_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    let address = site_on(dir.path(), 8, Duration::from_secs(5));
    for (request, status) in [
        ("GET /data/batches.meta.txt HTTP/1.1\r\n\r\n", "404"),
        ("HEAD /data/test_batch.bin HTTP/1.1\r\n\r\n", "404"),
        ("POST /data/test_batch.bin HTTP/1.1\r\n\r\n", "405"),
    ] {
        let answer = ask(address, request);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{answer}"
        );
        assert!(
            answer.contains("Access-Control-Allow-Origin: *\r\n"),
            "{request}: {answer}"
        );
    }
    // The app's own answers stay its own.
    let app = ask(address, "GET /missing.js HTTP/1.1\r\n\r\n");
    assert!(!app.contains("Access-Control-Allow-Origin"), "{app}");
}

/// A reload asks again (`no-cache`), and an unchanged file is not sent again: `304`.
#[test]
fn an_unchanged_file_is_answered_304() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.wasm"), vec![7u8; 1000]).unwrap();
    let address = site_on(dir.path(), 8, Duration::from_secs(5));
    let first = get(address, "/app.wasm");
    let header = |answer: &str, name: &str| {
        answer
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no {name} in {answer}"))
    };
    let etag = header(&first, "Etag");
    let modified = header(&first, "Last-Modified");
    for condition in [
        format!("If-None-Match: {etag}"),
        format!("If-None-Match: \"other\", W/{etag}"),
        format!("If-Modified-Since: {modified}"),
    ] {
        let again = ask(
            address,
            &format!("GET /app.wasm HTTP/1.1\r\n{condition}\r\n\r\n"),
        );
        assert!(again.starts_with("HTTP/1.1 304"), "{condition}: {again}");
        assert!(again.ends_with("\r\n\r\n"), "a 304 has no body: {again}");
        assert!(again.contains(&format!("Etag: {etag}")), "{again}");
    }
    // Another version: the whole file again.
    let stale = ask(
        address,
        "GET /app.wasm HTTP/1.1\r\nIf-None-Match: \"stale\"\r\n\r\n",
    );
    assert!(stale.starts_with("HTTP/1.1 200"), "{stale}");
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(dir.path().join("app.wasm"), vec![8u8; 1001]).unwrap();
    let rebuilt = ask(
        address,
        &format!("GET /app.wasm HTTP/1.1\r\nIf-None-Match: {etag}\r\n\r\n"),
    );
    assert!(rebuilt.starts_with("HTTP/1.1 200"), "{rebuilt}");
    assert_ne!(header(&rebuilt, "Etag"), etag);
    // Files held in memory (the archive's batches) have a version too.
    let files = HashMap::from([("test_batch.bin".to_string(), vec![1u8; 100])]);
    let address = Site::new()
        .mount_data("/data/", Content::Files(Arc::new(files)))
        .spawn_local()
        .unwrap();
    let batch = get(address, "/data/test_batch.bin");
    let etag = header(&batch, "Etag");
    let again = ask(
        address,
        &format!("GET /data/test_batch.bin HTTP/1.1\r\nIf-None-Match: {etag}\r\n\r\n"),
    );
    assert!(again.starts_with("HTTP/1.1 304"), "{again}");
    assert!(again.contains("Access-Control-Allow-Origin: *"), "{again}");
}

/// RFC 9112, 3.2.2: a server must accept a request target in absolute form. A `HEAD` says
/// what a `GET` would (its `Content-Length` too). Many headers are `431`, as a long head is.
#[test]
fn absolute_form_head_lengths_and_too_many_headers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    let address = site_on(dir.path(), 8, Duration::from_secs(5));
    let absolute = ask(
        address,
        &format!("GET http://{address}/index.html HTTP/1.1\r\nHost: {address}\r\n\r\n"),
    );
    assert!(absolute.starts_with("HTTP/1.1 200"), "{absolute}");
    assert!(absolute.ends_with("\r\n\r\nhello"), "{absolute}");
    let length = |answer: &str| {
        answer
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map(str::to_string)
    };
    let got = ask(address, "GET /missing HTTP/1.1\r\n\r\n");
    let head = ask(address, "HEAD /missing HTTP/1.1\r\n\r\n");
    assert!(
        head.starts_with("HTTP/1.1 404") && head.ends_with("\r\n\r\n"),
        "{head}"
    );
    assert_eq!(length(&head), length(&got), "HEAD: {head}\nGET: {got}");
    assert!(length(&got).is_some_and(|l| l != "0"), "{got}");
    // 40 headers are fine (a browser behind a proxy sends 20 or so); 150 are too many.
    let headers = |n: usize| {
        (0..n)
            .map(|i| format!("X-H{i}: {i}\r\n"))
            .collect::<String>()
    };
    let forty = ask(address, &format!("GET / HTTP/1.1\r\n{}\r\n", headers(40)));
    assert!(forty.starts_with("HTTP/1.1 200"), "{forty}");
    let many = ask(address, &format!("GET / HTTP/1.1\r\n{}\r\n", headers(150)));
    assert!(many.starts_with("HTTP/1.1 431"), "{many}");
}

/// Bytes the server does not read (a body on a `GET`, the rest of a head too large, a body
/// on a refused method) must not reset the connection: a reset drops what of the answer the
/// client had not yet taken.
#[test]
fn unread_request_bytes_do_not_cut_an_answer_short() {
    let dir = tempfile::tempdir().unwrap();
    let size = 8 << 20;
    std::fs::write(dir.path().join("big.bin"), vec![5u8; size]).unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    let address = site_on(dir.path(), 8, Duration::from_secs(5));
    let body = "x".repeat(2048);
    for request in [
        format!("GET /big.bin HTTP/1.1\r\nContent-Length: 2048\r\nConnection: close\r\n\r\n{body}"),
        format!(
            "POST /big.bin HTTP/1.1\r\nContent-Length: 2048\r\nConnection: close\r\n\r\n{body}"
        ),
        format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_HEAD + 4096)),
    ] {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        // Taken slowly at first, so that the server is done writing long before the client
        // is done reading.
        std::thread::sleep(Duration::from_millis(300));
        let (head, got) =
            head_and_body_len(&mut stream).unwrap_or_else(|e| panic!("{}: {e}", &request[..20]));
        let said: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        assert_eq!(got, said, "{}…: {head}", &request[..20]);
        if request.starts_with("GET /big") {
            assert_eq!(got, size);
        }
    }
}

/// A browser keeps its connection for the next request.
#[test]
fn a_connection_serves_request_after_request() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    let address = site_on(dir.path(), 8, Duration::from_secs(5));
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    for _ in 0..3 {
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut answer = vec![0u8; 4096];
        let mut got = 0;
        while !answer[..got].ends_with(b"hello") {
            let n = stream.read(&mut answer[got..]).unwrap();
            assert!(
                n > 0,
                "closed after {}",
                String::from_utf8_lossy(&answer[..got])
            );
            got += n;
        }
        assert!(answer.starts_with(b"HTTP/1.1 200"));
    }
}
