//! The training hot spots as burn backend extensions: convolution + ReLU fused and max
//! pooling, each with its own backward pass, and dropout's random mask.
//!
//! Every convolution of the tutorial's models is followed by a ReLU. burn runs them as two
//! ops, and its CPU backend computes the convolution's gradients through a 9-column GEMM
//! (weights) and a transposed convolution (input). [`ConvBackend`] is a burn backend
//! extension with the fused forward and the two gradients: on the CPU (`flex`, native and
//! WebAssembly) they are the large per-image GEMMs of [`conv_cpu`]; on other backends
//! (wgpu) the trait's default bodies are burn's own ops, so the results are the same and the
//! GPU keeps its kernels. The autodiff implementation ([`autodiff`]) ties them together.
//! Max pooling ([`MaxPoolBackend`]) follows the same pattern: burn's general pooling computes
//! and stores an index per output; [`pool_cpu`] reads each window in place. Dropout's mask
//! ([`DropoutBackend`]) is drawn in parallel from a counter-based hash on the CPU. Batch
//! normalisation ([`BatchNormBackend`]) runs as two fused passes forward and two backward
//! ([`norm_cpu`]) instead of burn's dozen, and GELU ([`GeluBackend`]) through a vectorised
//! erf ([`gelu_cpu`]) instead of libm's scalar one.

mod autodiff;
mod conv;
pub mod conv_cpu;
mod dropout;
mod flex;
mod gelu;
pub mod gelu_cpu;
mod norm;
pub mod norm_cpu;
pub(crate) mod parallel;
mod pool;
pub mod pool_cpu;

pub use conv::{ConvBackend, conv2d_linear, conv2d_relu};
pub use dropout::{DropoutBackend, dropout};
pub use gelu::{GeluBackend, gelu};
pub use norm::{BatchNormBackend, batch_norm};
pub use pool::{MaxPoolBackend, max_pool2d};
