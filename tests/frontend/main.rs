//! The Keras frontend: ops (eager and traced agree), models, training, errors, and the
//! losses and metrics against golden files from real Keras 3.
//! One test binary for the frontend, so the suite links once.
mod golden;
mod losses;
mod metrics;
mod ops;
mod training;
