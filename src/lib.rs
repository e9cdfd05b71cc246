//! cifar-lab: the tutorial's CIFAR-10 CNNs, trained and judged natively or in the browser.
//!
//! The pipeline, one module each: [`data`] (CIFAR-10 batches) → [`model`] (the three CNNs) →
//! [`optim`] (Adadelta and friends) → [`train`] (the loop and its history) → [`eval`]
//! (confusion matrix, per-class metrics, overfitting diagnosis) → [`plot`] (curves and
//! heatmaps, on any plotters backend) → [`report`] (a self-contained HTML report, native).
//! [`backend`] picks the device; [`kernels`] holds the fused convolution + ReLU that the models
//! train through (fast CPU kernels, burn's ops elsewhere).
//! Only [`web`] touches the browser, and only its wasm32-only parts (page, worker, canvas…)
//! use web-sys; the rest of it (messages, settings, share links, formatting) is plain Rust,
//! tested natively like the pipeline.

pub mod backend;
pub mod data;
pub mod eval;
pub mod kernels;
pub mod model;
pub mod optim;
pub mod plot;
#[cfg(not(target_arch = "wasm32"))]
pub mod report;
#[cfg(not(target_arch = "wasm32"))]
pub mod serve;
pub mod train;
pub mod web;
