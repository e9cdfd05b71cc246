//! The browser's own APIs through web-sys, shared by the page and the worker (wasm32 only):
//! the DOM ([`dom`]), the plot module on a `<canvas>` sized for its box ([`canvas`], its text
//! measured by `canvas_text`), how messages travel between page and worker ([`envelope`]),
//! JavaScript's errors in words ([`error`]) and WebGPU's work counted ([`gpu_meter`]).

pub mod canvas;
mod canvas_text;
pub mod dom;
pub mod envelope;
pub mod error;
pub mod gpu_meter;

pub use error::WebError;
