//! The training hot spots as burn backend extensions: convolution + ReLU fused, max pooling,
//! batch norm and GELU, each with its own backward pass, dropout's random mask and
//! Adadelta's update.
//!
//! One folder per op, each laid out alike: `mod.rs` (the extension trait, its default bodies
//! in burn's own ops, and the function the model calls), `cpu.rs` (the kernels, on plain
//! `f32` slices), `flex.rs` (the trait on burn's CPU backend, calling them) and `autodiff.rs`
//! (the backward pass). `parallel.rs` spreads the kernels over threads; `flex.rs` here holds
//! what the CPU implementations share.
//!
//! Every convolution of the tutorial's models is followed by a ReLU. burn runs them as two
//! ops, and its CPU backend computes the convolution's gradients through a 9-column GEMM
//! (weights) and a transposed convolution (input). [`ConvBackend`] is a burn backend
//! extension with the fused forward and the two gradients: on the CPU (`flex`, native and
//! WebAssembly) they are the large per-image GEMMs of [`conv::cpu`]; on other backends
//! (wgpu) the trait's default bodies are burn's own ops, so the results are the same and the
//! GPU keeps its kernels. Its autodiff implementation (`conv/autodiff.rs`) ties them together.
//! Max pooling ([`MaxPoolBackend`]) follows the same pattern: burn's general pooling computes
//! and stores an index per output; [`pool::cpu`] reads each window in place. Dropout's mask
//! ([`DropoutBackend`]) is drawn in parallel from a counter-based hash on the CPU. Batch
//! normalisation ([`BatchNormBackend`]) runs as two fused passes forward and two backward
//! ([`norm::cpu`]) instead of burn's dozen, and GELU ([`GeluBackend`]) through a vectorised
//! erf ([`gelu::cpu`]) instead of libm's scalar one. Adadelta's update ([`AdadeltaBackend`]) is
//! one pass over each parameter ([`adadelta::cpu`]) instead of sixteen.

pub mod adadelta;
pub mod conv;
mod dropout;
mod flex;
pub mod gelu;
pub mod norm;
pub(crate) mod parallel;
pub mod pool;

pub use adadelta::{AdadeltaBackend, AdadeltaStep, adadelta_step};
pub use conv::{ConvBackend, conv2d_linear, conv2d_relu};
pub use dropout::{DropoutBackend, dropout};
pub use gelu::{GeluBackend, gelu};
pub use norm::{BatchNormBackend, batch_norm};
pub use parallel::ScratchScope;
pub use pool::{MaxPoolBackend, max_pool2d};
