//! `Recurrent<C>`: Keras's `RNN` layer over any cell, and `LSTM`, `GRU`, `SimpleRNN`
//! (the same layer over the built-in cells, with the cell's arguments flattened into the
//! layer's config as Keras does).
//!
//! A call runs the cell over the time axis with one `ops::scan` (an IR `while`): the
//! sequence goes time-major, the loop reads step `t` with a `dynamic_slice` and writes
//! output `t` with a `dynamic_update_slice`, and its bound is the time dim's extent, so a
//! symbolic sequence length traces once and runs at any length.
use super::cell::{CellCore, HasCore};
use super::{GRUCell, LSTMCell, RnnCell, SimpleRNNCell};
use crate::config::Config;
use crate::error::Result;
use crate::layers::core::keras_shape;
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::regularizers::{RegArg, Regularizer};
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::{attrs, Attr, DType, Dim, OpKind, Shape, TensorType};
use serde_json::json;

/// A recurrent layer: `cell` run over the time axis of `(batch, timesteps, features)`.
///
/// Inputs: the sequence, then optionally the initial states (one `(batch, size)` tensor
/// per state of the cell: Keras's `initial_state=`). A mask attached to the sequence
/// (`Tensor::with_mask`, or from `Masking` / `Embedding(mask_zero)`) is a `(batch,
/// timesteps)` bool tensor: at a masked step the states keep their previous values and
/// the output repeats the previous output (zeros with `zero_output_for_mask`).
///
/// Outputs: the last output `(batch, units)`, or every output `(batch, timesteps,
/// units)` with `return_sequences` (in the order processed: reversed with
/// `go_backwards`); then the final states with `return_state`.
pub struct Recurrent<C: RnnCell> {
    name: String,
    built: bool,
    class: &'static str,
    pub cell: C,
    pub return_sequences: bool,
    pub return_state: bool,
    pub go_backwards: bool,
    pub stateful: bool,
    pub unroll: bool,
    pub zero_output_for_mask: bool,
    activity_regularizer: Option<RegArg>,
    input_dim: usize,
    /// A stateful layer's states, carried from one batch to the next (not weights).
    states: Vec<Variable>,
}

/// `keras.layers.LSTM`.
pub type LSTM = Recurrent<LSTMCell>;
/// `keras.layers.GRU`.
pub type GRU = Recurrent<GRUCell>;
/// `keras.layers.SimpleRNN`.
pub type SimpleRNN = Recurrent<SimpleRNNCell>;
/// `keras.layers.RNN(cell)`: any cell, such as one of your own.
pub type RNN = Recurrent<Box<dyn RnnCell>>;

impl<C: RnnCell> Recurrent<C> {
    fn with_cell(class: &'static str, name: String, cell: C) -> Recurrent<C> {
        Recurrent {
            name,
            built: false,
            class,
            cell,
            return_sequences: false,
            return_state: false,
            go_backwards: false,
            stateful: false,
            unroll: false,
            zero_output_for_mask: false,
            activity_regularizer: None,
            input_dim: 0,
            states: Vec::new(),
        }
    }
    /// Return every step's output, not only the last.
    pub fn return_sequences(mut self, b: bool) -> Self {
        self.return_sequences = b;
        self
    }
    /// Also return the final states.
    pub fn return_state(mut self, b: bool) -> Self {
        self.return_state = b;
        self
    }
    /// Process the sequence from its end (and return the outputs in that order).
    pub fn go_backwards(mut self, b: bool) -> Self {
        self.go_backwards = b;
        self
    }
    /// Keep the final states of a batch as the initial states of the next (in variables
    /// sized by the batch the layer is built with; `reset_states` zeroes them).
    pub fn stateful(mut self, b: bool) -> Self {
        self.stateful = b;
        self
    }
    /// Keras's `unroll`: kept in the config; kc always runs one loop (the compiler may
    /// unroll it). As in Keras, an unknown number of timesteps is then an error.
    pub fn unroll(mut self, b: bool) -> Self {
        self.unroll = b;
        self
    }
    /// Output zeros (not the previous output) at masked steps.
    pub fn zero_output_for_mask(mut self, b: bool) -> Self {
        self.zero_output_for_mask = b;
        self
    }
    /// A penalty on the outputs, divided by the batch size (not SimpleRNN's: Keras 3
    /// ignores it there).
    pub fn activity_regularizer(mut self, r: impl Into<RegArg>) -> Self {
        self.activity_regularizer = Some(r.into());
        self
    }
    /// A stateful layer's state variables (empty before it is built).
    pub fn states(&self) -> &[Variable] {
        &self.states
    }
    /// Zero a stateful layer's states (Keras's `reset_states`).
    pub fn reset_states(&self) -> Result<()> {
        for v in &self.states {
            v.assign(kc_runtime::HostTensor::zeros(v.dtype(), v.shape())?)?;
        }
        Ok(())
    }

