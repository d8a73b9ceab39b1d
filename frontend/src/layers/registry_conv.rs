//! `from_config` for the convolution layers (rows of the table in `registry.rs`): each
//! reads the keys its `get_config` writes, through the layer's own builder methods.
use super::registry::{boolean, boxed, initializer, optional, size, string};
use super::*;
use crate::config::Config;
use crate::constraints::Constraint;
use crate::error::Result;
use crate::regularizers::Regularizer;
use serde_json::Value;

/// The keys each family reads: its own, then those every convolution shares.
macro_rules! with_shared {
    ($($k:literal),*) => {
        &[$($k,)* "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias", "bias_initializer",
          "bias_regularizer", "activity_regularizer", "bias_constraint"]
    };
}
pub(super) const CONV_KEYS: &[&str] = with_shared!("filters", "groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint");
pub(super) const CONV_TRANSPOSE_KEYS: &[&str] =
    with_shared!("filters", "output_padding", "kernel_initializer", "kernel_regularizer", "kernel_constraint");
pub(super) const DEPTHWISE_KEYS: &[&str] = with_shared!("depth_multiplier", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint");
pub(super) const SEPARABLE_KEYS: &[&str] = with_shared!(
    "depth_multiplier", "filters", "depthwise_initializer", "depthwise_regularizer", "depthwise_constraint", "pointwise_initializer",
    "pointwise_regularizer", "pointwise_constraint"
);

/// An int-or-tuple argument (`3` or `[3, 3]`).
pub(super) fn ints_arg(c: &Config, key: &str) -> Result<Ints> {
    match c.get(key) {
        Some(Value::Number(n)) if n.is_i64() => Ok(Ints(vec![n.as_i64().unwrap_or(0)])),
        Some(Value::Array(a)) => Ok(Ints(
            a.iter().map(|v| v.as_i64().ok_or_else(|| crate::Error::msg(format!("config key `{key}` must hold integers, got {v}")))).collect::<Result<_>>()?,
        )),
        other => crate::bail!("config key `{key}` must be an integer or a list of integers, got {}", other.unwrap_or(&Value::Null)),
    }
}

/// `ints_arg`, or `default` when absent or null.
pub(super) fn ints_or(c: &Config, key: &str, default: Ints) -> Result<Ints> {
    match c.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(_) => ints_arg(c, key),
    }
}

/// A weight's three entries (`{prefix}_initializer`, `_regularizer`, `_constraint`)
/// applied with the layer's builder methods of those names.
macro_rules! apply_weight {
    ($l:expr, $c:expr, $prefix:literal, $default:literal, $init:ident, $reg:ident, $con:ident) => {{
        let mut l = $l.$init(initializer($c, concat!($prefix, "_initializer"), $default)?);
        if let Some(r) = optional($c, concat!($prefix, "_regularizer"), Regularizer::from_config)? {
            l = l.$reg(r);
        }
        if let Some(k) = optional($c, concat!($prefix, "_constraint"), Constraint::from_config)? {
            l = l.$con(k);
        }
        l
    }};
}

/// The shared keys applied with the builders every convolution has.
macro_rules! apply_shared {
    ($l:expr, $c:expr) => {{
        let mut l = $l
            .strides(ints_or($c, "strides", Ints(vec![1]))?)
            .padding(&string($c, "padding", "valid")?)
            .data_format(&string($c, "data_format", "channels_last")?)
            .dilation_rate(ints_or($c, "dilation_rate", Ints(vec![1]))?)
            .activation(&string($c, "activation", "linear")?)
            .use_bias(boolean($c, "use_bias", true)?);
        l = apply_weight!(l, $c, "bias", "zeros", bias_initializer, bias_regularizer, bias_constraint);
        if let Some(r) = optional($c, "activity_regularizer", Regularizer::from_config)? {
            l = l.activity_regularizer(r);
        }
        l
    }};
}

pub(super) fn conv<const N: usize>(c: &Config) -> Result<Box<dyn Layer>> {
    let l = Conv::<N>::new(size(c, "filters")?, ints_arg(c, "kernel_size")?).groups(match c.get("groups") {
        None | Some(Value::Null) => 1,
        Some(_) => size(c, "groups")?,
    });
    let l = apply_shared!(l, c);
    boxed(c, apply_weight!(l, c, "kernel", "glorot_uniform", kernel_initializer, kernel_regularizer, kernel_constraint))
}

pub(super) fn conv_transpose<const N: usize>(c: &Config) -> Result<Box<dyn Layer>> {
    let mut l = ConvTranspose::<N>::new(size(c, "filters")?, ints_arg(c, "kernel_size")?);
    if c.get("output_padding").is_some_and(|v| !v.is_null()) {
        l = l.output_padding(ints_arg(c, "output_padding")?);
    }
    let l = apply_shared!(l, c);
    boxed(c, apply_weight!(l, c, "kernel", "glorot_uniform", kernel_initializer, kernel_regularizer, kernel_constraint))
}

fn multiplier(c: &Config) -> Result<usize> {
    match c.get("depth_multiplier") {
        None | Some(Value::Null) => Ok(1),
        Some(_) => size(c, "depth_multiplier"),
    }
}

pub(super) fn depthwise<const N: usize>(c: &Config) -> Result<Box<dyn Layer>> {
    let l = DepthwiseConv::<N>::new(ints_arg(c, "kernel_size")?).depth_multiplier(multiplier(c)?);
    let l = apply_shared!(l, c);
    boxed(c, apply_weight!(l, c, "depthwise", "glorot_uniform", depthwise_initializer, depthwise_regularizer, depthwise_constraint))
}

pub(super) fn separable<const N: usize>(c: &Config) -> Result<Box<dyn Layer>> {
    let l = SeparableConv::<N>::new(size(c, "filters")?, ints_arg(c, "kernel_size")?).depth_multiplier(multiplier(c)?);
    let l = apply_shared!(l, c);
    let l = apply_weight!(l, c, "depthwise", "glorot_uniform", depthwise_initializer, depthwise_regularizer, depthwise_constraint);
    boxed(c, apply_weight!(l, c, "pointwise", "glorot_uniform", pointwise_initializer, pointwise_regularizer, pointwise_constraint))
}
