//! The browser console as the end-to-end test reads it: Chromium's log through chromedriver
//! (`goog:loggingPrefs`), which has what no script in the page can catch: refused inline
//! styles and other policy violations, and resources that failed to load.

use fantoccini::Client;
use fantoccini::wd::WebDriverCompatibleCommand;

/// chromedriver's log command (`POST /session/{id}/se/log`), which W3C WebDriver lacks.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// The console's errors since the last call (reading the log empties it).
pub async fn errors(client: &Client) -> Vec<String> {
    let log = client
        .issue_cmd(BrowserLog)
        .await
        .expect("chromedriver's browser log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["level"] == "SEVERE")
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Fails on any console error since the last call but those `expected` allows (a step that
/// provokes a 404 on purpose expects that one).
pub async fn assert_clean(client: &Client, step: &str, expected: impl Fn(&str) -> bool) {
    let (allowed, unexpected): (Vec<String>, Vec<String>) = errors(client)
        .await
        .into_iter()
        .partition(|message| expected(message));
    println!(
        "console during {step}: {} expected errors, {} others",
        allowed.len(),
        unexpected.len()
    );
    assert!(
        unexpected.is_empty(),
        "console errors during {step}:\n{}",
        unexpected.join("\n")
    );
}