    fn state_count(&self) -> usize {
        self.cell.state_size().len()
    }

    /// Keras's `RNN` config keys, then the cell's (flattened) or the cell itself (`RNN`).
    fn config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("return_sequences".into(), json!(self.return_sequences));
        c.insert("return_state".into(), json!(self.return_state));
        c.insert("go_backwards".into(), json!(self.go_backwards));
        c.insert("stateful".into(), json!(self.stateful));
        c.insert("unroll".into(), json!(self.unroll));
        c.insert("zero_output_for_mask".into(), json!(self.zero_output_for_mask));
        if self.class == "RNN" {
            let cell = self.cell.get_config();
            c.insert("cell".into(), crate::config::serialized("keras.layers", self.cell.class_name(), cell));
        } else {
            c.extend(self.cell.cell_config());
            c.insert("activity_regularizer".into(), crate::regularizers::to_config_opt(&self.activity_regularizer));
            // Keras's SimpleRNN leaves its seed out of the config; kc keeps one that is set
            if self.class == "SimpleRNN" && c.get("seed").is_some_and(|s| s.is_null()) {
                c.remove("seed");
            }
        }
        c
    }

    /// The first input, checked: rank 3 with known features (those the layer was built
    /// with).
    fn check_input(&self, x: &Tensor) -> Result<usize> {
        if x.rank() != 3 {
            crate::bail!("Input 0 is incompatible with the layer: expected ndim=3, found ndim={}. Full shape received: {}", x.rank(), keras_shape(&x.dims()));
        }
        let Some(f) = x.dims()[2].known() else {
            crate::bail!("the last axis (features) of the input {} must be known", keras_shape(&x.dims()));
        };
        if self.input_dim != 0 && f as usize != self.input_dim {
            crate::bail!(
                "Input 0 is incompatible with the layer: expected axis -1 of input shape to have value {}, but received input with shape {}",
                self.input_dim,
                keras_shape(&x.dims())
            );
        }
        if !x.dtype().is_float() {
            crate::bail!("the inputs must be floats, got {}", x.ty());
        }
        if self.unroll && x.dims()[1].known().is_none() {
            crate::bail!("Cannot unroll a RNN if the time dimension is undefined. Received input with shape {}", keras_shape(&x.dims()));
        }
        Ok(f as usize)
    }

    /// The initial states: given as inputs, a stateful layer's variables, or zeros.
    fn initial_states(&self, x: &Tensor, given: &[Tensor]) -> Result<Vec<Tensor>> {
        let sizes = self.cell.state_size();
        if !given.is_empty() {
            if given.len() != sizes.len() {
                crate::bail!(
                    "An `initial_state` was passed that is not compatible with `cell.state_size`: the cell has {} state(s) of sizes {sizes:?}, {} initial state(s) were given",
                    sizes.len(),
                    given.len()
                );
            }
            for (k, (s, &n)) in given.iter().zip(&sizes).enumerate() {
                let d = s.dims();
                if d.len() != 2 || d[1].known() != Some(n as u64) || !(d[0] == x.dims()[0] || (d[0].known().is_none() && x.dims()[0].known().is_none())) {
                    crate::bail!("initial state {k} has shape {}, expected ({}, {n}) for inputs of shape {}", keras_shape(&d), dim_str(&x.dims()[0]), keras_shape(&x.dims()));
                }
            }
            return given.iter().map(|s| ops::cast(&ops::lift(s, x)?, x.dtype())).collect();
        }
        if self.stateful {
            return self.states.iter().map(|v| read_state(v, x)).collect();
        }
        sizes.iter().map(|&n| zeros_rows(x, n)).collect()
    }

    /// A stateful layer keeps `finals` for the next batch.
    fn keep_states(&self, x: &Tensor, finals: &[Tensor], cx: &CallCtx) -> Result<()> {
        for (v, s) in self.states.iter().zip(finals) {
            if x.is_symbolic() {
                let current = match cx.pending(v) {
                    Some(t) => t,
                    None => ops::lift(&v.tensor(), x)?,
                };
                cx.update(v, write_state(&current, s, x)?);
            } else {
                v.assign(s.host()?)?;
            }
        }
        Ok(())
    }
}

