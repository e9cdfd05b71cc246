# The browser app's Rust modules, compiled ahead of `trunk build`: the same `cargo build`s
# that trunk runs for index.html's `rel="rust"` links (their bin, features and profile read
# from the links themselves), so that trunk then finds them done and only runs wasm-bindgen
# and wasm-opt. scripts/run starts this while trunk and wasm-bindgen-cli are still compiling,
# so the two cores share the work instead of one idling through each build's last crates
# and links. Sourced by scripts/run.

# One line per module: the arguments trunk gives `cargo build` for it.
app_module_builds() {
  local link bin features profile no_default
  grep -o '<link data-trunk rel="rust"[^>]*>' index.html | while read -r link; do
    bin="$(sed -n 's/.* data-bin="\([^"]*\)".*/\1/p' <<<"$link")"
    features="$(sed -n 's/.* data-cargo-features="\([^"]*\)".*/\1/p' <<<"$link")"
    profile="$(sed -n 's/.* data-cargo-profile-release="\([^"]*\)".*/\1/p' <<<"$link")"
    no_default=""
    if grep -q ' data-cargo-no-default-features' <<<"$link"; then
      no_default="--no-default-features"
    fi
    echo "--target=wasm32-unknown-unknown --profile ${profile:-release} --locked" \
      "--bin $bin $no_default ${features:+--features $features}"
  done
}

# Compiles them one after the other (they share the target folder, which cargo locks).
build_app_modules() {
  local args
  while read -r args; do
    # shellcheck disable=SC2086 # the arguments are words
    cargo build $args || return 1
  done < <(app_module_builds)
}
