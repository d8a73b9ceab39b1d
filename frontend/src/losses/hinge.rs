//! Hinge losses for "maximum-margin" classification (`keras/src/losses/losses.py`).
use super::{Loss, Values};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;

/// Labels in {0, 1} become {-1, 1}; any other labels are used as they are. Keras
/// decides for the whole batch at once (`all(t == 0 or t == 1)`), so one batch never
/// mixes the two readings.
fn signed_labels(t: &Tensor) -> Result<Tensor> {
    let binary = ops::logical_or(&ops::equal(t, 0.0)?, &ops::equal(t, 1.0)?)?;
    let all_binary = ops::all(&binary, None, false)?;
    let signed = ops::subtract(&ops::multiply(t, 2.0)?, 1.0)?;
    ops::where_(&all_binary, &signed, t)
}

fn margin(t: &Tensor, p: &Tensor) -> Result<Tensor> {
    let t = signed_labels(&ops::cast(t, p.dtype())?)?;
    ops::maximum(&ops::subtract(1.0, &ops::multiply(&t, p)?)?, 0.0)
}

/// mean(max(1 - t * p, 0)).
pub(super) fn hinge(t: &Tensor, p: &Tensor, _: &Loss) -> Result<Values> {
    Values::plain(ops::mean(&margin(t, p)?, Some(&[-1]), false)?)
}

/// mean(max(1 - t * p, 0)²).
pub(super) fn squared_hinge(t: &Tensor, p: &Tensor, _: &Loss) -> Result<Values> {
    Values::plain(ops::mean(&ops::square(&margin(t, p)?)?, Some(&[-1]), false)?)
}

/// max(max((1 - t) * p) - sum(t * p) + 1, 0): the best wrong class against the true one.
pub(super) fn categorical_hinge(t: &Tensor, p: &Tensor, _: &Loss) -> Result<Values> {
    let t = ops::cast(t, p.dtype())?;
    let pos = ops::sum(&ops::multiply(&t, p)?, Some(&[-1]), false)?;
    let neg = ops::max(&ops::multiply(&ops::subtract(1.0, &t)?, p)?, Some(&[-1]), false)?;
    Values::plain(ops::maximum(&ops::add(&ops::subtract(&neg, &pos)?, 1.0)?, 0.0)?)
}
