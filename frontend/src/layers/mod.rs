//! Layers: the `Layer` trait, the call context, naming, and the layers themselves.
//!
//! A layer is built on its first call (its weights sized from the input), then called on
//! concrete tensors (eager) or symbolic ones (while a model is traced). Errors from a
//! layer name it: `layer "dense_1" (Dense): ...`.
//!
//! One file per Keras family: `core` (Input, Dense, Activation, Identity, Lambda),
//! `embedding`, `reshaping`, `regularization` (Dropout, ActivityRegularization), `noise` (SpatialDropout,
//! GaussianNoise, GaussianDropout, AlphaDropout), `preprocessing/` (Rescaling, Normalization, Discretization,
//! CategoryEncoding, CenterCrop, Resizing),
//! `merging`, `activations` (the activation layers), `conv` (Conv and ConvTranspose
//! 1D-3D), `conv_depthwise` (Depthwise and Separable), `pooling`, `batch_normalization`,
//! `normalization` (Layer, Group, Unit and RMS normalization), `spatial_reshaping`
//! (Cropping, ZeroPadding, UpSampling), `attention/` (MultiHeadAttention,
//! GroupedQueryAttention, Attention, AdditiveAttention, EinsumDense), `text/` (Hashing,
//! StringLookup, IntegerLookup, TextVectorization: host-side, not `Layer`s); `weights` holds what layers with
//! weights share (creation, regularization penalties, constraints), `conv_common` what
//! the convolutions share, `spatial` the int-or-tuple arguments and data formats of
//! every spatial layer. `registry` (+ `registry_conv`, `registry_more`, `registry_attention`, `registry_preprocessing`) builds layers from configs.

/// The `Layer` methods every layer implements the same way, from `name` and `built`
/// fields.
macro_rules! layer_basics {
    ($class:expr) => {
        fn name(&self) -> &str {
            &self.name
        }
        fn class_name(&self) -> &'static str {
            $class
        }
        fn built(&self) -> bool {
            self.built
        }
        fn set_built(&mut self) {
            self.built = true;
        }
    };
}

/// Keras's `supports_masking = True` for a layer that passes its input's mask on to its
/// outputs unchanged (Dense, Dropout, the activation layers, ...).
macro_rules! pass_masks {
    () => {
        fn supports_masking(&self) -> bool {
            true
        }
    };
}

/// The `name(...)` builder (Keras's `name=` argument) for layer structs with a `name`
/// field.
macro_rules! named {
    ($($ty:ident),* $(,)?) => {
        $(impl $ty {
            /// Set the layer's name (Keras's `name=`); it also prefixes its weights' paths.
            pub fn name(mut self, n: &str) -> $ty {
                self.name = n.to_string();
                self
            }
        }
        impl $crate::layers::Named for $ty {
            fn with_name(self, n: &str) -> $ty {
                self.name(n)
            }
        })*
    };
}

/// Layers whose name can be set when they are made (for building from a config).
pub trait Named: Sized {
    fn with_name(self, n: &str) -> Self;
}

#[macro_use]
mod conv_common;

mod activations;
mod attention;
mod augmentation;
mod batch_normalization;
mod conv;
mod conv_depthwise;
mod core;
mod embedding;
mod masking;
mod merging;
mod noise;
mod normalization;
mod pooling;
mod preprocessing;
mod regularization;
mod registry;
mod registry_attention;
mod registry_augmentation;
mod registry_conv;
mod registry_more;
mod registry_preprocessing;
mod registry_rnn;
mod registry_text;
mod reshaping;
pub mod rnn;
mod shared;
mod spatial;
mod spatial_reshaping;
pub mod text;
mod weights;

