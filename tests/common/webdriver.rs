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

/// A new session on the WebDriver server at `port`, asked again for a few seconds while the
/// connection itself fails: WebKitWebDriver once reset the first request right after it was
/// found listening. A request that reached the server is never sent twice.
async fn session(caps: serde_json::Map<String, Value>, port: u16, browser: &str) -> Client {
    let started = Instant::now();
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            Err(fantoccini::error::NewSessionError::FailedC(e))
                if e.is_connect() && started.elapsed() < Duration::from_secs(10) =>
            {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => panic!("a WebDriver session with {browser}: {e:?}"),
        }
    }
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
    session(caps, port, "headless Firefox").await
}

pub async fn webkit_driver() -> (Driver, u16) {
    let install = "apt-get install webkit2gtk-driver, as scripts/test does";
    let port = |port| vec![format!("--port={port}")];
    webdriver("WEBKIT_WEBDRIVER", "WebKitWebDriver", port, install).await
}

/// WebKitGTK's MiniBrowser (Debian's `webkit2gtk-driver`), Safari's engine, in the X server
/// of `$DISPLAY` (`xvfb-run` gives one).
pub async fn webkit(port: u16) -> Client {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "WebKitGTK needs an X server: run the test under xvfb-run (scripts/test does)"
    );
    let binary = std::env::var("MINIBROWSER")
        .unwrap_or_else(|_| "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser".to_string());
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("MiniBrowser"));
    caps.insert(
        "webkitgtk:browserOptions".into(),
        json!({ "binary": binary, "args": ["--automation"] }),
    );
    session(caps, port, "WebKitGTK's MiniBrowser").await
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
    // The console's errors, for tests/e2e/console.rs.
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let client = session(caps, port, "headless Chromium").await;
    // Downloads through DevTools: Chromium holds a file type it rates risky (model.py, as
    // every .py) for the user to confirm, which no one does here.
    let command = json!({
        "cmd": "Browser.setDownloadBehavior",
        "params": { "behavior": "allow", "downloadPath": downloads.to_str().unwrap() },
    });
    client
        .issue_cmd(Cdp(command))
        .await
        .expect("Chromium's download behaviour");
    client
}

/// A Chrome DevTools Protocol command through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

/// Chromium shows the page as a `width`×`height` CSS-pixel screen at `ratio` device pixels
/// per CSS pixel (a Retina screen is 2), from now on, the page staying open.
pub async fn emulate_screen(client: &Client, width: u32, height: u32, ratio: f64) {
    let command = json!({
        "cmd": "Emulation.setDeviceMetricsOverride",
        "params": { "width": width, "height": height, "deviceScaleFactor": ratio, "mobile": false },
    });
    client
        .issue_cmd(Cdp(command))
        .await
        .expect("Chromium's device metrics");
}

/// Sizes the window so that its viewport is `width`×`height` CSS pixels.
pub async fn viewport(client: &Client, width: u32, height: u32) {
    client.set_window_size(width, height).await.unwrap();
    let inner = client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .unwrap();
    let (w, h) = (
        inner[0].as_u64().unwrap() as u32,
        inner[1].as_u64().unwrap() as u32,
    );
    if (w, h) != (width, height) {
        let outer = (
            width + width.saturating_sub(w),
            height + height.saturating_sub(h),
        );
        client.set_window_size(outer.0, outer.1).await.unwrap();
    }
}

/// The page's charts, by element id.
pub const CHARTS: [&str; 5] = [
    "acc-canvas",
    "loss-canvas",
    "matrix-canvas",
    "confidence-canvas",
    "diff-canvas",
];

/// A JS expression: each chart as `[id, bitmap width, height, content box width × ratio,
/// height × ratio]` when every bitmap is its box times `devicePixelRatio` (±1 px), else false.
pub fn charts_fitted() -> String {
    format!(
        "(() => {{
           const ratio = window.devicePixelRatio;
           const sizes = {CHARTS:?}.map(id => {{
             const c = document.getElementById(id);
             const r = c.getBoundingClientRect();
             const w = (r.width - (c.offsetWidth - c.clientWidth)) * ratio;
             const h = (r.height - (c.offsetHeight - c.clientHeight)) * ratio;
             return [id, c.width, c.height, w, h];
           }});
           return sizes.every(([, bw, bh, w, h]) => Math.abs(bw - w) <= 1 && Math.abs(bh - h) <= 1)
             && sizes;
         }})()"
    )
}

/// Waits (10 s at most) for every chart to be drawn for its box; returns their sizes.
pub async fn charts_fit_their_boxes(client: &Client, what: &str) -> Value {
    let what = format!("the charts to fit their boxes ({what})");
    let sizes = wait_for(client, &what, &charts_fitted(), 10).await;
    println!("{what}: {sizes}");
    sizes
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

/// The text of element `id`, shown or not (WebDriver's text is only what is shown).
pub async fn content(client: &Client, id: &str) -> String {
    let script = format!("return document.getElementById('{id}').textContent;");
    let value = client.execute(&script, vec![]).await.unwrap();
    value.as_str().unwrap_or_default().to_string()
}

/// The window as it is now, saved as `<screenshots>/<name>.png`.
pub async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
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

/// The share of a canvas's pixels that are inked (not white): a chart is drawn for its box,
/// so its pixel count depends on the window.
pub async fn inked_share(client: &Client, id: &str) -> f64 {
    let size = client
        .execute(
            &format!("const c = document.getElementById('{id}'); return c.width * c.height;"),
            vec![],
        )
        .await
        .unwrap();
    inked(client, id).await as f64 / size.as_f64().unwrap().max(1.0)
}

/// The curves and the matrix of a finished run are drawn: each with as much ink as the fixed
/// 560×380 charts needed (3,000 pixels), as a share of its bitmap, which follows its box.
pub async fn assert_charts_drawn(client: &Client) {
    for canvas in ["acc-canvas", "loss-canvas", "matrix-canvas"] {
        let ink = inked_share(client, canvas).await;
        assert!(
            ink > 0.014,
            "{canvas} inked {:.1} % of its pixels",
            ink * 100.0
        );
    }
}

/// The CPU module's two builds (www/cpu-module.js): with relaxed SIMD, and without.
pub const RELAXED_MODULE: &str = "cifar-lab-web-relaxed_bg.wasm";
pub const BASELINE_MODULE: &str = "cifar-lab-web_bg.wasm";

/// The WebAssembly files the page itself fetched, by name, in order (a worker's fetches are
/// its own: www/worker.js picks its module as the page did).
pub async fn wasm_fetched(client: &Client) -> Vec<String> {
    let names = client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name)
                .filter(n => n.endsWith('.wasm')).map(n => n.split('/').pop());",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(names).unwrap()
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
