//! The browser app's GPU module: the same entry point as `cifar-lab-web`, built with burn's
//! WebGPU backend (the `wgpu` feature, with fusion). Only the training worker loads it, where
//! WebGPU will train (src/web/page/worker.rs); the page and CPU-only visitors load the smaller
//! `cifar-lab-web`. trunk builds both (index.html).

include!("entry/main.in.rs");
