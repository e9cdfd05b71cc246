//! When the page tries a download again. A busy server (`503`, or `429`, or a proxy's `502` or
//! `504` in front of one) is asked again with growing waits, or after its `Retry-After`, for
//! up to [`BUSY_FOR_SECONDS`]: a classroom pressing Load at once must not fail because the
//! server answered some of its requests later. A request that got no answer at all (the
//! connection dropped or was refused) is tried a few times only, since the browser reports a
//! server on another origin that does not allow the page (CORS) the same way, and that keeps
//! its own words. Anything else (`404`, a damaged file) is final at once.

/// How long a busy server is waited for, in all, before the load fails.
pub const BUSY_FOR_SECONDS: f64 = 120.0;
/// Tries after a request that got no answer.
pub const UNANSWERED_TRIES: u32 = 3;
/// The first wait; each next one doubles, up to [`LONGEST_WAIT_SECONDS`].
const FIRST_WAIT_SECONDS: f64 = 1.0;
const LONGEST_WAIT_SECONDS: f64 = 8.0;

/// Why a try failed, as far as trying again is concerned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Failure {
    /// The server answered that it is busy; `retry_after` is its `Retry-After`, in seconds.
    Busy { retry_after: Option<f64> },
    /// No answer at all: a dropped or refused connection (or a CORS refusal).
    Unanswered,
}

/// Whether an HTTP status says "busy, ask again later".
pub fn is_busy(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

/// `Retry-After` in seconds; its date form counts as absent (the wait then grows as usual).
pub fn retry_after(header: Option<&str>) -> Option<f64> {
    header?.trim().parse::<u32>().ok().map(f64::from)
}

/// The waits of one download.
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    tries: u32,
    unanswered: u32,
    waited: f64,
}

impl Backoff {
    pub fn new() -> Self {
        Self::default()
    }

    /// Seconds to wait before trying again after `failure`, or `None` to give up. `jitter`
    /// (0 to 1, random) spreads the clients of a classroom apart so that they do not all ask
    /// again at the same moment.
    pub fn next(&mut self, failure: Failure, jitter: f64) -> Option<f64> {
        let grown = FIRST_WAIT_SECONDS * 2f64.powi(self.tries.min(16) as i32);
        let spread = grown.min(LONGEST_WAIT_SECONDS) * (0.5 + 0.5 * jitter.clamp(0.0, 1.0));
        let wait = match failure {
            Failure::Busy { retry_after } => {
                retry_after.map_or(spread, |asked| asked.clamp(0.0, LONGEST_WAIT_SECONDS))
            }
            Failure::Unanswered => {
                self.unanswered += 1;
                if self.unanswered > UNANSWERED_TRIES {
                    return None;
                }
                spread
            }
        };
        if self.waited + wait > BUSY_FOR_SECONDS {
            return None;
        }
        self.tries += 1;
        self.waited += wait;
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_server_is_asked_again_with_growing_waits_for_two_minutes() {
        let mut backoff = Backoff::new();
        let busy = Failure::Busy { retry_after: None };
        let waits: Vec<f64> = std::iter::from_fn(|| backoff.next(busy, 1.0)).collect();
        assert_eq!(waits[..5], [1.0, 2.0, 4.0, 8.0, 8.0]);
        let total: f64 = waits.iter().sum();
        assert!(
            total <= BUSY_FOR_SECONDS && total > BUSY_FOR_SECONDS - 8.0,
            "{total}"
        );
        // Spread over half to all of each wait.
        let mut spread = Backoff::new();
        assert_eq!(spread.next(busy, 0.0), Some(0.5));
        assert_eq!(spread.next(busy, 0.5), Some(1.5));
    }

    #[test]
    fn retry_after_is_heeded_within_reason() {
        let mut backoff = Backoff::new();
        let asked = |seconds| Failure::Busy {
            retry_after: Some(seconds),
        };
        assert_eq!(backoff.next(asked(3.0), 1.0), Some(3.0));
        assert_eq!(backoff.next(asked(3600.0), 1.0), Some(LONGEST_WAIT_SECONDS));
        assert_eq!(retry_after(Some(" 5 ")), Some(5.0));
        assert_eq!(retry_after(Some("Fri, 04 Dec 2026 10:00:00 GMT")), None);
        assert_eq!(retry_after(None), None);
    }

    #[test]
    fn an_unanswered_request_is_tried_a_few_times_only() {
        let mut backoff = Backoff::new();
        let tries = std::iter::from_fn(|| backoff.next(Failure::Unanswered, 1.0)).count();
        assert_eq!(tries, UNANSWERED_TRIES as usize);
    }

    #[test]
    fn only_busy_statuses_are_asked_again() {
        for status in [429, 502, 503, 504] {
            assert!(is_busy(status), "{status}");
        }
        for status in [200, 400, 403, 404, 416, 500] {
            assert!(!is_busy(status), "{status}");
        }
    }
}