pub use self::activations::{PReLU, ReLU, Softmax, ELU, LeakyReLU};
pub use self::attention::{AdditiveAttention, Attention, EinsumDense, GroupedQueryAttention, MultiHeadAttention, PartialShape};
pub use self::augmentation::{affine_transform, Factor, FillMode, Interpolation, RandomContrast, RandomFlip, RandomRotation, RandomTranslation, RandomZoom};
pub use self::batch_normalization::BatchNormalization;
pub use self::conv::{Conv, Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose, ConvTranspose};
pub use self::conv_depthwise::{DepthwiseConv, DepthwiseConv1D, DepthwiseConv2D, SeparableConv, SeparableConv1D, SeparableConv2D};
pub use self::core::{keras_shape, Activation, Dense, Identity, Input, Lambda};
pub use self::embedding::Embedding;
pub use self::merging::{Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract};
pub use self::normalization::{Axes, GroupNormalization, LayerNormalization, RMSNormalization, UnitNormalization};
pub use self::pooling::{
    AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
    GlobalMaxPooling2D, GlobalMaxPooling3D, GlobalPooling, MaxPooling1D, MaxPooling2D, MaxPooling3D, Pooling,
};
pub use self::preprocessing::{AdaptData, CategoryEncoding, CenterCrop, Discretization, Normalization, Rescaling, Resizing, Stat};
pub use self::registry::{classes as config_classes, deserialize, from_config};
pub use self::noise::{AlphaDropout, GaussianDropout, GaussianNoise, SpatialDropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D};
pub use self::regularization::{ActivityRegularization, Dropout};
pub use self::reshaping::{Flatten, Permute, RepeatVector, Reshape};
pub use self::masking::Masking;
pub use self::rnn::{Bidirectional, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, GRUCell, LSTMCell, RnnCell, SimpleRNNCell, TimeDistributed, GRU, LSTM, RNN, SimpleRNN};
pub use self::spatial::Ints;
pub use self::spatial_reshaping::{
    Cropping, Cropping1D, Cropping2D, Cropping3D, Sides, UpSampling, UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding, ZeroPadding1D, ZeroPadding2D,
    ZeroPadding3D,
};
pub use shared::Shared;
pub use self::text::{Hashing, IntegerLookup, StringLookup, StringTensor, TextVectorization};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::regularizers::Regularizer;
use crate::tensor::Tensor;
use crate::variable::Variable;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::HashMap;

/// What a call knows besides its inputs: training or inference, and the state updates
/// layers request (a BatchNormalization's moving statistics), applied after the step.
#[derive(Default)]
pub struct CallCtx {
    pub training: bool,
    updates: RefCell<Vec<(Variable, Tensor)>>,
    losses: RefCell<Vec<Tensor>>,
}

impl CallCtx {
    pub fn new(training: bool) -> CallCtx {
        CallCtx { training, updates: RefCell::default(), losses: RefCell::default() }
    }
    /// Add a scalar to the training loss (Keras's `layer.add_loss`: regularization
    /// penalties, ActivityRegularization).
    pub fn add_loss(&self, loss: Tensor) {
        self.losses.borrow_mut().push(loss);
    }
    pub fn take_losses(&self) -> Vec<Tensor> {
        std::mem::take(&mut self.losses.borrow_mut())
    }
    /// Ask for `var` to hold `value` after this call (a non-trainable state update). A
    /// second update of the same variable in one call replaces the first (a layer called
    /// twice advances its state twice: see [`CallCtx::pending`]).
    pub fn update(&self, var: &Variable, value: Tensor) {
        let mut u = self.updates.borrow_mut();
        match u.iter_mut().find(|(v, _)| v.id() == var.id()) {
            Some(slot) => slot.1 = value,
            None => u.push((var.clone(), value)),
        }
    }
    /// The value an earlier `update` in this call gave `var`, if any: what the variable
    /// holds "by now" within the call.
    pub fn pending(&self, var: &Variable) -> Option<Tensor> {
        self.updates.borrow().iter().find(|(v, _)| v.id() == var.id()).map(|(_, t)| t.clone())
    }
    pub fn take_updates(&self) -> Vec<(Variable, Tensor)> {
        std::mem::take(&mut self.updates.borrow_mut())
    }
}

