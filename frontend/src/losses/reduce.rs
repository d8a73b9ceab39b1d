//! How per-sample loss values become the loss: sample weights, masks and the reduction,
//! as Keras 3's `keras/src/losses/loss.py` does it (`reduce_weighted_values`,
//! `apply_mask`, `reduce_values`, `squeeze_or_expand_to_same_rank`).
use crate::error::{unknown, Result};
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::{DType, Dim};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduction {
    /// The sum divided by the number of elements of the (weighted) values: Keras's
    /// default, the mean over the batch.
    SumOverBatchSize,
    /// The same as `SumOverBatchSize` (Keras keeps both names).
    Mean,
    /// The sum divided by the sum of the sample weights (by the number of elements when
    /// no weights are given).
    MeanWithSampleWeight,
    Sum,
    /// Per-sample values, weighted but not reduced.
    None,
}

/// Keras's names for the reductions, in `Reduction` order of the table below.
const NAMES: &[(&str, Reduction)] = &[
    ("sum_over_batch_size", Reduction::SumOverBatchSize),
    ("mean", Reduction::Mean),
    ("mean_with_sample_weight", Reduction::MeanWithSampleWeight),
    ("sum", Reduction::Sum),
    ("none", Reduction::None),
];

impl Reduction {
    /// A reduction by Keras's name (`"sum_over_batch_size"`, `"sum"`, `"mean"`,
    /// `"mean_with_sample_weight"`, `"none"`).
    pub fn from_name(name: &str) -> Result<Reduction> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, r)| *r).ok_or_else(|| unknown("reduction", name, &NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>()))
    }
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(_, r)| *r == self).map(|(n, _)| *n).unwrap_or("sum_over_batch_size")
    }
    /// Reductions that divide by the number of elements (and so scale a mask by
    /// total/valid).
    fn averages_elements(self) -> bool {
        matches!(self, Reduction::SumOverBatchSize | Reduction::Mean)
    }
}

fn last_is_one(x: &Tensor) -> bool {
    x.dims().last() == Some(&Dim::Known(1))
}

/// Keras's `squeeze_or_expand_to_same_rank`: when the ranks differ by one and the
/// longer one ends in a size-1 axis, squeeze it away, or (when the shorter one has rank
/// 1 and `expand_rank_1`) give the shorter one a trailing 1 instead.
pub fn squeeze_or_expand_to_same_rank(x1: &Tensor, x2: &Tensor, expand_rank_1: bool) -> Result<(Tensor, Tensor)> {
    let (r1, r2) = (x1.rank(), x2.rank());
    let (mut a, mut b) = (x1.clone(), x2.clone());
    if r1 == r2 + 1 && last_is_one(x1) {
        if r2 == 1 && expand_rank_1 {
            b = ops::expand_dims(&b, -1)?;
        } else {
            a = ops::squeeze(&a, Some(-1))?;
        }
    }
    if r2 == r1 + 1 && last_is_one(x2) {
        if r1 == 1 && expand_rank_1 {
            a = ops::expand_dims(&a, -1)?;
        } else {
            b = ops::squeeze(&b, Some(-1))?;
        }
    }
    Ok((a, b))
}

/// Fold a mask (true where a value counts) into the sample weights. For the averaging
/// reductions the valid entries weigh total/valid, so that the mean is taken over the
/// valid entries only.
pub(crate) fn apply_mask(sample_weight: Option<Tensor>, mask: Option<&Tensor>, reduction: Reduction) -> Result<Option<Tensor>> {
    let Some(mask) = mask else { return Ok(sample_weight) };
    let float_mask = if reduction.averages_elements() {
        let all: Vec<i64> = (0..mask.rank() as i64).collect();
        let total = ops::math_count(&ops::cast(mask, DType::F32)?, &all)?;
        let valid = ops::sum(&ops::cast(mask, DType::F32)?, None, false)?;
        let w = ops::divide_no_nan(&total, &valid)?;
        ops::where_(mask, &w, 0.0)?
    } else {
        ops::cast(mask, DType::F32)?
    };
    Ok(Some(match sample_weight {
        Some(sw) => {
            let (m, sw) = squeeze_or_expand_to_same_rank(&float_mask, &ops::cast(&sw, DType::F32)?, true)?;
            ops::multiply(&sw, &m)?
        }
        None => float_mask,
    }))
}

/// Weight and reduce per-sample values (`reduce_weighted_values`).
pub(crate) fn reduce_weighted(values: &Tensor, sample_weight: Option<&Tensor>, mask: Option<&Tensor>, reduction: Reduction) -> Result<Tensor> {
    let mut values = ops::cast(values, DType::F32)?;
    let sw = sample_weight.map(|w| ops::cast(w, DType::F32)).transpose()?;
    let sw = apply_mask(sw, mask, reduction)?;
    let sw = match sw {
        Some(w) => {
            let (v, w) = squeeze_or_expand_to_same_rank(&values, &w, true)?;
            values = ops::multiply(&v, &w).map_err(|e| e.context(format!("sample_weight {} does not fit the per-sample loss {}", w.ty(), v.ty())))?;
            Some(w)
        }
        None => None,
    };
    reduce_values(&values, sw.as_ref(), reduction)
}

/// `reduce_values`: a scalar (or the values themselves for `None`, for a scalar, and
/// for an empty batch).
fn reduce_values(values: &Tensor, sample_weight: Option<&Tensor>, reduction: Reduction) -> Result<Tensor> {
    let empty = values.rank() == 1 && values.dims()[0] == Dim::Known(0);
    if reduction == Reduction::None || values.rank() == 0 || empty {
        return Ok(values.clone());
    }
    let loss = ops::sum(values, None, false)?;
    let divisor = match (reduction, sample_weight) {
        (Reduction::Sum, _) => return Ok(loss),
        (Reduction::MeanWithSampleWeight, Some(w)) => ops::sum(w, None, false)?,
        _ => {
            let all: Vec<i64> = (0..values.rank() as i64).collect();
            ops::math_count(values, &all)?
        }
    };
    ops::divide_no_nan(&loss, &divisor)
}
