//! What a recurrent cell is (`RnnCell`), and what the three Keras cells share
//! (`CellCore`): units, activations, the three weights with their initializers,
//! regularizers and constraints, and dropout on the inputs and on the recurrent state.
use crate::activations::{self, ActivationFn};
use crate::config::Config;
use crate::error::Result;
use crate::layers::weights::WeightSpec;
use crate::layers::CallCtx;
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use crate::variable::Variable;
use serde_json::{json, Value};

/// One step of a recurrent layer (Keras's RNN cell): `step(x_t, states) -> (output,
/// new states)`. `Recurrent` (RNN, LSTM, GRU, SimpleRNN) runs it over the time axis in
/// one `while` loop; the step is traced once, into the loop body, so it must be written
/// with `kc::ops` and read weights as `Variable`s (it sees nothing else of the caller).
pub trait RnnCell {
    /// The cell's name (`lstm_cell`); its weights are `<layer>/<cell>/kernel`, ...
    fn name(&self) -> &str;
    /// The Keras class (`LSTMCell`).
    fn class_name(&self) -> &'static str;
    /// One entry per state tensor, each `(batch, size)` (LSTM: `[units, units]`).
    fn state_size(&self) -> Vec<usize>;
    /// The size of the output at each step.
    fn output_size(&self) -> usize;
    fn built(&self) -> bool;
    /// Create the weights for steps of `input_dim` features; `path` names them
    /// (`lstm/lstm_cell`).
    fn build_cell(&mut self, input_dim: usize, path: &str) -> Result<()>;
    fn weights(&self) -> Vec<Variable>;
    /// Once per call of the layer, before the loop: add the weights' regularization
    /// penalties to `cx` and return the constants the steps need (the dropout masks of a
    /// training call, drawn once per call as Keras does). `x0` is the first step's input,
    /// `h0` the first state.
    fn prepare(&mut self, x0: &Tensor, h0: &Tensor, cx: &CallCtx) -> Result<Vec<Tensor>> {
        let _ = (x0, h0, cx);
        Ok(Vec::new())
    }
    /// One step: the input `(batch, features)`, the states, the constants from
    /// `prepare`; returns the output and the new states.
    fn step(&self, x: &Tensor, states: &[Tensor], consts: &[Tensor]) -> Result<(Tensor, Vec<Tensor>)>;
    /// The cell's constructor arguments (Keras's `get_config` minus the base keys).
    fn cell_config(&self) -> Config {
        Config::new()
    }
    /// The full config of the cell as a layer (`name`, `trainable`, `dtype` too).
    fn get_config(&self) -> Config {
        let mut c = crate::layers::base_config(self.name());
        c.extend(self.cell_config());
        c
    }
}

impl RnnCell for Box<dyn RnnCell> {
    fn name(&self) -> &str {
        self.as_ref().name()
    }
    fn class_name(&self) -> &'static str {
        self.as_ref().class_name()
    }
    fn state_size(&self) -> Vec<usize> {
        self.as_ref().state_size()
    }
    fn output_size(&self) -> usize {
        self.as_ref().output_size()
    }
    fn built(&self) -> bool {
        self.as_ref().built()
    }
    fn build_cell(&mut self, input_dim: usize, path: &str) -> Result<()> {
        self.as_mut().build_cell(input_dim, path)
    }
    fn weights(&self) -> Vec<Variable> {
        self.as_ref().weights()
    }
    fn prepare(&mut self, x0: &Tensor, h0: &Tensor, cx: &CallCtx) -> Result<Vec<Tensor>> {
        self.as_mut().prepare(x0, h0, cx)
    }
    fn step(&self, x: &Tensor, states: &[Tensor], consts: &[Tensor]) -> Result<(Tensor, Vec<Tensor>)> {
        self.as_ref().step(x, states, consts)
    }
    fn cell_config(&self) -> Config {
        self.as_ref().cell_config()
    }
    fn get_config(&self) -> Config {
        self.as_ref().get_config()
    }
}

