//! Probabilistic losses: cross-entropies (binary, categorical, sparse, focal),
//! Kullback-Leibler divergence and Poisson, with Keras 3's formulas (JAX backend),
//! label smoothing and `from_logits`.
use super::{Loss, Values};
use crate::error::Result;
use crate::ops::{self, EPSILON};
use crate::tensor::Tensor;

/// Keras's backend cross-entropies insist on equal shapes (after the loss wrapper has
/// lined up a trailing 1); broadcasting would silently compute something else.
fn same_shape(t: &Tensor, p: &Tensor) -> Result<()> {
    if t.dims() != p.dims() {
        crate::bail!("y_true {} and y_pred {} must have the same shape", t.ty(), p.ty());
    }
    Ok(())
}

/// Binary label smoothing: t * (1 - s) + s / 2.
fn smooth_binary(t: &Tensor, s: f64) -> Result<Tensor> {
    if s == 0.0 {
        return Ok(t.clone());
    }
    ops::add(&ops::multiply(t, 1.0 - s)?, 0.5 * s)
}

/// Categorical label smoothing: t * (1 - s) + s / classes, the division done in the
/// loss dtype as Keras does.
fn smooth_categorical(t: &Tensor, s: f64) -> Result<Tensor> {
    if s == 0.0 {
        return Ok(t.clone());
    }
    let last = t.rank() as i64 - 1;
    if last < 0 {
        crate::bail!("label smoothing needs a class axis, y_true is {}", t.ty());
    }
    let classes = ops::math_count(t, &[last])?;
    let share = ops::divide(&ops::scalar(s, t.dtype())?, &classes)?;
    ops::add(&ops::multiply(t, 1.0 - s)?, &share)
}

pub(super) fn binary_crossentropy(t: &Tensor, p: &Tensor, l: &Loss) -> Result<Values> {
    let t = smooth_binary(&ops::cast(t, p.dtype())?, l.label_smoothing)?;
    same_shape(&t, p)?;
    Values::plain(ops::mean(&ops::binary_crossentropy(&t, p, l.from_logits)?, Some(&[l.axis]), false)?)
}

pub(super) fn categorical_crossentropy(t: &Tensor, p: &Tensor, l: &Loss) -> Result<Values> {
    let t = smooth_categorical(&ops::cast(t, p.dtype())?, l.label_smoothing)?;
    if p.rank() < 1 {
        crate::bail!("y_pred {} must have a class axis", p.ty());
    }
    Values::plain(ops::categorical_crossentropy(&t, p, l.from_logits, l.axis)?)
}

/// Integer labels against a class axis (the last). With `ignore_class`, entries whose
/// label is that class are zeroed and masked out of the reduction.
pub(super) fn sparse_categorical_crossentropy(t: &Tensor, p: &Tensor, l: &Loss) -> Result<Values> {
    let mut t = t.clone();
    let mut p = p.clone();
    if t.rank() == p.rank() && t.dims().last() == Some(&kc_ir::Dim::Known(1)) {
        t = ops::squeeze(&t, Some(-1))?;
    }
    if t.rank() + 1 != p.rank() || t.dims()[..] != p.dims()[..p.rank().saturating_sub(1)] {
        crate::bail!("y_true {} must have the shape of y_pred {} without its class axis (or with a trailing 1)", t.ty(), p.ty());
    }
    let mut valid = None;
    if let Some(ignore) = l.ignore_class {
        let keep = ops::not_equal(&t, ignore as f64)?;
        t = ops::where_(&keep, &t, 0.0)?;
        p = ops::where_(&ops::expand_dims(&keep, -1)?, &p, 0.0)?;
        valid = Some(keep);
    }
    let res = ops::sparse_categorical_crossentropy(&t, &p, l.from_logits)?;
    Ok(match valid {
        Some(keep) => Values { values: ops::where_(&keep, &res, 0.0)?, mask: Some(keep) },
        None => Values { values: res, mask: None },
    })
}

/// Binary cross-entropy scaled by (1 - p_t)^gamma, optionally by alpha for positives
/// and 1 - alpha for negatives.
pub(super) fn binary_focal_crossentropy(t: &Tensor, p: &Tensor, l: &Loss) -> Result<Values> {
    let t = smooth_binary(&ops::cast(t, p.dtype())?, l.label_smoothing)?;
    same_shape(&t, p)?;
    let p = if l.from_logits { ops::sigmoid(p)? } else { p.clone() };
    let bce = ops::binary_crossentropy(&t, &p, false)?;
    let not_t = ops::subtract(1.0, &t)?;
    let p_t = ops::add(&ops::multiply(&t, &p)?, &ops::multiply(&not_t, &ops::subtract(1.0, &p)?)?)?;
    let focal = ops::power(&ops::subtract(1.0, &p_t)?, l.gamma)?;
    let mut v = ops::multiply(&focal, &bce)?;
    if l.apply_class_balancing {
        let w = ops::add(&ops::multiply(&t, l.alpha)?, &ops::multiply(&not_t, 1.0 - l.alpha)?)?;
        v = ops::multiply(&w, &v)?;
    }
    Values::plain(ops::mean(&v, Some(&[l.axis]), false)?)
}

/// Categorical cross-entropy scaled per class by alpha * (1 - p)^gamma.
pub(super) fn categorical_focal_crossentropy(t: &Tensor, p: &Tensor, l: &Loss) -> Result<Values> {
    let t = smooth_categorical(&ops::cast(t, p.dtype())?, l.label_smoothing)?;
    same_shape(&t, p)?;
    let a = [l.axis];
    let p = if l.from_logits { ops::softmax(p, l.axis)? } else { p.clone() };
    let out = ops::divide(&p, &ops::sum(&p, Some(&a), true)?)?;
    let out = ops::clip(&out, EPSILON, 1.0 - EPSILON)?;
    let cce = ops::multiply(&ops::negative(&t)?, &ops::log(&out)?)?;
    let modulating = ops::power(&ops::subtract(1.0, &out)?, l.gamma)?;
    let weighting = ops::multiply(&modulating, l.alpha)?;
    Values::plain(ops::sum(&ops::multiply(&weighting, &cce)?, Some(&a), false)?)
}

/// sum(t * log(t / p)) with both clipped to [ε, 1].
pub(super) fn kl_divergence(t: &Tensor, p: &Tensor, _: &Loss) -> Result<Values> {
    let t = ops::clip(&ops::cast(t, p.dtype())?, EPSILON, 1.0)?;
    let p = ops::clip(p, EPSILON, 1.0)?;
    Values::plain(ops::sum(&ops::multiply(&t, &ops::log(&ops::divide(&t, &p)?)?)?, Some(&[-1]), false)?)
}

/// mean(p - t * log(p + ε)).
pub(super) fn poisson(t: &Tensor, p: &Tensor, _: &Loss) -> Result<Values> {
    let t = ops::cast(t, p.dtype())?;
    let v = ops::subtract(p, &ops::multiply(&t, &ops::log(&ops::add(p, EPSILON)?)?)?)?;
    Values::plain(ops::mean(&v, Some(&[-1]), false)?)
}
