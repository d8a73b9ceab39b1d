//! `kc::datasets`: the real datasets Keras ships loaders for, read from local files.
pub mod fashion_mnist;
