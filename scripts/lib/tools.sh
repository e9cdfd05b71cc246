# Installs what the browser app needs to build and be tested, where it is missing: the wasm
# target (rust-toolchain.toml), trunk, wasm-bindgen-cli matching Cargo.lock, wasm-pack, npm's
# binaryen (wasm-opt), Chromium and chromedriver, Firefox ESR and geckodriver, WebKitGTK's
# MiniBrowser and WebKitWebDriver with Xvfb. Sourced by
# scripts/run and scripts/test; everything comes from package registries (crates.io, npm,
# Debian): no binary downloads.

TRUNK_VERSION=0.21.14
GECKODRIVER_VERSION=0.37.1
# scripts/gpu-bench's headless WebGPU (wgpu): the npm registry's Deno build.
DENO_VERSION=2.9.6

# The wasm-bindgen version pinned in Cargo.lock; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock
}

install_rust_tools() {
  if command -v rustup >/dev/null; then
    rustup toolchain install
  fi
  export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
  if ! trunk --version 2>/dev/null | grep -qx "trunk $TRUNK_VERSION"; then
    # Newer trunk releases need a newer rustc than this project's 1.95.
    echo "-- compiling trunk $TRUNK_VERSION from crates.io (once)"
    cargo install trunk --version "$TRUNK_VERSION" --locked
  fi
  local wb
  wb="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wb"; then
    # `--locked` fails for this version (its lock file pins a yanked crate).
    echo "-- compiling wasm-bindgen-cli $wb from crates.io (once)"
    cargo install wasm-bindgen-cli --version "$wb" --force
  fi
}

install_wasm_opt() {
  # Debian's binaryen 108 silently breaks wasm-bindgen 0.2.130's output; npm's 132 does not.
  if [ ! -x node_modules/.bin/wasm-opt ]; then
    if ! command -v npm >/dev/null; then
      apt_install nodejs npm
    fi
    echo "-- installing binaryen's wasm-opt from npm (once)"
    npm ci --no-audit --no-fund
  fi
  export PATH="$PWD/node_modules/.bin:$PATH"
}

# Deno, for scripts/gpu-bench only (not the tests): $DENO afterwards.
install_deno() {
  local dir="${CARGO_TARGET_DIR:-$PWD/target}/tools/deno-$DENO_VERSION"
  if [ ! -x "$dir/package/deno" ]; then
    echo "-- installing Deno $DENO_VERSION from npm (once)"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "@deno/linux-x64-glibc@$DENO_VERSION" >/dev/null \
      && tar xzf deno-linux-x64-glibc-"$DENO_VERSION".tgz && rm deno-linux-x64-glibc-*.tgz)
  fi
  DENO="$dir/package/deno"
}

install_test_tools() {
  if ! command -v wasm-pack >/dev/null; then
    cargo install wasm-pack --locked
  fi
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt_install chromium chromium-driver
  fi
  # The second browser of the end-to-end test (tests/engines.rs): Debian's Firefox ESR, and
  # Mozilla's WebDriver server for it from crates.io.
  if ! command -v firefox-esr >/dev/null; then
    apt_install firefox-esr
  fi
  # The third engine (tests/engines.rs): WebKit, Safari's, as Debian's WebKitGTK MiniBrowser
  # and its WebDriver server, in an X server of its own (xvfb-run).
  if ! command -v WebKitWebDriver >/dev/null || ! command -v xvfb-run >/dev/null; then
    apt_install webkit2gtk-driver xvfb
  fi
  if ! geckodriver --version 2>/dev/null | grep -q "^geckodriver $GECKODRIVER_VERSION"; then
    echo "-- compiling geckodriver $GECKODRIVER_VERSION from crates.io (once)"
    cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked
  fi
}

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
  else
    echo "error: missing $*; install them (Debian: apt-get install $*)" >&2
    return 1
  fi
}