/// A dim as Keras prints it (`None` when symbolic).
fn dim_str(d: &Dim) -> String {
    d.known().map(|n| n.to_string()).unwrap_or_else(|| "None".into())
}

/// Zeros `(batch, n)` with `x`'s batch dim, in `x`'s trace.
pub(crate) fn zeros_rows(x: &Tensor, n: usize) -> Result<Tensor> {
    zeros_typed(x, TensorType::new(x.dtype(), Shape(vec![x.dims()[0].clone(), Dim::Known(n as u64)])))
}

/// Zeros of type `t` (whose dims may be `x`'s symbolic ones) in `x`'s trace.
pub(crate) fn zeros_typed(x: &Tensor, t: TensorType) -> Result<Tensor> {
    let zero = ops::lift(&ops::scalar(0.0, x.dtype())?, x)?;
    ops::apply1_like(x, OpKind::BroadcastInDim, &[&zero], attrs(&[("dims", Attr::Ints(vec![]))]), Some(t))
}

/// The mask of a `(batch, timesteps, ...)` input, checked and as bool (every recurrent
/// layer reads its mask this way).
pub(crate) fn check_mask(x: &Tensor, mask: Option<&Tensor>) -> Result<Option<Tensor>> {
    let Some(m) = mask else { return Ok(None) };
    let (xd, md) = (x.dims(), m.dims());
    let fits = |a: &Dim, b: &Dim| a == b || (a.known().is_none() && b.known().is_none());
    if md.len() != 2 || !fits(&md[0], &xd[0]) || !fits(&md[1], &xd[1]) {
        crate::bail!(
            "the mask has shape {}, but it must be (batch_size, timesteps) = ({}, {}) for inputs of shape {}",
            keras_shape(&md),
            dim_str(&xd[0]),
            dim_str(&xd[1]),
            keras_shape(&xd)
        );
    }
    Ok(Some(if m.dtype() == DType::Bool { m.clone() } else { ops::not_equal(m, 0.0)? }))
}


/// Rows `0..batch` of a stateful layer's state variable, for inputs `x` whose batch may
/// be symbolic (a traced step): a gather of those rows.
fn read_state(v: &Variable, x: &Tensor) -> Result<Tensor> {
    let b = x.dims()[0].clone();
    if b.known() == Some(v.shape()[0] as u64) {
        return ops::lift(&v.tensor(), x);
    }
    if let Some(n) = b.known() {
        crate::bail!(
            "If an RNN is stateful, the batch size of the input sequences must be the same as the batch size of the initial state. \n- Expected batch size: {}\n- Received batch size: {n}",
            v.shape()[0]
        );
    }
    let rows = ops::apply1_like(x, OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(0))]), Some(TensorType::new(DType::I32, Shape(vec![b]))))?;
    ops::take(&ops::lift(&v.tensor(), x)?, &rows, 0)
}

/// The state variable's new value: `s` written over its rows `0..batch` (a scatter, for
/// a symbolic batch).
fn write_state(current: &Tensor, s: &Tensor, x: &Tensor) -> Result<Tensor> {
    let b = s.dims()[0].clone();
    if b.known() == current.dims()[0].known() && b.known().is_some() {
        return Ok(s.clone());
    }
    let rows = ops::apply1_like(x, OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(0))]), Some(TensorType::new(DType::I32, Shape(vec![b, Dim::Known(1)]))))?;
    let at = attrs(&[
        ("update_window_dims", Attr::Ints(vec![1])),
        ("inserted_window_dims", Attr::Ints(vec![0])),
        ("scatter_dims_to_operand_dims", Attr::Ints(vec![0])),
        ("index_vector_dim", Attr::Int(1)),
        ("kind", Attr::Sym("replace".into())),
    ]);
    ops::apply1(OpKind::Scatter, &[current, &rows, s], at, None)
}