/// What SimpleRNNCell, LSTMCell and GRUCell share.
pub struct CellCore {
    pub name: String,
    pub units: usize,
    pub activation: String,
    pub recurrent_activation: String,
    pub use_bias: bool,
    pub kernel: WeightSpec,
    pub recurrent: WeightSpec,
    pub bias: WeightSpec,
    /// Fraction of the inputs dropped while training (one mask per call).
    pub dropout: f64,
    /// Fraction of the recurrent state dropped while training.
    pub recurrent_dropout: f64,
    pub seed: Option<u32>,
    generator: Option<SeedGenerator>,
    pub(crate) act: Option<ActivationFn>,
    pub(crate) rec_act: Option<ActivationFn>,
    pub(crate) kernel_w: Option<Variable>,
    pub(crate) recurrent_w: Option<Variable>,
    pub(crate) bias_w: Option<Variable>,
}

impl CellCore {
    pub fn new(name: String, units: usize) -> CellCore {
        CellCore {
            name,
            units,
            activation: "tanh".into(),
            recurrent_activation: "sigmoid".into(),
            use_bias: true,
            kernel: WeightSpec::new("glorot_uniform"),
            recurrent: WeightSpec::new("orthogonal"),
            bias: WeightSpec::new("zeros"),
            dropout: 0.0,
            recurrent_dropout: 0.0,
            seed: None,
            generator: None,
            act: None,
            rec_act: None,
            kernel_w: None,
            recurrent_w: None,
            bias_w: None,
        }
    }

    pub fn built(&self) -> bool {
        self.kernel_w.is_some()
    }

    /// The checks and weights every cell shares: `kernel (input_dim, gates * units)`,
    /// `recurrent_kernel (units, gates * units)`; the bias is the cell's own.
    pub fn build_common(&mut self, input_dim: usize, gates: usize, path: &str) -> Result<()> {
        if self.units == 0 {
            crate::bail!("Received an invalid value for argument `units`, expected a positive integer, got 0.");
        }
        self.act = Some(activations::get(&self.activation)?);
        self.rec_act = Some(activations::get(&self.recurrent_activation)?);
        self.kernel_w = Some(self.kernel.make(path, "kernel", &[input_dim, gates * self.units], true)?);
        self.recurrent_w = Some(self.recurrent.make(path, "recurrent_kernel", &[self.units, gates * self.units], true)?);
        self.make_generator();
        Ok(())
    }

    /// The seed generator of a cell with dropout (named when built).
    pub(crate) fn make_generator(&mut self) {
        if self.dropout > 0.0 || self.recurrent_dropout > 0.0 {
            let p = format!("{}/seed_generator_state", crate::layers::unique_name("seed_generator"));
            self.generator = Some(SeedGenerator::new(self.seed, p));
        }
    }

    pub fn weights(&self) -> Vec<Variable> {
        [&self.kernel_w, &self.recurrent_w, &self.bias_w].into_iter().flatten().cloned().collect()
    }

    pub fn kernel(&self) -> Result<&Variable> {
        self.kernel_w.as_ref().ok_or_else(|| crate::Error::msg("the cell is not built"))
    }
    pub fn recurrent_kernel(&self) -> Result<&Variable> {
        self.recurrent_w.as_ref().ok_or_else(|| crate::Error::msg("the cell is not built"))
    }

    pub fn act(&self, x: &Tensor) -> Result<Tensor> {
        self.act.unwrap_or(|x| Ok(x.clone()))(x)
    }
    pub fn rec_act(&self, x: &Tensor) -> Result<Tensor> {
        self.rec_act.unwrap_or(|x| Ok(x.clone()))(x)
    }

    /// The weights' penalties, and the dropout masks of a training call: `count` masks
    /// like `x0` when `dropout > 0`, then `count` like `h0` when `recurrent_dropout > 0`
    /// (Keras's `DropoutRNNCell`, in Keras's order of draws). Returns (input masks,
    /// recurrent masks) flattened: the input masks first.
    pub fn prepare(&self, x0: &Tensor, h0: &Tensor, cx: &CallCtx, count: usize) -> Result<Vec<Tensor>> {
        for (spec, w) in [(&self.kernel, &self.kernel_w), (&self.recurrent, &self.recurrent_w), (&self.bias, &self.bias_w)] {
            if let Some(w) = w {
                spec.penalty(w, x0, cx)?;
            }
        }
        let mut out = Vec::new();
        let Some(g) = &self.generator else { return Ok(out) };
        if !cx.training {
            return Ok(out);
        }
        for (rate, like) in [(self.dropout, x0), (self.recurrent_dropout, h0)] {
            if rate > 0.0 {
                let ones = ops::ones_like(like)?;
                for _ in 0..count {
                    let key = g.next(like, cx)?;
                    out.push(ops::dropout(&ones, rate, None, &key)?);
                }
            }
        }
        Ok(out)
    }

