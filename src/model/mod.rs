//! The tutorial's three CNNs. Each architecture is a list of [`LayerSpec`]s (plain data); the
//! burn module ([`Cnn`]) and the Keras-style [`Summary`] are both built from that one list.

mod network;
mod spec;
mod summary;
mod weights;

pub use network::{Cnn, ImageLayer, VectorLayer};
pub use spec::{Activation, Architecture, LayerSpec, Padding, UnknownArchitecture};
pub use summary::{Summary, SummaryRow, group_thousands};
pub use weights::{
    WeightsError, load_weights, save_weights, weights_from_bytes, weights_from_bytes_any,
    weights_to_bytes,
};
