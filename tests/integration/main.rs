//! The native integration tests, as one binary: each of these was a binary of its own, each
//! linking burn, and linking them was a good part of CI's native test step. The end-to-end
//! (`tests/e2e/`), other-engine (`tests/engines.rs`) and browser (`tests/browser.rs`)
//! suites stay apart: they need a build of the page, a WebDriver, or WebAssembly.
//!
//! Tests that draw from burn's global random generator take turns (`common::take_turn`);
//! the rest run side by side.

#![cfg(not(target_arch = "wasm32"))]

#[path = "../common/mod.rs"]
mod common;

mod charts;
#[cfg(feature = "cli")]
mod cli;
mod data_sources;
mod kernels;
mod model_and_optimizer;
mod parity;
mod properties;
mod recipe;
mod training;