    /// The (input, recurrent) masks from `prepare`'s output: `count` each, or none.
    pub fn split_masks<'a>(&self, consts: &'a [Tensor], count: usize) -> (&'a [Tensor], &'a [Tensor]) {
        let n_in = if self.dropout > 0.0 && !consts.is_empty() { count } else { 0 };
        let (a, b) = consts.split_at(n_in.min(consts.len()));
        (a, b)
    }

    /// Keras's config keys for these arguments (`units`, `activation`, ...); the
    /// recurrent activation only for cells that have one.
    pub fn config_into(&self, c: &mut Config, with_recurrent_activation: bool) {
        c.insert("units".into(), json!(self.units));
        c.insert("activation".into(), json!(self.activation));
        if with_recurrent_activation {
            c.insert("recurrent_activation".into(), json!(self.recurrent_activation));
        }
        c.insert("use_bias".into(), json!(self.use_bias));
        c.insert("kernel_initializer".into(), self.kernel.initializer.to_config());
        c.insert("recurrent_initializer".into(), self.recurrent.initializer.to_config());
        c.insert("bias_initializer".into(), self.bias.initializer.to_config());
        c.insert("kernel_regularizer".into(), crate::regularizers::to_config_opt(&self.kernel.regularizer));
        c.insert("recurrent_regularizer".into(), crate::regularizers::to_config_opt(&self.recurrent.regularizer));
        c.insert("bias_regularizer".into(), crate::regularizers::to_config_opt(&self.bias.regularizer));
        c.insert("kernel_constraint".into(), crate::constraints::to_config_opt(&self.kernel.constraint));
        c.insert("recurrent_constraint".into(), crate::constraints::to_config_opt(&self.recurrent.constraint));
        c.insert("bias_constraint".into(), crate::constraints::to_config_opt(&self.bias.constraint));
        c.insert("dropout".into(), json!(self.dropout));
        c.insert("recurrent_dropout".into(), json!(self.recurrent_dropout));
        c.insert("seed".into(), self.seed.map(|s| json!(s)).unwrap_or(Value::Null));
    }
}

/// Access to a built-in cell's shared arguments (for the builder methods that LSTM and
/// LSTMCell alike take).
pub trait HasCore {
    fn core(&self) -> &CellCore;
    fn core_mut(&mut self) -> &mut CellCore;
}

/// A cell as a layer (Keras's cells are layers): `call([x, states...])` returns
/// `[output, new states...]` for one step, building on the first call.
pub(crate) fn call_cell<C: RnnCell + ?Sized>(cell: &mut C, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
    let x = &inputs[0];
    let n = cell.state_size().len();
    if x.rank() != 2 || inputs.len() != 1 + n {
        crate::bail!(
            "a {} is called on one step: [inputs (batch, features), {n} state(s) (batch, units)], got {} tensor(s), the first {}",
            cell.class_name(),
            inputs.len(),
            crate::layers::keras_shape(&x.dims())
        );
    }
    let consts = cell.prepare(x, &inputs[1], cx)?;
    let (out, states) = cell.step(x, &inputs[1..], &consts)?;
    let mut v = vec![out];
    v.extend(states);
    Ok(v)
}

