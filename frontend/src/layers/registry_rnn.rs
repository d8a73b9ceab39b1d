//! `from_config` for the recurrent layers, their cells, the wrappers and Masking (rows of
//! the table in `registry.rs`): each reads the keys its `get_config` writes.
use super::registry::{boolean, boxed, initializer, number, optional, size, string};
use super::rnn::HasCore;
use super::*;
use crate::config::{self, Config};
use crate::constraints::Constraint;
use crate::error::Result;
use crate::regularizers::Regularizer;
use serde_json::Value;

/// The keys of Keras's `RNN` base config.
macro_rules! rnn_keys {
    ($($k:literal),*) => {
        &[$($k,)* "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask"]
    };
}
/// The keys every built-in cell writes.
macro_rules! cell_keys {
    ($($k:literal),*) => {
        &[$($k,)* "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
          "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
          "bias_constraint", "dropout", "recurrent_dropout", "seed"]
    };
}
pub(super) const SIMPLE_RNN_CELL_KEYS: &[&str] = cell_keys!();
pub(super) const LSTM_CELL_KEYS: &[&str] = cell_keys!("recurrent_activation", "unit_forget_bias");
pub(super) const GRU_CELL_KEYS: &[&str] = cell_keys!("recurrent_activation", "reset_after");
pub(super) const RNN_KEYS: &[&str] = rnn_keys!("cell");
pub(super) const SIMPLE_RNN_KEYS: &[&str] = rnn_keys!(
    "activity_regularizer", "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
    "dropout", "recurrent_dropout", "seed"
);
pub(super) const LSTM_KEYS: &[&str] = rnn_keys!(
    "activity_regularizer", "use_cudnn", "recurrent_activation", "unit_forget_bias", "units", "activation", "use_bias",
    "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed"
);
pub(super) const GRU_KEYS: &[&str] = rnn_keys!(
    "activity_regularizer", "use_cudnn", "recurrent_activation", "reset_after", "units", "activation", "use_bias",
    "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed"
);

pub(super) const CONV_LSTM_KEYS: &[&str] = rnn_keys!(
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activity_regularizer", "recurrent_activation",
    "unit_forget_bias", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "seed"
);

/// The arguments every built-in cell shares, on a cell or on the layer over it.
fn cell_args<T: HasCore>(mut l: T, c: &Config) -> Result<T> {
    let core = l.core_mut();
    core.activation = string(c, "activation", "tanh")?;
    if c.contains_key("recurrent_activation") {
        core.recurrent_activation = string(c, "recurrent_activation", "sigmoid")?;
    }
    core.use_bias = boolean(c, "use_bias", true)?;
    core.kernel.initializer = initializer(c, "kernel_initializer", "glorot_uniform")?.into();
    core.recurrent.initializer = initializer(c, "recurrent_initializer", "orthogonal")?.into();
    core.bias.initializer = initializer(c, "bias_initializer", "zeros")?.into();
    core.kernel.regularizer = optional(c, "kernel_regularizer", Regularizer::from_config)?.map(Into::into);
    core.recurrent.regularizer = optional(c, "recurrent_regularizer", Regularizer::from_config)?.map(Into::into);
    core.bias.regularizer = optional(c, "bias_regularizer", Regularizer::from_config)?.map(Into::into);
    core.kernel.constraint = optional(c, "kernel_constraint", Constraint::from_config)?.map(Into::into);
    core.recurrent.constraint = optional(c, "recurrent_constraint", Constraint::from_config)?.map(Into::into);
    core.bias.constraint = optional(c, "bias_constraint", Constraint::from_config)?.map(Into::into);
    core.dropout = number(c, "dropout", Some(0.0))?.clamp(0.0, 1.0);
    core.recurrent_dropout = number(c, "recurrent_dropout", Some(0.0))?.clamp(0.0, 1.0);
    core.seed = config::seed_of(c)?;
    Ok(l)
}

/// The `RNN` base arguments.
fn rnn_args<C: RnnCell>(mut l: rnn::Recurrent<C>, c: &Config) -> Result<rnn::Recurrent<C>> {
    l = l
        .return_sequences(boolean(c, "return_sequences", false)?)
        .return_state(boolean(c, "return_state", false)?)
        .go_backwards(boolean(c, "go_backwards", false)?)
        .stateful(boolean(c, "stateful", false)?)
        .unroll(boolean(c, "unroll", false)?)
        .zero_output_for_mask(boolean(c, "zero_output_for_mask", false)?);
    if let Some(r) = optional(c, "activity_regularizer", Regularizer::from_config)? {
        l = l.activity_regularizer(r);
    }
    match c.get("use_cudnn") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(Value::String(s)) if s == "auto" => {}
        Some(v) => crate::bail!("use_cudnn={v}: kc has no cuDNN path (\"auto\" and false are accepted)"),
    }
    Ok(l)
}

pub(super) fn simple_rnn_cell(c: &Config) -> Result<Box<dyn Layer>> {
    boxed(c, cell_args(SimpleRNNCell::new(size(c, "units")?), c)?)
}
pub(super) fn lstm_cell(c: &Config) -> Result<Box<dyn Layer>> {
    boxed(c, cell_args(LSTMCell::new(size(c, "units")?).unit_forget_bias(boolean(c, "unit_forget_bias", true)?), c)?)
}
pub(super) fn gru_cell(c: &Config) -> Result<Box<dyn Layer>> {
    boxed(c, cell_args(GRUCell::new(size(c, "units")?).reset_after(boolean(c, "reset_after", true)?), c)?)
}

