//! kc: a deep-learning framework with the Keras 3 programming model on its own graph
//! compiler. This crate is the facade: it re-exports the layers of the stack
//! (`ir ← compiler ← lowering ← runtime ← frontend`) and holds the `kc` command line.
pub use kc_compiler as compiler;
pub use kc_frontend as frontend;
pub use kc_ir as ir;
pub use kc_lowering as lowering;
pub use kc_runtime as runtime;

// The Keras namespaces: `kc::ops`, `kc::layers`, `kc::losses`, ...
pub use kc_frontend::{activations, callbacks, constraints, datasets, initializers, layers, losses, metrics, models, ops, optimizers, regularizers};

pub mod bench;
pub mod cli;

/// What most programs need: `use kc::prelude::*;`.
pub mod prelude {
    pub use kc_frontend::constraints::Constraint;
    pub use kc_frontend::initializers::Initializer;
    pub use kc_frontend::regularizers::Regularizer;
    pub use kc_frontend::{
        set_random_seed, Activation, Adam, Compile, Dense, EarlyStopping, Evaluate, Fit, Predict, Flatten, History, Input, JitCompile, Layer, Loss, Target, Metric, Shared,
        Model, Optimizer, Sequential, Sgd, Tensor, Variable, AdamW, RmsProp,
    };
    pub use kc_frontend::{
        Add, Average, Concatenate, Dot, Dropout, Embedding, Identity, Lambda, LeakyReLU, Maximum, Minimum, Multiply, PReLU, Permute, ReLU,
        RepeatVector, Rescaling, Reshape, SeedGenerator, Softmax, Subtract, ELU,
    };
    pub use kc_frontend::{
        Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,
        SeparableConv2D,
    };
    pub use kc_frontend::{
        AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D,
        GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
    };
    pub use kc_frontend::{BatchNormalization, GroupNormalization, LayerNormalization, RMSNormalization, UnitNormalization};
    pub use kc_frontend::{AdditiveAttention, Attention, EinsumDense, GroupedQueryAttention, MultiHeadAttention};
    pub use kc_frontend::{ActivityRegularization, AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D};
    pub use kc_frontend::{Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D};
    pub use kc_frontend::{Bidirectional, GRUCell, LSTMCell, Masking, RnnCell, SimpleRNNCell, TimeDistributed, GRU, LSTM, RNN, SimpleRNN};
    pub use kc_frontend::layers::{Hashing, IntegerLookup, StringLookup, StringTensor, TextVectorization};
    pub use kc_ir::{parse_module, print_module, verify_module, DType, Dim, Module, OpKind, Shape, TensorType};
    pub use kc_runtime::{interp, HostTensor};
}
