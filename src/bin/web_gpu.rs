//! The browser app's GPU module: the same entry point as `cifar-lab-web`, built with burn's
//! WebGPU backend (the `wgpu` feature, with fusion). Only the training worker loads it, where
//! WebGPU will train (src/web/page/worker.rs); the page and CPU-only visitors load the smaller
//! `cifar-lab-web`. trunk builds both (index.html).

#[cfg(target_arch = "wasm32")]
fn main() {
    cifar_lab::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "cifar-lab-web-gpu is the browser app's GPU module: build and serve it with scripts/run"
    );
    std::process::exit(2);
}