pub trait Layer {
    /// The instance name (`dense_1`), unique per base name like Keras's.
    fn name(&self) -> &str;
    /// The Keras class name (`Dense`).
    fn class_name(&self) -> &'static str;
    /// Create the weights for the first input; called once, before the first `call`.
    fn build(&mut self, _input: &Tensor) -> Result<()> {
        Ok(())
    }
    /// Build from all inputs (multi-input layers override this; the default builds from
    /// the first).
    fn build_all(&mut self, inputs: &[Tensor]) -> Result<()> {
        self.build(&inputs[0])
    }
    /// Keras's `get_config()`: the constructor arguments that recreate the layer, with
    /// Keras's keys and serialized forms. The default is the base config every layer has.
    fn get_config(&self) -> Config {
        base_config(self.name())
    }
    /// A penalty on the layer's outputs (Keras's `activity_regularizer`), added to the
    /// loss after each call, divided by the batch size.
    fn activity_regularizer(&self) -> Option<Regularizer> {
        None
    }
    fn built(&self) -> bool;
    fn set_built(&mut self);
    /// The computation. Single-input layers read `inputs[0]`.
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>>;
    /// Keras's `supports_masking`: whether the outputs get a mask from
    /// [`Layer::compute_mask`] when the first input has one. A layer that does not support
    /// masking drops the mask (its outputs have none), as in Keras.
    fn supports_masking(&self) -> bool {
        false
    }
    /// Keras's `compute_mask(inputs, previous_mask)`: one mask per output, given the
    /// first input's mask. The default passes it on to every output (Keras's default for
    /// layers with `supports_masking`); only called when [`Layer::supports_masking`].
    fn compute_mask(&self, inputs: &[Tensor], previous: Option<&Tensor>, outputs: usize) -> Result<Vec<Option<Tensor>>> {
        let _ = inputs;
        Ok(vec![previous.cloned(); outputs])
    }
    /// All weights, trainable first (Keras's order).
    fn weights(&self) -> Vec<Variable> {
        Vec::new()
    }
    fn trainable_weights(&self) -> Vec<Variable> {
        self.weights().into_iter().filter(|w| w.trainable()).collect()
    }
    fn non_trainable_weights(&self) -> Vec<Variable> {
        self.weights().into_iter().filter(|w| !w.trainable()).collect()
    }
    /// Sublayers, for models and summaries.
    fn layers(&self) -> Vec<&dyn Layer> {
        Vec::new()
    }
    /// `Some` for `Input` (how a Sequential learns its input shape).
    fn as_input(&self) -> Option<&Input> {
        None
    }
    /// `Some` for a Functional model (its summary lists its layer calls).
    fn as_functional(&self) -> Option<&crate::models::Functional> {
        None
    }
    /// Zero the states of the stateful recurrent layers in this layer (itself, or its
    /// sublayers): Keras's `reset_states`. Others have none; the default asks the
    /// sublayers.
    fn reset_states(&self) -> Result<()> {
        for l in self.layers() {
            l.reset_states()?;
        }
        Ok(())
    }
    /// `Some` for a recurrent layer (what `Bidirectional` wraps).
    fn as_recurrent(&mut self) -> Option<&mut dyn rnn::RecurrentLayer> {
        None
    }
    /// For `Sequential::add` through a model.
    fn as_sequential(&mut self) -> Option<&mut crate::models::Sequential> {
        None
    }
}

/// Call a layer the way Keras's `__call__` does: build on first use, then call, with
/// errors naming the layer and the caller's source line.
#[track_caller]
pub fn call(layer: &mut dyn Layer, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
    let at = std::panic::Location::caller();
    invoke(layer, inputs, cx).map_err(|e| e.context(format!("{}:{}", at.file(), at.line())))
}

pub(crate) fn invoke(layer: &mut dyn Layer, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
    let named = |e: Error, l: &dyn Layer| e.context(format!("layer \"{}\" ({})", l.name(), l.class_name()));
    if inputs.is_empty() {
        return Err(named(Error::msg("called with no inputs"), layer));
    }
    if !layer.built() {
        layer.build_all(inputs).map_err(|e| named(e, layer))?;
        layer.set_built();
    }
    let mut outs = layer.call(inputs, cx).map_err(|e| named(e, layer))?;
    if layer.supports_masking() {
        let previous = inputs[0].mask();
        // a mask the layer attached itself wins (Keras's `mask_already_computed`)
        if outs.iter().any(|t| t.mask().is_none()) {
            let masks = layer.compute_mask(inputs, previous, outs.len()).map_err(|e| named(e, layer))?;
            for (t, m) in outs.iter_mut().zip(masks) {
                if t.mask().is_none() && m.is_some() {
                    *t = t.with_mask(m);
                }
            }
        }
    }
    if let Some(reg) = layer.activity_regularizer() {
        for y in &outs {
            cx.add_loss(activity_penalty(&reg, y).map_err(|e| named(e, layer))?);
        }
    }
    Ok(outs)
}

