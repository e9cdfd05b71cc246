//! Models as data. A [`ModelSpec`] is a list of [`LayerSpec`]s (a preset's, or one the user
//! wrote in the text form of `parse`), checked once by `check`; the burn module ([`Cnn`]) and
//! the Keras-style [`Summary`] are both built from that one list.

mod check;
mod cost;
mod layer;
mod load;
mod network;
mod parse;
mod prepare;
mod presets;
mod spec;
mod summary;
pub mod torch;
mod weights;
mod whiten;

pub use check::{LayerShape, MAX_ACTIVATION_BYTES, MAX_PARAMS, MAX_WEIGHTS_FILE_BYTES, ModelError};
pub use cost::{forward_flops, training_flops};
pub use layer::{Activation, LayerSpec, Padding};
pub use load::{
    WeightsFormat, burnpack_to_safetensors, check_evaluation, load_weights, weights_from_bytes_any,
};
pub use network::{Cnn, ImageLayer, VectorLayer};
pub use presets::{Architecture, UnknownArchitecture};
pub use spec::{ModelSpec, PlacedLayer};
pub use summary::{Summary, SummaryRow, group_thousands};
pub use weights::{
    WeightsError, burnpack_bytes, on_cpu, recorded_spec, save_weights, weights_from_bytes,
    weights_to_bytes,
};
pub use whiten::{WHITENING_IMAGES, WhiteningFilters, whitening_filters};
