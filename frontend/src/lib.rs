//! `kc-frontend`: the Keras 3 programming model in Rust.
//!
//! - [`Tensor`] and [`ops`]: `keras.ops` on concrete tensors (run at once on the
//!   reference interpreter) and symbolic ones (recorded into a trace, [`Graph`]).
//! - [`Variable`]: weights and other state that lives between calls.
//! - [`layers`], [`models`] (`Model`, `Sequential`), [`losses`], [`metrics`],
//!   [`optimizers`], [`training`] (`compile`/`fit`/`evaluate`/`predict`, callbacks).
//! - [`initializers`], [`regularizers`], [`constraints`]: Keras's weight options by name
//!   or value; [`SeedGenerator`] for layers that draw random numbers.
//! - [`datasets`]: Fashion-MNIST from Debian's package.
pub mod activations;
pub mod applications;
pub mod autodiff;
pub mod config;
pub mod constraints;
pub mod data;
pub mod datasets;
pub mod error;
pub mod graph;
pub mod initializers;
pub mod layers;
pub mod losses;
pub mod metrics;
pub mod models;
pub mod ops;
pub mod optimizers;
pub mod random;
pub mod regularizers;
pub mod seed_generator;
pub mod tensor;
pub mod training;
pub use training::callbacks;
pub mod variable;

pub use autodiff::value_and_grad;
pub use error::{warn, Error, Result};
pub use graph::{Graph, ParamSource};
pub use kc_runtime as runtime;
pub use layers::{
    Activation, Add, Average, Concatenate, Dense, Dot, Dropout, Embedding, Flatten, Identity, Input, Lambda, Layer, LeakyReLU, Maximum, Minimum,
    Multiply, PReLU, ReLU, RepeatVector, Permute, Rescaling, Reshape, Shared, Softmax, Subtract, ELU,
};
pub use layers::{
    Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D,
};
pub use layers::{
    AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
    GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
};
pub use layers::{BatchNormalization, GroupNormalization, LayerNormalization, RMSNormalization, UnitNormalization};
pub use layers::{AdditiveAttention, Attention, EinsumDense, GroupedQueryAttention, MultiHeadAttention};
pub use layers::{ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D};
pub use layers::{Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D};
pub use layers::{Bidirectional, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, GRUCell, LSTMCell, Masking, RnnCell, SimpleRNNCell, TimeDistributed, GRU, LSTM, RNN, SimpleRNN};
pub use losses::Loss;
pub use metrics::Metric;
pub use models::{Functional, Model, Sequential};
pub use optimizers::{Adadelta, Adagrad, Adam, AdamW, Adamax, Ftrl, Lion, Nadam, Optimizer, RmsProp, Sgd};
pub use random::set_random_seed;
pub use seed_generator::SeedGenerator;
pub use tensor::Tensor;
pub use training::{Arrays, Compile, EarlyStopping, Evaluate, Fit, History, JitCompile, Predict, Target};
pub use variable::Variable;