/// Keras's activity penalty: the regularizer on the output over the batch size (zero
/// for an empty batch, as `divide_no_nan`).
fn activity_penalty(reg: &Regularizer, y: &Tensor) -> Result<Tensor> {
    let p = reg.call(y)?;
    if y.rank() == 0 {
        return Ok(p);
    }
    let n = crate::ops::math_count(y, &[0])?;
    let n = crate::ops::lift(&n, &p)?;
    let safe = crate::ops::maximum(&n, 1.0)?;
    crate::ops::where_(&crate::ops::equal(&n, 0.0)?, 0.0, &crate::ops::divide(&p, &safe)?)
}

/// The config keys every Keras layer has: its name, `trainable` and dtype policy.
pub fn base_config(name: &str) -> Config {
    let mut c = Config::new();
    c.insert("name".into(), json!(name));
    c.insert("trainable".into(), json!(true));
    c.insert("dtype".into(), dtype_policy("float32"));
    c
}

/// A dtype policy as Keras serializes it.
pub fn dtype_policy(name: &str) -> Value {
    crate::config::serialized("keras", "DTypePolicy", crate::config::config(&[("name", json!(name))]))
}

/// Call a single-input, single-output layer.
#[track_caller]
pub fn call1(layer: &mut dyn Layer, x: &Tensor, cx: &CallCtx) -> Result<Tensor> {
    let at = std::panic::Location::caller();
    let mut v = invoke(layer, std::slice::from_ref(x), cx).map_err(|e| e.context(format!("{}:{}", at.file(), at.line())))?;
    if v.len() != 1 {
        crate::bail!("{}:{}: layer \"{}\" returned {} outputs where one was expected", at.file(), at.line(), layer.name(), v.len());
    }
    Ok(v.remove(0))
}

thread_local! {
    static NAMES: RefCell<HashMap<String, usize>> = RefCell::new(HashMap::new());
}

/// Keras's automatic names: `dense`, `dense_1`, `dense_2`, ...
pub fn unique_name(base: &str) -> String {
    NAMES.with(|n| {
        let mut n = n.borrow_mut();
        let k = n.entry(base.to_string()).or_insert(0);
        let name = if *k == 0 { base.to_string() } else { format!("{base}_{k}") };
        *k += 1;
        name
    })
}

/// Run `f` without letting it use up automatic names: a layer made from a config that
/// names it takes no automatic name in Keras, so the next `LSTM::new` is still `lstm_1`.
pub(crate) fn keeping_names<R>(f: impl FnOnce() -> R) -> R {
    let saved = NAMES.with(|n| n.borrow().clone());
    let r = f();
    NAMES.with(|n| *n.borrow_mut() = saved);
    r
}

/// Forget the automatic-name counters (`keras.backend.clear_session`).
pub fn clear_session() {
    NAMES.with(|n| n.borrow_mut().clear());
}

/// `CamelCase` -> `snake_case` as Keras's `to_snake_case` does it (`Conv2D` -> `conv2d`,
/// `BatchNormalization` -> `batch_normalization`, `ReLU` -> `re_lu`).
pub fn snake(class: &str) -> String {
    let c: Vec<char> = class.chars().collect();
    let mut s = String::new();
    for i in 0..c.len() {
        // before an uppercase letter that starts a lowercase word, or after a lowercase one
        let word = i > 0 && c[i].is_uppercase() && c.get(i + 1).is_some_and(|n| n.is_lowercase());
        let hump = i > 0 && c[i].is_uppercase() && c[i - 1].is_lowercase();
        if word || hump {
            s.push('_');
        }
        s.extend(c[i].to_lowercase());
    }
    s
}
