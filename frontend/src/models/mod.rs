//! Models: a network (any layer: a `Sequential`, a user's `Layer`) plus the trainer.
mod functional;
pub(crate) mod model;
mod sequential;
mod summary;
pub(crate) mod weights_io;

pub use functional::Functional;
pub use model::Model;
pub use sequential::Sequential;
