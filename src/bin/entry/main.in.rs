// The `main` of every browser module (bin/web.rs, web_relaxed.rs, web_gpu.rs; included, as
// they differ only in how cargo builds them): in WebAssembly it starts the page or the worker;
// natively it only explains.

#[cfg(target_arch = "wasm32")]
fn main() {
    cifar_lab::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "{} is part of the browser app: build and serve it with scripts/run",
        env!("CARGO_BIN_NAME")
    );
    std::process::exit(2);
}
