//! The Keras frontend: ops (eager and traced agree), models, training, errors, and the
//! layers, initializers, regularizers, constraints, random numbers, losses and metrics against real
//! Keras 3 (golden files in `tests/golden/keras/data/`). One test binary for the
//! frontend, so the suite links once.
mod bench;
mod callbacks;
mod custom;
mod fashion_mnist;
mod golden;
mod initializers;
mod layers;
mod layers_attention;
mod layers_attention_masks;
mod layers_augmentation;
mod layers_conv;
mod layers_preprocessing;
mod layers_rnn;
mod layers_text;
mod rnn_training;
mod losses;
mod metrics;
mod applications;
mod models;
mod ops;
mod ops_arrays;
mod optimizers;
mod random;
mod regularizers;
mod trainer;
mod training;
