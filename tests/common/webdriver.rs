//! Driving the app's release build over WebDriver, in headless Chromium (Debian's
//! chromedriver) or headless Firefox ESR (geckodriver): shared by the end-to-end tests and the
//! page benchmark, each of which includes this file as `mod webdriver`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::collections::HashMap;
use std::sync::Arc;

use cifar_lab::serve::{Content, Site};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// Where the page lives on the test server.
pub const BASE: &str = "/cifar-lab/";

pub fn dist() -> PathBuf {
    let dist = std::env::var_os("CIFAR_LAB_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("dist"));
    assert!(
        dist.join("index.html").is_file() && dist.join("cifar-lab-web_bg.wasm").is_file(),
        "no app build in {}: build it with `trunk build --release --public-url {BASE}` \
         (scripts/test does) or set CIFAR_LAB_DIST",
        dist.display()
    );
    dist
}

pub fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub struct Driver(std::process::Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

/// Starts a WebDriver server (`binary`, or the program `variable` names) on a free port;
/// `port_arg` says how it takes its port.
async fn webdriver(
    variable: &str,
    binary: &str,
    port_arg: fn(u16) -> Vec<String>,
    install: &str,
) -> (Driver, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let binary = std::env::var(variable).unwrap_or_else(|_| binary.into());
    let child = std::process::Command::new(&binary)
        .args(port_arg(port))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {binary} ({install}): {e}"));
    let driver = Driver(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{binary} did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (driver, port)
}

pub async fn chromedriver() -> (Driver, u16) {
    let port = |port| vec![format!("--port={port}")];
    webdriver(
        "CHROMEDRIVER",
        "chromedriver",
        port,
        "apt-get install chromium-driver",
    )
    .await
}

pub async fn geckodriver() -> (Driver, u16) {
    let install = "cargo install geckodriver, as scripts/test does";
    let port = |port: u16| vec!["--port".to_string(), port.to_string()];
    webdriver("GECKODRIVER", "geckodriver", port, install).await
}

/// Headless Firefox ESR (Debian's `firefox-esr`): no WebGPU, so the page trains on the CPU.
pub async fn firefox(port: u16, downloads: &Path) -> Client {
    let mut options = json!({
        "args": ["-headless", "-width=1366", "-height=900"],
        "prefs": {
            "browser.download.dir": downloads.to_str().unwrap(),
            "browser.download.folderList": 2,
            "browser.download.useDownloadDir": true,
        },
    });
    if Path::new("/usr/bin/firefox-esr").exists() {
        options["binary"] = json!("/usr/bin/firefox-esr");
    }
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("firefox"));
    caps.insert("moz:firefoxOptions".into(), options);
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with headless Firefox")
}

pub async fn browser(port: u16, downloads: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    let mut options = json!({ "args": [
        "--headless=new", "--no-sandbox", "--enable-unsafe-webgpu", "--window-size=1280,2200",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-dev-shm-usage",
    ]});
    options["prefs"] = json!({
        "download.default_directory": downloads.to_str().unwrap(),
        "download.prompt_for_download": false,
    });
    if Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    caps.insert("goog:chromeOptions".into(), options);
    // The console's errors, for tests/common/console.rs.
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with headless Chromium")
}

/// Runs `script` (a JS expression) until it is truthy; returns its value.
pub async fn wait_for(client: &Client, what: &str, script: &str, seconds: u64) -> Value {
    let started = Instant::now();
    loop {
        let value = client
            .execute(&format!("return {script};"), vec![])
            .await
            .unwrap();
        let truthy = match &value {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::String(s) => !s.is_empty(),
            Value::Number(n) => n.as_f64() != Some(0.0),
            _ => true,
        };
        if truthy {
            return value;
        }
        if started.elapsed() > Duration::from_secs(seconds) {
            let status = page_state(client).await;
            panic!("timed out after {seconds} s waiting for {what}; page: {status}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits until Train can be pressed: data loaded, WebGPU answered, no run going.
pub async fn train_enabled(client: &Client, what: &str, seconds: u64) {
    let script = "!document.getElementById('train').disabled";
    wait_for(client, what, script, seconds).await;
}

pub async fn page_state(client: &Client) -> Value {
    let ids = [
        "fatal",
        "data-status",
        "data-error",
        "run-status",
        "run-error",
        "progress-line",
        "adapter",
        "selfcheck",
        "estimate",
    ];
    // And the form's fields that the browser finds invalid (they block Train silently).
    let script = format!(
        "return Object.fromEntries({ids:?}.map(id => [id, document.getElementById(id)?.textContent])\
         .concat([['invalid', [...document.querySelectorAll('#train-form :invalid')].map(e => e.id).join(' ')], \
         ['train-disabled', document.getElementById('train')?.disabled]]));"
    );
    client.execute(&script, vec![]).await.unwrap_or(Value::Null)
}

pub async fn text(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

pub async fn choose(client: &Client, id: &str, value: &str) {
    let select = client.find(Locator::Id(id)).await.unwrap();
    select.select_by_value(value).await.unwrap();
}

pub async fn fill(client: &Client, id: &str, value: &str) {
    let input = client.find(Locator::Id(id)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(value).await.unwrap();
}

/// Non-white pixels of a canvas.
pub async fn inked(client: &Client, id: &str) -> u64 {
    let script = format!(
        "const c = document.getElementById('{id}');
         const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
         let n = 0;
         for (let i = 0; i < d.length; i += 4) if (d[i+3] > 0 && (d[i] < 200 || d[i+1] < 200 || d[i+2] < 200)) n++;
         return n;"
    );
    client
        .execute(&script, vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

/// Serves the app under [`BASE`] with `files` (a data set in the official layout) where the
/// page looks for its batches; returns the page's URL.
pub fn serve_app(files: Vec<(String, Vec<u8>)>) -> String {
    let files = files.into_iter().collect::<HashMap<_, _>>();
    let address = Site::new()
        .mount(BASE, Content::Dir(dist()))
        .mount_data(
            &format!("{BASE}data/cifar-10-batches-bin/"),
            Content::Files(Arc::new(files)),
        )
        .spawn_local()
        .unwrap();
    format!("http://{address}{BASE}")
}

/// The count in a cell's words, "true cat → predicted dog: 213, 21.3% of cats".
pub fn cell_count(words: &Value) -> usize {
    let words = words.as_str().unwrap();
    let count = words.split(": ").nth(1).and_then(|r| r.split(',').next());
    count
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no count in {words}"))
}

/// The keyboard way to the matrix's first cell: focus the matrix and arrow up and left (from
/// wherever a click left the choice). Returns the canvas, to press Enter on, and the cell's
/// words.
pub async fn first_cell_by_keyboard(client: &Client) -> (Element, Value) {
    let canvas = client.find(Locator::Id("matrix-canvas")).await.unwrap();
    client
        .execute("document.getElementById('matrix-canvas').focus();", vec![])
        .await
        .unwrap();
    for _ in 0..10 {
        canvas.send_keys("\u{E013}\u{E012}").await.unwrap(); // ArrowUp, ArrowLeft
    }
    let script = "(() => { const t = document.getElementById('matrix-cell').textContent; \
                  return t.startsWith('true airplane → predicted airplane') && t; })()";
    let cell = wait_for(client, "the keyboard cell", script, 10).await;
    (canvas, cell)
}