/// The builder methods of the arguments every built-in cell shares, for a cell type and
/// for the recurrent layer over it (both implement `HasCore`).
macro_rules! cell_builders {
    ($ty:ty) => {
        impl $ty {
            /// The activation of the candidate state and output (`"tanh"`).
            pub fn activation(mut self, a: &str) -> Self {
                self.core_mut().activation = a.to_string();
                self
            }
            pub fn use_bias(mut self, b: bool) -> Self {
                self.core_mut().use_bias = b;
                self
            }
            pub fn kernel_initializer(mut self, i: impl Into<$crate::initializers::InitArg>) -> Self {
                self.core_mut().kernel.initializer = i.into();
                self
            }
            pub fn recurrent_initializer(mut self, i: impl Into<$crate::initializers::InitArg>) -> Self {
                self.core_mut().recurrent.initializer = i.into();
                self
            }
            pub fn bias_initializer(mut self, i: impl Into<$crate::initializers::InitArg>) -> Self {
                self.core_mut().bias.initializer = i.into();
                self
            }
            pub fn kernel_regularizer(mut self, r: impl Into<$crate::regularizers::RegArg>) -> Self {
                self.core_mut().kernel.regularizer = Some(r.into());
                self
            }
            pub fn recurrent_regularizer(mut self, r: impl Into<$crate::regularizers::RegArg>) -> Self {
                self.core_mut().recurrent.regularizer = Some(r.into());
                self
            }
            pub fn bias_regularizer(mut self, r: impl Into<$crate::regularizers::RegArg>) -> Self {
                self.core_mut().bias.regularizer = Some(r.into());
                self
            }
            pub fn kernel_constraint(mut self, c: impl Into<$crate::constraints::ConstraintArg>) -> Self {
                self.core_mut().kernel.constraint = Some(c.into());
                self
            }
            pub fn recurrent_constraint(mut self, c: impl Into<$crate::constraints::ConstraintArg>) -> Self {
                self.core_mut().recurrent.constraint = Some(c.into());
                self
            }
            pub fn bias_constraint(mut self, c: impl Into<$crate::constraints::ConstraintArg>) -> Self {
                self.core_mut().bias.constraint = Some(c.into());
                self
            }
            /// Fraction of the inputs to drop while training, clipped to [0, 1] as Keras does.
            pub fn dropout(mut self, rate: f64) -> Self {
                self.core_mut().dropout = rate.clamp(0.0, 1.0);
                self
            }
            /// Fraction of the recurrent state to drop while training, clipped to [0, 1].
            pub fn recurrent_dropout(mut self, rate: f64) -> Self {
                self.core_mut().recurrent_dropout = rate.clamp(0.0, 1.0);
                self
            }
            /// The seed of the dropout masks.
            pub fn seed(mut self, s: u32) -> Self {
                self.core_mut().seed = Some(s);
                self
            }
        }
    };
}

/// `Layer` for a built-in cell, through its `RnnCell` methods.
macro_rules! cell_layer {
    ($ty:ty, $class:literal) => {
        impl $crate::layers::Layer for $ty {
            fn name(&self) -> &str {
                &self.core().name
            }
            fn class_name(&self) -> &'static str {
                $class
            }
            fn built(&self) -> bool {
                self.core().built()
            }
            fn set_built(&mut self) {}
            fn build(&mut self, x: &$crate::tensor::Tensor) -> $crate::error::Result<()> {
                let Some(d) = x.dims().last().and_then(|d| d.known()) else {
                    $crate::bail!("the last axis of the input {} must be known to build the kernel", $crate::layers::keras_shape(&x.dims()));
                };
                let path = self.core().name.clone();
                self.build_cell(d as usize, &path)
            }
            fn call(&mut self, inputs: &[$crate::tensor::Tensor], cx: &$crate::layers::CallCtx) -> $crate::error::Result<Vec<$crate::tensor::Tensor>> {
                $crate::layers::rnn::cell::call_cell(self, inputs, cx)
            }
            fn weights(&self) -> Vec<$crate::variable::Variable> {
                self.core().weights()
            }
            fn get_config(&self) -> $crate::config::Config {
                $crate::layers::rnn::RnnCell::get_config(self)
            }
        }
        impl $crate::layers::Named for $ty {
            fn with_name(mut self, n: &str) -> $ty {
                self.core_mut().name = n.to_string();
                self
            }
        }
        impl $ty {
            /// Set the cell's name (Keras's `name=`).
            pub fn name(self, n: &str) -> $ty {
                $crate::layers::Named::with_name(self, n)
            }
        }
    };
}
