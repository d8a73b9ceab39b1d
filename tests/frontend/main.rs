//! The Keras frontend: ops (eager and traced agree), models, training, errors.
//! One test binary for the frontend, so the suite links once.
mod bench;
mod custom;
mod fashion_mnist;
mod models;
mod ops;
mod training;
