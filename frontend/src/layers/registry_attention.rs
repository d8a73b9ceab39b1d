//! `from_config` for the attention layers and EinsumDense (rows of the table in
//! `registry.rs`).
use super::registry::{boolean, check, initializer, named_as, number, optional, string};
use super::*;
use crate::config::{self, Config};
use crate::constraints::Constraint;
use crate::error::Result;
use crate::regularizers::Regularizer;
use serde_json::Value;

/// The keys both multi-head layers read besides their own.
macro_rules! heads_keys {
    ($($k:literal),*) => {
        &[$($k,)* "dropout", "use_bias", "use_gate", "sliding_window", "kernel_initializer", "bias_initializer", "kernel_regularizer",
          "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint", "seed"]
    };
}
pub(super) const MHA_KEYS: &[&str] = heads_keys!("num_heads", "key_dim", "value_dim", "output_shape", "attention_axes");
pub(super) const GQA_KEYS: &[&str] = heads_keys!("head_dim", "num_query_heads", "num_key_value_heads");
pub(super) const EINSUM_DENSE_KEYS: &[&str] = &[
    "output_shape", "equation", "activation", "bias_axes", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
    "activity_regularizer", "kernel_constraint", "bias_constraint", "quantization_config", "lora_rank", "lora_alpha", "gptq_unpacked_column_size",
];

/// A positive integer the layer cannot do without.
fn required(c: &Config, class: &str, key: &str) -> Result<usize> {
    match c.get(key) {
        None | Some(Value::Null) => crate::bail!("{class}: `{key}` is required (a positive integer)"),
        Some(v) => match v.as_u64() {
            Some(n) => Ok(n as usize),
            None => crate::bail!("{class}: `{key}` must be a positive integer, got {v}"),
        },
    }
}

/// An int, or a list of ints (Keras's tuples), or null.
fn int_or_list(c: &Config, key: &str) -> Result<Option<Vec<i64>>> {
    let int = |v: &Value| v.as_i64().ok_or_else(|| crate::Error::msg(format!("config key `{key}` must hold integers, got {v}")));
    match c.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.iter().map(int).collect::<Result<_>>()?)),
        Some(v) => Ok(Some(vec![int(v)?])),
    }
}

/// The shared arguments through the layer's builders (`heads_builders!`).
macro_rules! apply_heads {
    ($l:expr, $c:expr) => {{
        let mut l = $l
            .dropout(number($c, "dropout", Some(0.0))?)
            .use_bias(boolean($c, "use_bias", true)?)
            .use_gate(boolean($c, "use_gate", false)?)
            .kernel_initializer(initializer($c, "kernel_initializer", "glorot_uniform")?)
            .bias_initializer(initializer($c, "bias_initializer", "zeros")?);
        if let Some(w) = optional($c, "sliding_window", |v| v.as_u64().map(|n| n as usize).ok_or_else(|| crate::Error::msg(format!("`sliding_window` must be a positive integer or null, got {v}"))))? {
            l = l.sliding_window(w);
        }
        if let Some(s) = config::seed_of($c)? {
            l = l.seed(s);
        }
        if let Some(r) = optional($c, "kernel_regularizer", Regularizer::from_config)? {
            l = l.kernel_regularizer(r);
        }
        if let Some(r) = optional($c, "bias_regularizer", Regularizer::from_config)? {
            l = l.bias_regularizer(r);
        }
        if let Some(r) = optional($c, "activity_regularizer", Regularizer::from_config)? {
            l = l.activity_regularizer(r);
        }
        if let Some(k) = optional($c, "kernel_constraint", Constraint::from_config)? {
            l = l.kernel_constraint(k);
        }
        if let Some(k) = optional($c, "bias_constraint", Constraint::from_config)? {
            l = l.bias_constraint(k);
        }
        l
    }};
}

pub(super) fn multi_head_attention(c: &Config) -> Result<Box<dyn Layer>> {
    Ok(Box::new(mha(c)?))
}

fn mha(c: &Config) -> Result<MultiHeadAttention> {
    let class = "MultiHeadAttention";
    let mut l = MultiHeadAttention::new(required(c, class, "num_heads")?, required(c, class, "key_dim")?);
    if c.get("value_dim").is_some_and(|v| !v.is_null()) {
        l = l.value_dim(required(c, class, "value_dim")?);
    }
    if let Some(s) = int_or_list(c, "output_shape")? {
        if s.iter().any(|&d| d <= 0) {
            crate::bail!("{class}: `output_shape` must hold positive integers, got {s:?}");
        }
        l = l.output_shape(s);
    }
    if let Some(a) = int_or_list(c, "attention_axes")? {
        l = l.attention_axes(a);
    }
    named_as(c, apply_heads!(l, c))
}

pub(super) fn grouped_query_attention(c: &Config) -> Result<Box<dyn Layer>> {
    Ok(Box::new(gqa(c)?))
}

