//! Ops the losses and metrics need beyond the core set: `divide_no_nan`, `isnan`,
//! `top_k`, `in_top_k` (all in `keras.ops`, with the JAX backend's semantics), and
//! `take_last`, a static index along the last axis that keeps symbolic leading dims.
use super::math::*;
use super::{apply, axis, one_hot};
use crate::error::Result;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, DType, Dim, OpKind};

/// `x / y`, and 0 where `y == 0` (`keras.ops.divide_no_nan`). The division reads a safe
/// denominator (1 where `y == 0`) so that neither branch produces inf or NaN, and the
/// gradient stays finite.
pub fn divide_no_nan(x: &Tensor, y: &Tensor) -> Result<Tensor> {
    let zero = equal(y, 0.0)?;
    let safe = where_(&zero, 1.0, y)?;
    let q = divide(x, &safe)?;
    where_(&zero, 0.0, &q)
}

/// True where `x` is NaN (`keras.ops.isnan`): NaN is the one value unequal to itself.
pub fn isnan(x: &Tensor) -> Result<Tensor> {
    not_equal(x, x)
}

/// The `k` largest entries along the last axis, in descending order, and their indices
/// (`keras.ops.top_k`). Equal values keep index order, as `jax.lax.top_k` does.
pub fn top_k(x: &Tensor, k: usize) -> Result<(Tensor, Tensor)> {
    let classes = x.dims().last().and_then(|d| d.known());
    match classes {
        Some(n) if k as u64 <= n => {}
        Some(n) => crate::bail!("top_k: k = {k} is larger than the last axis of {} ({n})", x.ty()),
        None => crate::bail!("top_k: the last axis of {} must be known", x.ty()),
    }
    let mut out = apply(OpKind::TopK, &[x], attrs(&[("k", Attr::Int(k as i64))]), Vec::new())?;
    let (Some(idx), Some(vals)) = (out.pop(), out.pop()) else { crate::bail!("top_k returned fewer than two results") };
    Ok((vals, idx))
}

/// Whether each target class is among the `k` largest predictions
/// (`keras.ops.in_top_k`): `targets` has the shape of `predictions` without its last
/// (class) axis. The rank of the target's score is 1 + the number of strictly larger
/// scores, so ties count in the target's favour; a NaN score at the target ranks last,
/// and so does a target outside `0..classes`.
pub fn in_top_k(targets: &Tensor, predictions: &Tensor, k: usize) -> Result<Tensor> {
    let p = predictions;
    let Some(classes) = p.dims().last().and_then(|d| d.known()) else { crate::bail!("in_top_k: the class axis of {} must be known", p.ty()) };
    if targets.rank() + 1 != p.rank() || targets.dims()[..] != p.dims()[..p.rank() - 1] {
        crate::bail!("in_top_k: targets {} must have the shape of predictions {} without its last axis", targets.ty(), p.ty());
    }
    let ids = if targets.dtype().is_int() { targets.clone() } else { cast(targets, DType::I32)? };
    let hit = greater(&one_hot(&ids, classes as usize)?, 0.0)?;
    let at_label = max(&where_(&hit, p, f64::NEG_INFINITY)?, Some(&[-1]), true)?;
    let at_label = where_(&isnan(&at_label)?, f64::NEG_INFINITY, &at_label)?;
    let above = cast(&greater(p, &at_label)?, DType::I32)?;
    let rank = add(&sum(&above, Some(&[-1]), false)?, 1)?;
    less_equal(&rank, k as f64)
}

/// `x[..., index]` (a static index; negative counts from the end), keeping the leading
/// dims whether known or symbolic. It selects by a one-hot mask and a sum over the last
/// axis, which adds only zeros to the chosen value, so the result is exact.
pub fn take_last(x: &Tensor, index: i64) -> Result<Tensor> {
    let Some(Dim::Known(n)) = x.dims().last().cloned() else { crate::bail!("take_last: the last axis of {} must be known", x.ty()) };
    let i = axis(index, n as usize).map_err(|_| crate::error::Error::msg(format!("index {index} is out of range for the last axis of {}", x.ty())))?;
    let ids = super::scalar(i as f64, DType::I32)?;
    let mask = greater(&one_hot(&ids, n as usize)?, 0.0)?;
    let picked = where_(&mask, x, 0.0)?;
    sum(&picked, Some(&[-1]), false)
}
