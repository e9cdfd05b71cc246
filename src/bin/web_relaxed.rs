//! The browser app's CPU module with relaxed SIMD: the same entry point as `cifar-lab-web`,
//! built with the `relaxed-simd` feature (gemm's multiply-adds fused, vendor/README.md). The
//! page and its training workers load it where the engine validates relaxed SIMD
//! (www/cpu-module.js), and `cifar-lab-web` elsewhere. trunk builds both (index.html).

include!("entry/main.in.rs");