impl<C: RnnCell> Layer for Recurrent<C> {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        self.class
    }
    fn built(&self) -> bool {
        self.built
    }
    fn set_built(&mut self) {
        self.built = true;
    }
    fn build(&mut self, x: &Tensor) -> Result<()> {
        let f = self.check_input(x)?;
        if !self.cell.built() {
            let path = format!("{}/{}", self.name, self.cell.name());
            self.cell.build_cell(f, &path)?;
        }
        if let Some(r) = &self.activity_regularizer {
            r.resolve()?;
        }
        if self.stateful {
            let Some(b) = x.dims()[0].known() else {
                crate::bail!(
                    "When using `stateful=True` in a RNN, the batch size must be static. Found dynamic batch size: sequence.shape={} (give the Input a batch size: `Input::new(..).batch_size(b)`)",
                    keras_shape(&x.dims())
                );
            };
            self.states = self
                .cell
                .state_size()
                .iter()
                .map(|&n| Ok(Variable::new(format!("{}/rnn_state", self.name), kc_runtime::HostTensor::zeros(DType::F32, vec![b as usize, n])?, false)))
                .collect::<Result<_>>()?;
        }
        self.input_dim = f;
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        self.check_input(x)?;
        let mask = check_mask(x, x.mask())?;
        let init = self.initial_states(x, &inputs[1..])?;
        let ns = init.len();
        let consts = self.cell.prepare(&zeros_rows(x, self.input_dim)?, &init[0], cx)?;
        // time-major, in the order processed
        let mut seq = ops::transpose(x, Some(&[1, 0, 2]))?;
        let mut mask_t = match &mask {
            Some(m) => Some(ops::expand_dims(&ops::transpose(m, Some(&[1, 0]))?, -1)?),
            None => None,
        };
        if self.go_backwards {
            seq = ops::flip(&seq, Some(0))?;
            mask_t = mask_t.map(|m| ops::flip(&m, Some(0))).transpose()?;
        }
        let out_size = self.cell.output_size();
        let mut carry = init.clone();
        if !self.return_sequences {
            carry.push(zeros_rows(x, out_size)?);
        }
        let mut xs = vec![seq];
        xs.extend(mask_t);
        let (cell, keep_all, zero_out) = (&self.cell, self.return_sequences, self.zero_output_for_mask);
        let step = |carry: &[Tensor], x_t: &[Tensor], consts: &[Tensor]| -> Result<(Vec<Tensor>, Vec<Tensor>)> {
            let states = &carry[..ns];
            let (mut out, mut new) = cell.step(&x_t[0], states, consts)?;
            if new.len() != ns {
                crate::bail!("the cell returned {} state(s), its state_size has {ns}", new.len());
            }
            if let Some(m) = x_t.get(1) {
                for (n, s) in new.iter_mut().zip(states) {
                    *n = ops::where_(m, &*n, s)?;
                }
                out = if zero_out {
                    ops::where_(m, &out, 0.0)?
                } else {
                    if out.ty() != states[0].ty() {
                        crate::bail!("masking repeats the previous output, which is the first state: the cell's output {} and first state {} differ", out.ty(), states[0].ty());
                    }
                    ops::where_(m, &out, &states[0])?
                };
            }
            let mut next = new;
            if keep_all {
                Ok((next, vec![out]))
            } else {
                next.push(out);
                Ok((next, Vec::new()))
            }
        };
        // without return_sequences nothing is stacked: the last output rides in the carry
        let (finals, ys) = ops::scan(step, &carry, &xs, &consts, false)?;
        let output = match ys.into_iter().next() {
            Some(seq) => ops::transpose(&seq, Some(&[1, 0, 2]))?,
            None => finals[ns].clone(),
        };
        let states: Vec<Tensor> = finals[..ns].to_vec();
        if self.stateful {
            self.keep_states(x, &states, cx)?;
        }
        let mut outs = vec![output];
        if self.return_state {
            outs.extend(states);
        }
        Ok(outs)
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn compute_mask(&self, _: &[Tensor], previous: Option<&Tensor>, outputs: usize) -> Result<Vec<Option<Tensor>>> {
        let mut v = vec![if self.return_sequences { previous.cloned() } else { None }];
        v.resize(outputs, None);
        Ok(v)
    }
    fn weights(&self) -> Vec<Variable> {
        self.cell.weights()
    }
    fn activity_regularizer(&self) -> Option<Regularizer> {
        if self.class == "SimpleRNN" {
            return None;
        }
        self.activity_regularizer.as_ref().and_then(|r| r.resolve().ok())
    }
    fn get_config(&self) -> Config {
        self.config()
    }
    fn reset_states(&self) -> Result<()> {
        Recurrent::reset_states(self)
    }
    fn as_recurrent(&mut self) -> Option<&mut dyn RecurrentLayer> {
        Some(self)
    }
}

