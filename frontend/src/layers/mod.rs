//! Layers: the `Layer` trait, the call context, naming, and the layers themselves.
//!
//! A layer is built on its first call (its weights sized from the input), then called on
//! concrete tensors (eager) or symbolic ones (while a model is traced). Errors from a
//! layer name it: `layer "dense_1" (Dense): ...`.
mod core;
mod shared;

pub use self::core::{keras_shape, Activation, Dense, Flatten, Input};
pub use shared::Shared;

use crate::error::{Error, Result};
use crate::tensor::Tensor;
use crate::variable::Variable;
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
    /// Ask for `var` to hold `value` after this call (a non-trainable state update).
    pub fn update(&self, var: &Variable, value: Tensor) {
        self.updates.borrow_mut().push((var.clone(), value));
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
    fn built(&self) -> bool;
    fn set_built(&mut self);
    /// The computation. Single-input layers read `inputs[0]`.
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>>;
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
        layer.build(&inputs[0]).map_err(|e| named(e, layer))?;
        layer.set_built();
    }
    layer.call(inputs, cx).map_err(|e| named(e, layer))
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
