//! The browser app's entry point; trunk builds it (see index.html). Natively it only explains.

#[cfg(target_arch = "wasm32")]
fn main() {
    cifar_lab::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("cifar-lab-web is the browser app: build and serve it with scripts/run");
    std::process::exit(2);
}