/// What `Bidirectional` needs of the layer it wraps.
pub trait RecurrentLayer {
    fn return_sequences(&self) -> bool;
    fn return_state(&self) -> bool;
    fn go_backwards(&self) -> bool;
    fn is_stateful(&self) -> bool;
    fn set_zero_output_for_mask(&mut self, on: bool);
    /// The number of state tensors.
    fn num_states(&self) -> usize;
    fn reset_states(&self) -> Result<()>;
}

impl<C: RnnCell> RecurrentLayer for Recurrent<C> {
    fn return_sequences(&self) -> bool {
        self.return_sequences
    }
    fn return_state(&self) -> bool {
        self.return_state
    }
    fn go_backwards(&self) -> bool {
        self.go_backwards
    }
    fn is_stateful(&self) -> bool {
        self.stateful
    }
    fn set_zero_output_for_mask(&mut self, on: bool) {
        self.zero_output_for_mask = on;
    }
    fn num_states(&self) -> usize {
        self.state_count()
    }
    fn reset_states(&self) -> Result<()> {
        Recurrent::reset_states(self)
    }
}

impl<C: RnnCell + HasCore> HasCore for Recurrent<C> {
    fn core(&self) -> &CellCore {
        self.cell.core()
    }
    fn core_mut(&mut self) -> &mut CellCore {
        self.cell.core_mut()
    }
}

impl<C: RnnCell> crate::layers::Named for Recurrent<C> {
    fn with_name(mut self, n: &str) -> Self {
        self.name = n.to_string();
        self
    }
}

impl<C: RnnCell> Recurrent<C> {
    /// Set the layer's name (Keras's `name=`); it also prefixes its weights' paths.
    pub fn name(self, n: &str) -> Self {
        crate::layers::Named::with_name(self, n)
    }
}

impl RNN {
    /// `keras.layers.RNN(cell)`.
    pub fn new(cell: impl RnnCell + 'static) -> RNN {
        RNN::from_box(Box::new(cell))
    }
    pub fn from_box(cell: Box<dyn RnnCell>) -> RNN {
        Recurrent::with_cell("RNN", unique_name("rnn"), cell)
    }
}

impl LSTM {
    /// `keras.layers.LSTM(units)`: its cell is `lstm_cell`.
    pub fn new(units: usize) -> LSTM {
        Recurrent::with_cell("LSTM", unique_name("lstm"), LSTMCell::named("lstm_cell".into(), units))
    }
    pub fn recurrent_activation(mut self, a: &str) -> Self {
        self.cell = self.cell.recurrent_activation(a);
        self
    }
    pub fn unit_forget_bias(mut self, b: bool) -> Self {
        self.cell = self.cell.unit_forget_bias(b);
        self
    }
}

impl GRU {
    /// `keras.layers.GRU(units)`: its cell is `gru_cell`.
    pub fn new(units: usize) -> GRU {
        Recurrent::with_cell("GRU", unique_name("gru"), GRUCell::named("gru_cell".into(), units))
    }
    pub fn recurrent_activation(mut self, a: &str) -> Self {
        self.cell = self.cell.recurrent_activation(a);
        self
    }
    pub fn reset_after(mut self, b: bool) -> Self {
        self.cell = self.cell.reset_after(b);
        self
    }
}

impl SimpleRNN {
    /// `keras.layers.SimpleRNN(units)`: its cell is `simple_rnn_cell`.
    pub fn new(units: usize) -> SimpleRNN {
        Recurrent::with_cell("SimpleRNN", unique_name("simple_rnn"), SimpleRNNCell::named("simple_rnn_cell".into(), units))
    }
}

cell_builders!(LSTM);
cell_builders!(GRU);
cell_builders!(SimpleRNN);
