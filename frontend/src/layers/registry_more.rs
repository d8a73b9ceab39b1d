//! `from_config` for the pooling, normalization, noise and spatial reshaping layers
//! (rows of the table in `registry.rs`).
use super::registry::{boolean, boxed, initializer, number, optional, string};
use super::registry_conv::{ints_arg, ints_or};
use super::*;
use crate::config::{self, Config};
use crate::constraints::Constraint;
use crate::error::Result;
use crate::regularizers::Regularizer;
use serde_json::Value;

pub(super) fn pooling<const N: usize, const MAX: bool>(c: &Config) -> Result<Box<dyn Layer>> {
    let pool = ints_or(c, "pool_size", Ints(vec![2]))?;
    let mut l = Pooling::<N, MAX>::new(pool).padding(&string(c, "padding", "valid")?).data_format(&string(c, "data_format", "channels_last")?);
    if c.get("strides").is_some_and(|v| !v.is_null()) {
        l = l.strides(ints_arg(c, "strides")?);
    }
    boxed(c, l)
}

pub(super) fn global_pooling<const N: usize, const MAX: bool>(c: &Config) -> Result<Box<dyn Layer>> {
    let l = GlobalPooling::<N, MAX>::new().data_format(&string(c, "data_format", "channels_last")?).keepdims(boolean(c, "keepdims", false)?);
    boxed(c, l)
}

/// The `beta_*`/`gamma_*` entries through the layer's builders.
macro_rules! apply_beta_gamma {
    ($l:expr, $c:expr) => {{
        let mut l = $l
            .beta_initializer(initializer($c, "beta_initializer", "zeros")?)
            .gamma_initializer(initializer($c, "gamma_initializer", "ones")?);
        if let Some(r) = optional($c, "beta_regularizer", Regularizer::from_config)? {
            l = l.beta_regularizer(r);
        }
        if let Some(r) = optional($c, "gamma_regularizer", Regularizer::from_config)? {
            l = l.gamma_regularizer(r);
        }
        if let Some(k) = optional($c, "beta_constraint", Constraint::from_config)? {
            l = l.beta_constraint(k);
        }
        if let Some(k) = optional($c, "gamma_constraint", Constraint::from_config)? {
            l = l.gamma_constraint(k);
        }
        l
    }};
}

/// An `axis` that is an int or a list of ints.
fn axes_arg(c: &Config, default: i64) -> Result<(Vec<i64>, bool)> {
    match c.get("axis") {
        None | Some(Value::Null) => Ok((vec![default], false)),
        Some(Value::Array(_)) => Ok((config::axes_or(c, "axis", &[default])?, true)),
        Some(_) => Ok((config::axes_or(c, "axis", &[default])?, false)),
    }
}

fn int(c: &Config, key: &str, default: i64) -> Result<i64> {
    match c.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_i64().ok_or_else(|| crate::Error::msg(format!("config key `{key}` must be an integer, got {v}"))),
    }
}

pub(super) const BATCH_NORM_KEYS: &[&str] = &[
    "axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "moving_mean_initializer",
    "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint", "synchronized", "renorm",
    "renorm_clipping", "renorm_momentum",
];

pub(super) fn batch_normalization(c: &Config) -> Result<Box<dyn Layer>> {
    for key in ["synchronized", "renorm"] {
        if boolean(c, key, false)? {
            crate::bail!("BatchNormalization: `{key}=True` is not supported");
        }
    }
    let l = BatchNormalization::new()
        .axis(int(c, "axis", -1)?)
        .momentum(number(c, "momentum", Some(0.99))?)
        .epsilon(number(c, "epsilon", Some(1e-3))?)
        .center(boolean(c, "center", true)?)
        .scale(boolean(c, "scale", true)?)
        .moving_mean_initializer(initializer(c, "moving_mean_initializer", "zeros")?)
        .moving_variance_initializer(initializer(c, "moving_variance_initializer", "ones")?);
    boxed(c, apply_beta_gamma!(l, c))
}

pub(super) const LAYER_NORM_KEYS: &[&str] = &[
    "axis", "epsilon", "center", "scale", "rms_scaling", "beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer",
    "beta_constraint", "gamma_constraint",
];

pub(super) fn layer_normalization(c: &Config) -> Result<Box<dyn Layer>> {
    let (axes, list) = axes_arg(c, -1)?;
    let l = if list { LayerNormalization::new().axes(&axes) } else { LayerNormalization::new().axis(axes[0]) };
    let l = l
        .epsilon(number(c, "epsilon", Some(1e-3))?)
        .center(boolean(c, "center", true)?)
        .scale(boolean(c, "scale", true)?)
        .rms_scaling(boolean(c, "rms_scaling", false)?);
    boxed(c, apply_beta_gamma!(l, c))
}

