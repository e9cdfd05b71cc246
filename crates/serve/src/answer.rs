//! Answering one connection: its request head within the head's deadline, then the answer at
//! the answer's pace (see `limits.rs`).

use std::io::{Read, Seek, SeekFrom, Write};
use std::net::TcpStream;

use super::files::Body;
use super::http::{Headers, RangeAnswer, byte_range, read_head, respond, write_head};
use super::limits::Timed;
use super::{Site, percent_decode};

/// The most of a file read into memory at once for one connection.
pub const CHUNK: usize = 64 * 1024;

impl Site {
    pub(super) fn answer(&self, stream: &TcpStream) -> std::io::Result<()> {
        let limits = &self.limits;
        let head = read_head(&mut Timed::within(stream, limits.head));
        // The answer's pace counts from here.
        let mut out = Timed::paced(stream, *limits);
        let head = match head {
            Ok(head) => head,
            Err(error) => return respond(&mut out, error.status(), &Headers::text(), None),
        };
        let mut storage = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut storage);
        if !matches!(request.parse(&head), Ok(httparse::Status::Complete(_))) {
            return respond(&mut out, 400, &Headers::text(), Some(b"bad request\n"));
        }
        let method = request.method.unwrap_or("");
        if method != "GET" && method != "HEAD" {
            let mut headers = Headers::text();
            headers.extra.push("Allow: GET, HEAD".into());
            return respond(&mut out, 405, &headers, Some(b"only GET and HEAD\n"));
        }
        let target = request.path.unwrap_or("/");
        let path = target.split(['?', '#']).next().unwrap_or("/");
        let range = request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("range"))
            .and_then(|h| std::str::from_utf8(h.value).ok());
        let with_body = method == "GET";
        let Some(found) = self.lookup(&percent_decode(path)) else {
            let body: &[u8] = b"not found\n";
            return respond(&mut out, 404, &Headers::text(), with_body.then_some(body));
        };
        let mut headers = Headers {
            content_type: found.content_type,
            shared: found.shared,
            extra: Vec::new(),
        };
        let whole = found.len;
        let (status, start, len) = match range.map_or(RangeAnswer::Whole, |r| byte_range(r, whole))
        {
            RangeAnswer::Whole => (200, 0, whole),
            RangeAnswer::Part { start, end } => {
                headers
                    .extra
                    .push(format!("Content-Range: bytes {start}-{end}/{whole}"));
                (206, start, end - start + 1)
            }
            RangeAnswer::Unsatisfiable => {
                headers
                    .extra
                    .push(format!("Content-Range: bytes */{whole}"));
                return respond(&mut out, 416, &headers, None);
            }
        };
        write_head(&mut out, status, &headers, len)?;
        if with_body {
            send_body(&mut out, found.body, start, len)?;
        }
        out.flush()
    }
}

/// `len` bytes of `body` from `start`: a file a chunk at a time, so that a connection costs at
/// most one chunk of memory (each write waits no longer than the answer's pace allows).
fn send_body(out: &mut impl Write, body: Body, start: u64, len: u64) -> std::io::Result<()> {
    match body {
        Body::File(mut file) => {
            file.seek(SeekFrom::Start(start))?;
            let mut chunk = vec![0u8; CHUNK.min(len as usize)];
            let mut left = len;
            while left > 0 {
                let want = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                let n = file.read(&mut chunk[..want])?;
                if n == 0 {
                    // The file shrank since its length was sent: the client sees a short body.
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                out.write_all(&chunk[..n])?;
                left -= n as u64;
            }
            Ok(())
        }
        // A chunk at a time too: each write then waits only for its own share of the pace
        // (one write of the whole batch could take the whole answer's time).
        Body::Bytes(files, name) => files[&name][start as usize..(start + len) as usize]
            .chunks(CHUNK)
            .try_for_each(|chunk| out.write_all(chunk)),
    }
}
