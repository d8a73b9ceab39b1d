//! Normalization ops (`keras.ops.moments`, `batch_normalization`,
//! `layer_normalization`, `rms_normalization`), step for step as Keras's JAX backend
//! computes them (`x * inv + (-mean * inv + offset)` with `inv = rsqrt(var + ε) * scale`),
//! so the normalization layers round like Keras's.
use super::math::*;
use super::{axis, lift, reshape_dims};
use crate::error::Result;
use crate::tensor::Tensor;
use kc_ir::Dim;

/// Sorted, deduplicated, non-negative axes.
fn norm_axes(axes: &[i64], rank: usize) -> Result<Vec<i64>> {
    let mut v = axes.iter().map(|&a| axis(a, rank).map(|d| d as i64)).collect::<Result<Vec<_>>>()?;
    v.sort();
    v.dedup();
    Ok(v)
}

/// `keras.ops.moments`: the mean and the (biased) variance of `x` over `axes`,
/// `mean((x - mean)^2)` as `jnp.var` computes it.
pub fn moments(x: &Tensor, axes: &[i64], keepdims: bool) -> Result<(Tensor, Tensor)> {
    let axes = norm_axes(axes, x.rank())?;
    let m = mean(x, Some(&axes), true)?;
    let v = mean(&square(&subtract(x, &m)?)?, Some(&axes), keepdims)?;
    let m = if keepdims { m } else { mean(x, Some(&axes), false)? };
    Ok((m, v))
}

/// `v` (one value per entry of `x`'s `axes`) reshaped to broadcast against `x`: its
/// extents at `axes`, 1 elsewhere. A weight is read in `x`'s trace first.
fn along(v: &Tensor, x: &Tensor, axes: &[i64], what: &str) -> Result<Tensor> {
    let dims = x.dims();
    let mut shape = vec![Dim::Known(1); dims.len()];
    let mut size = 1u64;
    for &a in axes {
        let Dim::Known(n) = dims[a as usize] else { crate::bail!("{what}: axis {a} of {} must be known", x.ty()) };
        shape[a as usize] = Dim::Known(n);
        size *= n;
    }
    if v.shape().map(|s| s.iter().product::<usize>() as u64) != Some(size) {
        crate::bail!("{what}: {} does not have one value per element of axes {axes:?} of {}", v.ty(), x.ty());
    }
    reshape_dims(&lift(v, x)?, shape)
}

/// `keras.ops.batch_normalization`: `(x - mean) / sqrt(variance + epsilon) * scale +
/// offset`, with `mean`, `variance`, `offset`, `scale` vectors along `axis`.
pub fn batch_normalization(x: &Tensor, mean: &Tensor, variance: &Tensor, ax: i64, offset: Option<&Tensor>, scale: Option<&Tensor>, epsilon: f64) -> Result<Tensor> {
    let a = [axis(ax, x.rank())? as i64];
    let m = along(mean, x, &a, "batch_normalization: mean")?;
    let v = along(variance, x, &a, "batch_normalization: variance")?;
    let mut inv = rsqrt(&add(&v, epsilon)?)?;
    if let Some(s) = scale {
        inv = multiply(&inv, &along(s, x, &a, "batch_normalization: scale")?)?;
    }
    let mut res = multiply(&negative(&m)?, &inv)?;
    if let Some(o) = offset {
        res = add(&res, &along(o, x, &a, "batch_normalization: offset")?)?;
    }
    add(&multiply(x, &inv)?, &res)
}

/// `keras.ops.layer_normalization` over `axes` with optional `gamma`/`beta` shaped like
/// those axes. `rms_scaling` is Keras's deprecated variant: `x * rsqrt(var + ε) * gamma`
/// (it divides by the standard deviation but does not centre).
pub fn layer_normalization(x: &Tensor, gamma: Option<&Tensor>, beta: Option<&Tensor>, axes: &[i64], epsilon: f64, rms_scaling: bool) -> Result<Tensor> {
    let axes = norm_axes(axes, x.rank())?;
    let g = gamma.map(|g| along(g, x, &axes, "layer_normalization: gamma")).transpose()?;
    let b = beta.map(|b| along(b, x, &axes, "layer_normalization: beta")).transpose()?;
    if rms_scaling {
        let (_, var) = moments(x, &axes, true)?;
        let y = multiply(x, &rsqrt(&add(&var, epsilon)?)?)?;
        return match g {
            Some(g) => multiply(&y, &g),
            None => Ok(y),
        };
    }
    let (m, var) = moments(x, &axes, true)?;
    let mut inv = rsqrt(&add(&var, epsilon)?)?;
    if let Some(g) = &g {
        inv = multiply(&inv, g)?;
    }
    let mut res = multiply(&negative(&m)?, &inv)?;
    if let Some(b) = &b {
        res = add(&res, b)?;
    }
    add(&multiply(x, &inv)?, &res)
}

/// `keras.ops.rms_normalization`: `x * rsqrt(mean(x^2, axes) + epsilon) * scale`, the
/// scale broadcast against `x` the numpy way (aligned at the last axis, as Keras does:
/// a scale for leading axes does not broadcast and is an error).
pub fn rms_normalization(x: &Tensor, scale: Option<&Tensor>, axes: &[i64], epsilon: f64) -> Result<Tensor> {
    let axes = norm_axes(axes, x.rank())?;
    let rrms = rsqrt(&add(&mean(&square(x)?, Some(&axes), true)?, epsilon)?)?;
    let y = multiply(x, &rrms)?;
    match scale {
        None => Ok(y),
        Some(s) => multiply(&y, &lift(s, x)?).map_err(|e| e.context(format!("rms_normalization: the scale {} does not broadcast against {}", s.ty(), x.ty()))),
    }
}