pub(super) const GROUP_NORM_KEYS: &[&str] = &[
    "groups", "axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer",
    "beta_constraint", "gamma_constraint",
];

pub(super) fn group_normalization(c: &Config) -> Result<Box<dyn Layer>> {
    let l = GroupNormalization::new(int(c, "groups", 32)?)
        .axis(int(c, "axis", -1)?)
        .epsilon(number(c, "epsilon", Some(1e-3))?)
        .center(boolean(c, "center", true)?)
        .scale(boolean(c, "scale", true)?);
    boxed(c, apply_beta_gamma!(l, c))
}

pub(super) fn unit_normalization(c: &Config) -> Result<Box<dyn Layer>> {
    let (axes, list) = axes_arg(c, -1)?;
    boxed(c, if list { UnitNormalization::new().axes(&axes) } else { UnitNormalization::new().axis(axes[0]) })
}

pub(super) fn rms_normalization(c: &Config) -> Result<Box<dyn Layer>> {
    let (axes, list) = axes_arg(c, -1)?;
    let l = if list { RMSNormalization::new().axes(&axes) } else { RMSNormalization::new().axis(axes[0]) };
    boxed(c, l.epsilon(number(c, "epsilon", Some(1e-6))?))
}

/// An optional 32-bit seed.
fn seed(c: &Config) -> Result<Option<u32>> {
    config::seed_of(c)
}

pub(super) fn spatial_dropout<const N: usize>(c: &Config) -> Result<Box<dyn Layer>> {
    let mut l = SpatialDropout::<N>::new(number(c, "rate", None)?).data_format(&string(c, "data_format", "channels_last")?);
    if let Some(s) = seed(c)? {
        l = l.seed(s);
    }
    boxed(c, l)
}

pub(super) fn gaussian_noise(c: &Config) -> Result<Box<dyn Layer>> {
    let mut l = GaussianNoise::new(number(c, "stddev", None)?);
    if let Some(s) = seed(c)? {
        l = l.seed(s);
    }
    boxed(c, l)
}

pub(super) fn gaussian_dropout(c: &Config) -> Result<Box<dyn Layer>> {
    let mut l = GaussianDropout::new(number(c, "rate", None)?);
    if let Some(s) = seed(c)? {
        l = l.seed(s);
    }
    boxed(c, l)
}

pub(super) fn alpha_dropout(c: &Config) -> Result<Box<dyn Layer>> {
    let mut l = AlphaDropout::new(number(c, "rate", None)?);
    if let Some(s) = seed(c)? {
        l = l.seed(s);
    }
    if let Some(ns) = optional(c, "noise_shape", super::registry::noise_shape)? {
        l = l.noise_shape(&ns);
    }
    boxed(c, l)
}

pub(super) fn activity_regularization(c: &Config) -> Result<Box<dyn Layer>> {
    boxed(c, ActivityRegularization::new(number(c, "l1", Some(0.0))?, number(c, "l2", Some(0.0))?))
}

/// A `cropping`/`padding` argument: an int, a list of ints, or a list of pairs.
fn sides(c: &Config, key: &str, default: i64) -> Result<Sides> {
    let int = |v: &Value| v.as_i64().ok_or_else(|| crate::Error::msg(format!("config key `{key}` must hold integers, got {v}")));
    match c.get(key) {
        None | Some(Value::Null) => Ok(Sides(vec![vec![default]])),
        Some(Value::Array(a)) => Ok(Sides(
            a.iter()
                .map(|e| match e {
                    Value::Array(p) => p.iter().map(int).collect::<Result<Vec<_>>>(),
                    e => Ok(vec![int(e)?]),
                })
                .collect::<Result<_>>()?,
        )),
        Some(v) => Ok(Sides(vec![vec![int(v)?]])),
    }
}

pub(super) fn cropping<const N: usize>(c: &Config) -> Result<Box<dyn Layer>> {
    let l = Cropping::<N>::new(sides(c, "cropping", if N == 2 { 0 } else { 1 })?).data_format(&string(c, "data_format", "channels_last")?);
    boxed(c, l)
}

pub(super) fn zero_padding<const N: usize>(c: &Config) -> Result<Box<dyn Layer>> {
    let l = ZeroPadding::<N>::new(sides(c, "padding", 1)?).data_format(&string(c, "data_format", "channels_last")?);
    boxed(c, l)
}

pub(super) fn up_sampling<const N: usize>(c: &Config) -> Result<Box<dyn Layer>> {
    let l = UpSampling::<N>::new(ints_or(c, "size", Ints(vec![2]))?)
        .data_format(&string(c, "data_format", "channels_last")?)
        .interpolation(&string(c, "interpolation", "nearest")?);
    boxed(c, l)
}
