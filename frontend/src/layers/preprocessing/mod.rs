//! The numeric and image preprocessing layers: `Rescaling` (`rescaling`),
//! `Normalization` (`normalization`), `Discretization` (`discretization`, with Keras's
//! approximate quantiles in `quantiles`), `CategoryEncoding` (`category_encoding`, whose
//! encoder `Discretization` shares), `CenterCrop` and `Resizing` (`image`, on the resize
//! of `resize`). They run in the graph like any layer (traced, on XLA); what is learned
//! from data (`adapt`) is computed on the host from the arguments of `adapt` (`adapt`).
mod adapt;
mod category_encoding;
mod discretization;
mod image;
mod normalization;
mod quantiles;
mod rescaling;
mod resize;

pub use adapt::AdaptData;
pub use category_encoding::CategoryEncoding;
pub use discretization::Discretization;
pub use image::{CenterCrop, Resizing};
pub use normalization::{Normalization, Stat};
pub use rescaling::Rescaling;