fn gqa(c: &Config) -> Result<GroupedQueryAttention> {
    let class = "GroupedQueryAttention";
    let l = GroupedQueryAttention::new(required(c, class, "head_dim")?, required(c, class, "num_query_heads")?, required(c, class, "num_key_value_heads")?);
    named_as(c, apply_heads!(l, c))
}

fn dropout_seed(c: &Config) -> Result<(f64, Option<u32>)> {
    Ok((number(c, "dropout", Some(0.0))?, config::seed_of(c)?))
}

pub(super) fn attention(c: &Config) -> Result<Box<dyn Layer>> {
    Ok(Box::new(dot_product(c)?))
}

fn dot_product(c: &Config) -> Result<Attention> {
    let (rate, seed) = dropout_seed(c)?;
    let mut l = Attention::new().use_scale(boolean(c, "use_scale", false)?).score_mode(&string(c, "score_mode", "dot")?).dropout(rate);
    if let Some(s) = seed {
        l = l.seed(s);
    }
    named_as(c, l)
}

pub(super) fn additive_attention(c: &Config) -> Result<Box<dyn Layer>> {
    Ok(Box::new(additive(c)?))
}

fn additive(c: &Config) -> Result<AdditiveAttention> {
    let (rate, seed) = dropout_seed(c)?;
    let mut l = AdditiveAttention::new().use_scale(boolean(c, "use_scale", true)?).dropout(rate);
    if let Some(s) = seed {
        l = l.seed(s);
    }
    named_as(c, l)
}

pub(super) fn einsum_dense(c: &Config) -> Result<Box<dyn Layer>> {
    Ok(Box::new(einsum(c)?))
}

fn einsum(c: &Config) -> Result<EinsumDense> {
    for key in ["quantization_config", "lora_rank", "lora_alpha", "gptq_unpacked_column_size"] {
        if c.get(key).is_some_and(|q| !q.is_null()) {
            crate::bail!("EinsumDense: `{key}` is not supported");
        }
    }
    let equation = match c.get("equation") {
        Some(Value::String(s)) => s.clone(),
        other => crate::bail!("EinsumDense: `equation` is required (a string), got {}", other.unwrap_or(&Value::Null)),
    };
    let dim = |v: &Value| match v {
        Value::Null => Ok(None),
        v => v.as_u64().map(|n| Some(n as usize)).ok_or_else(|| crate::Error::msg(format!("EinsumDense: `output_shape` entries must be integers or null, got {v}"))),
    };
    let shape: Vec<Option<usize>> = match c.get("output_shape") {
        Some(Value::Array(a)) => a.iter().map(dim).collect::<Result<_>>()?,
        Some(v @ Value::Number(_)) => vec![dim(v)?],
        other => crate::bail!("EinsumDense: `output_shape` is required (an int or a list), got {}", other.unwrap_or(&Value::Null)),
    };
    let mut l = EinsumDense::new(&equation, shape)
        .activation(&string(c, "activation", "linear")?)
        .kernel_initializer(initializer(c, "kernel_initializer", "glorot_uniform")?)
        .bias_initializer(initializer(c, "bias_initializer", "zeros")?);
    if let Some(b) = optional(c, "bias_axes", |v| v.as_str().map(str::to_string).ok_or_else(|| crate::Error::msg(format!("EinsumDense: `bias_axes` must be a string, got {v}"))))? {
        l = l.bias_axes(&b);
    }
    if let Some(r) = optional(c, "kernel_regularizer", Regularizer::from_config)? {
        l = l.kernel_regularizer(r);
    }
    if let Some(r) = optional(c, "bias_regularizer", Regularizer::from_config)? {
        l = l.bias_regularizer(r);
    }
    if let Some(r) = optional(c, "activity_regularizer", Regularizer::from_config)? {
        l = l.activity_regularizer(r);
    }
    if let Some(k) = optional(c, "kernel_constraint", Constraint::from_config)? {
        l = l.kernel_constraint(k);
    }
    if let Some(k) = optional(c, "bias_constraint", Constraint::from_config)? {
        l = l.bias_constraint(k);
    }
    named_as(c, l)
}

/// `Layer.from_config` on the class itself: the concrete layer (so its call flags can
/// be set), after the checks of [`crate::layers::from_config`].
macro_rules! typed_from_config {
    ($($ty:ident $class:literal $f:ident),*) => {
        $(impl $ty {
            /// Keras's `from_config`: the layer a config (with Keras's keys) describes.
            pub fn from_config(c: &Config) -> Result<$ty> {
                check($class, c)?;
                $f(c)
            }
        })*
    };
}
typed_from_config!(
    MultiHeadAttention "MultiHeadAttention" mha,
    GroupedQueryAttention "GroupedQueryAttention" gqa,
    Attention "Attention" dot_product,
    AdditiveAttention "AdditiveAttention" additive,
    EinsumDense "EinsumDense" einsum
);
