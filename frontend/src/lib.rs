//! `kc-frontend`: the Keras API (tensors, layers, models, training). It sits on top of
//! the runtime; the layers and trainer arrive with the frontend issue.
pub use kc_runtime as runtime;
