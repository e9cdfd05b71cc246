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

# The toolchain of rust-toolchain.toml, with its wasm32 target.
install_toolchain() {
  if command -v rustup >/dev/null; then
    rustup toolchain install
  fi
  export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
}

install_rust_tools() {
  install_toolchain
  local missing=()
  if ! trunk --version 2>/dev/null | grep -qx "trunk $TRUNK_VERSION"; then
    # Newer trunk releases need a newer rustc than this project's 1.95. trunk only starts
    # cargo, wasm-bindgen and wasm-opt and copies files, so it is compiled unoptimised: 2.5
    # min instead of 6.7 on 2 cores (its release profile is fat LTO in one codegen unit).
    missing+=("trunk --version $TRUNK_VERSION --locked --debug --config profile.dev.debug=false")
  fi
  local wb
  wb="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wb"; then
    # `--locked` fails for this version (its lock file pins a yanked crate).
    missing+=("wasm-bindgen-cli --version $wb --force")
  fi
  cargo_install_side_by_side "${missing[@]}"
}

# Compiles tools from crates.io, each given as `cargo install` arguments (the crate first),
# all at once: one alone leaves a core idle through much of its build (its last crates, the
# link). Each gets a target folder of its own (cargo locks one folder per build, and with
# CARGO_TARGET_DIR set `cargo install` would use that one) and a log; a failure shows the end
# of its log.
cargo_install_side_by_side() {
  local tools_dir="${CARGO_TARGET_DIR:-$PWD/target}/tools"
  local spec name pids=() names=() failed=0 i
  for spec in "$@"; do
    name="${spec%% *}"
    mkdir -p "$tools_dir/logs"
    echo "-- compiling $spec from crates.io (once; log: $tools_dir/logs/$name.log)"
    # shellcheck disable=SC2086 # the arguments are words
    cargo install $spec --target-dir "$tools_dir/build/$name" >"$tools_dir/logs/$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
  done
  for i in "${!pids[@]}"; do
    if wait "${pids[$i]}"; then
      # Installed: the build (a gigabyte or two) is not needed again.
      rm -rf "$tools_dir/build/${names[$i]}"
    else
      echo "error: compiling ${names[$i]} failed; the end of its log:" >&2
      tail -n 40 "$tools_dir/logs/${names[$i]}.log" >&2
      failed=1
    fi
  done
  return "$failed"
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
  # The crates compile while apt installs the browsers.
  local missing=()
  if ! command -v wasm-pack >/dev/null; then
    missing+=("wasm-pack --locked")
  fi
  if ! geckodriver --version 2>/dev/null | grep -q "^geckodriver $GECKODRIVER_VERSION"; then
    missing+=("geckodriver --version $GECKODRIVER_VERSION --locked")
  fi
  cargo_install_side_by_side "${missing[@]}" &
  local compiling=$!
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt_install chromium chromium-driver
  fi
  # The second browser of the end-to-end test (tests/engines.rs): Debian's Firefox ESR, and
  # Mozilla's WebDriver server for it (geckodriver) from crates.io.
  if ! command -v firefox-esr >/dev/null; then
    apt_install firefox-esr
  fi
  # The third engine (tests/engines.rs): WebKit, Safari's, as Debian's WebKitGTK MiniBrowser
  # and its WebDriver server, in an X server of its own (xvfb-run).
  if ! command -v WebKitWebDriver >/dev/null || ! command -v xvfb-run >/dev/null; then
    apt_install webkit2gtk-driver xvfb
  fi
  wait "$compiling"
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
