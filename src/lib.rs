//! cifar-lab: CIFAR-10 CNNs (the tutorial's, airbench94's, or your own layer list), trained
//! and judged natively or in the browser.
//!
//! The pipeline, one module each, each using only those before it: [`data`] (CIFAR-10
//! batches) → [`model`] (models as data: the presets and layer lists, checked, built, saved)
//! → [`optim`] (Adadelta, Adam, SGD, Nesterov SGD) → [`eval`] (a model
//! judged on a data set: loss, confusion matrix, per-class metrics, overfitting diagnosis) →
//! [`train`] (the loop, which validates through `eval` after every epoch) → [`plot`] (curves
//! and heatmaps, on any plotters backend) → [`report`] (a self-contained HTML report, written natively and in the page).
//! Beside them, used by all: [`backend`] picks the device and reads tensors back, [`history`]
//! is a run's per-epoch record (written by `train`, read by `eval`, `plot` and `report`),
//! [`serde_float`] carries NaN and infinity through JSON, and
//! [`kernels`] holds the training hot spots as burn backend extensions that the models train
//! through (convolution + ReLU, max pooling, batch norm, GELU, dropout's mask: fast CPU
//! kernels on `flex`, burn's own ops elsewhere).
//! Only [`web`] touches the browser, and only its wasm32-only parts (page, worker, canvas…)
//! use web-sys; the rest of it (messages, the page's session, settings, share links,
//! formatting) is plain Rust, tested natively like the pipeline.

pub mod backend;
pub mod data;
pub mod eval;
pub mod history;
pub mod kernels;
pub mod model;
pub mod optim;
pub mod plot;
pub mod report;
pub mod serde_float;
/// The app's static server, a crate of its own so that it builds without burn.
#[cfg(not(target_arch = "wasm32"))]
pub use cifar_lab_serve as serve;
pub mod train;
pub mod web;
