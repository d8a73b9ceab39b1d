//! Regression losses (`keras/src/losses/losses.py`): per-sample values, the last axis
//! averaged. Like Keras's functions they cast `y_true` to `y_pred`'s dtype and line up
//! ranks that differ by a trailing 1 themselves, so a metric calling them directly sees
//! what Keras's metric sees.
use super::{squeeze_or_expand_to_same_rank as same_rank, Loss, Values};
use crate::error::Result;
use crate::ops::{self, EPSILON};
use crate::tensor::Tensor;

fn prepare(t: &Tensor, p: &Tensor) -> Result<(Tensor, Tensor)> {
    let t = ops::cast(t, p.dtype())?;
    same_rank(&t, p, true)
}

fn last_mean(x: &Tensor) -> Result<Tensor> {
    ops::mean(x, Some(&[-1]), false)
}

pub(super) fn mean_squared_error(t: &Tensor, p: &Tensor, _: &Loss) -> Result<Values> {
    let (t, p) = prepare(t, p)?;
    Values::plain(last_mean(&ops::square(&ops::subtract(&t, &p)?)?)?)
}

pub(super) fn mean_absolute_error(t: &Tensor, p: &Tensor, _: &Loss) -> Result<Values> {
    let (t, p) = prepare(t, p)?;
    Values::plain(last_mean(&ops::abs(&ops::subtract(&t, &p)?)?)?)
}

/// 100 * mean(|t - p| / max(|t|, ε)).
pub(super) fn mean_absolute_percentage_error(t: &Tensor, p: &Tensor, _: &Loss) -> Result<Values> {
    let (t, p) = prepare(t, p)?;
    let den = ops::maximum(&ops::abs(&t)?, EPSILON)?;
    let diff = ops::abs(&ops::divide(&ops::subtract(&t, &p)?, &den)?)?;
    Values::plain(ops::multiply(&last_mean(&diff)?, 100.0)?)
}

/// mean((log(max(p, ε) + 1) - log(max(t, ε) + 1))²).
pub(super) fn mean_squared_logarithmic_error(t: &Tensor, p: &Tensor, _: &Loss) -> Result<Values> {
    let (t, p) = prepare(t, p)?;
    let first = ops::log(&ops::add(&ops::maximum(&p, EPSILON)?, 1.0)?)?;
    let second = ops::log(&ops::add(&ops::maximum(&t, EPSILON)?, 1.0)?)?;
    Values::plain(last_mean(&ops::square(&ops::subtract(&first, &second)?)?)?)
}

/// Keras's L2 normalisation: `x * min(rsqrt(sum(x²)), 1/ε)` (so a zero vector stays
/// zero instead of becoming NaN).
fn l2_normalize(x: &Tensor, ax: i64) -> Result<Tensor> {
    let a = [ax];
    let inv = ops::rsqrt(&ops::sum(&ops::square(x)?, Some(&a), true)?)?;
    ops::multiply(x, &ops::minimum(&inv, 1.0 / EPSILON)?)
}

/// -sum(normalize(t) * normalize(p), axis): -1 for equal directions.
pub(super) fn cosine_similarity(t: &Tensor, p: &Tensor, l: &Loss) -> Result<Values> {
    let (t, p) = prepare(t, p)?;
    let s = ops::sum(&ops::multiply(&l2_normalize(&t, l.axis)?, &l2_normalize(&p, l.axis)?)?, Some(&[l.axis]), false)?;
    Values::plain(ops::negative(&s)?)
}

/// Quadratic within `delta` of the target, linear beyond.
pub(super) fn huber(t: &Tensor, p: &Tensor, l: &Loss) -> Result<Values> {
    let (t, p) = prepare(t, p)?;
    let error = ops::subtract(&p, &t)?;
    let abs_error = ops::abs(&error)?;
    let quadratic = ops::multiply(&ops::square(&error)?, 0.5)?;
    // Keras squares delta in the loss dtype: round it first, then square.
    let d = ops::scalar(l.delta, p.dtype())?;
    let linear = ops::subtract(&ops::multiply(&abs_error, &d)?, &ops::multiply(&ops::square(&d)?, 0.5)?)?;
    let small = ops::less_equal(&abs_error, &d)?;
    Values::plain(last_mean(&ops::where_(&small, &quadratic, &linear)?)?)
}

/// log(cosh(x)) = x + softplus(-2x) - log 2, which does not overflow for large |x|.
pub(super) fn log_cosh(t: &Tensor, p: &Tensor, _: &Loss) -> Result<Values> {
    let (t, p) = prepare(t, p)?;
    let x = ops::subtract(&p, &t)?;
    let sp = ops::softplus(&ops::multiply(&x, -2.0)?)?;
    let v = ops::subtract(&ops::add(&x, &sp)?, std::f64::consts::LN_2)?;
    Values::plain(last_mean(&v)?)
}