pub(super) fn simple_rnn(c: &Config) -> Result<Box<dyn Layer>> {
    boxed(c, rnn_args(cell_args(SimpleRNN::new(size(c, "units")?), c)?, c)?)
}
pub(super) fn lstm(c: &Config) -> Result<Box<dyn Layer>> {
    boxed(c, rnn_args(cell_args(LSTM::new(size(c, "units")?).unit_forget_bias(boolean(c, "unit_forget_bias", true)?), c)?, c)?)
}
pub(super) fn gru(c: &Config) -> Result<Box<dyn Layer>> {
    boxed(c, rnn_args(cell_args(GRU::new(size(c, "units")?).reset_after(boolean(c, "reset_after", true)?), c)?, c)?)
}

/// `ConvLSTM1D`/`2D`/`3D` (`N` spatial dims).
pub(super) fn conv_lstm<const N: usize>(c: &Config) -> Result<Box<dyn Layer>> {
    use super::registry_conv::{ints_arg, ints_or};
    let mut l = rnn::ConvLSTM::<N>::new(size(c, "filters")?, ints_arg(c, "kernel_size")?);
    l.strides = ints_or(c, "strides", Ints(vec![1]))?;
    l.dilation_rate = ints_or(c, "dilation_rate", Ints(vec![1]))?;
    l.padding = string(c, "padding", "valid")?.to_lowercase();
    l.data_format = match c.get("data_format") {
        None | Some(Value::Null) => "channels_last".into(),
        Some(_) => string(c, "data_format", "channels_last")?.to_lowercase(),
    };
    l.unit_forget_bias = boolean(c, "unit_forget_bias", true)?;
    l.return_sequences = boolean(c, "return_sequences", false)?;
    l.return_state = boolean(c, "return_state", false)?;
    l.go_backwards = boolean(c, "go_backwards", false)?;
    l.stateful = boolean(c, "stateful", false)?;
    l.unroll = boolean(c, "unroll", false)?;
    l.zero_output_for_mask = boolean(c, "zero_output_for_mask", false)?;
    let mut l = cell_args(l, c)?;
    if let Some(r) = optional(c, "activity_regularizer", Regularizer::from_config)? {
        l = l.activity_regularizer(r);
    }
    boxed(c, l)
}

/// A cell from its serialized config (the built-in cells).
pub(crate) fn cell_from(v: &Value) -> Result<Box<dyn RnnCell>> {
    let (class, cfg) = config::split(v, "cell")?;
    let keys: &[&str] = match class {
        "SimpleRNNCell" => SIMPLE_RNN_CELL_KEYS,
        "LSTMCell" => LSTM_CELL_KEYS,
        "GRUCell" => GRU_CELL_KEYS,
        other => crate::bail!("RNN: cannot build a cell of class `{other}` from a config (kc knows SimpleRNNCell, LSTMCell, GRUCell)"),
    };
    let mut known = vec!["name", "trainable", "dtype"];
    known.extend_from_slice(keys);
    config::reject_unknown(&cfg, &known, class)?;
    let units = size(&cfg, "units")?;
    let name = |n: &str| -> String { cfg.get("name").and_then(Value::as_str).unwrap_or(n).to_string() };
    Ok(match class {
        "SimpleRNNCell" => Box::new(cell_args(SimpleRNNCell::new(units), &cfg)?.name(&name("simple_rnn_cell"))),
        "LSTMCell" => Box::new(cell_args(LSTMCell::new(units).unit_forget_bias(boolean(&cfg, "unit_forget_bias", true)?), &cfg)?.name(&name("lstm_cell"))),
        _ => Box::new(cell_args(GRUCell::new(units).reset_after(boolean(&cfg, "reset_after", true)?), &cfg)?.name(&name("gru_cell"))),
    })
}

pub(super) fn rnn(c: &Config) -> Result<Box<dyn Layer>> {
    let cell = cell_from(c.get("cell").unwrap_or(&Value::Null))?;
    boxed(c, rnn_args(RNN::from_box(cell), c)?)
}

pub(super) fn bidirectional(c: &Config) -> Result<Box<dyn Layer>> {
    let layer = deserialize(c.get("layer").unwrap_or(&Value::Null))?;
    let mut b = Bidirectional::from_box(layer).merge_mode(optional(c, "merge_mode", |v| {
        v.as_str().map(str::to_string).ok_or_else(|| crate::Error::msg(format!("Bidirectional: merge_mode must be a string or null, got {v}")))
    })?.as_deref());
    if let Some(bl) = c.get("backward_layer").filter(|v| !v.is_null()) {
        b = b.backward_layer_box(deserialize(bl)?);
    }
    boxed(c, b)
}

pub(super) fn time_distributed(c: &Config) -> Result<Box<dyn Layer>> {
    let layer = deserialize(c.get("layer").unwrap_or(&Value::Null))?;
    boxed(c, TimeDistributed::from_box(layer))
}

pub(super) fn masking(c: &Config) -> Result<Box<dyn Layer>> {
    boxed(c, Masking::new().mask_value(number(c, "mask_value", Some(0.0))?))
}
