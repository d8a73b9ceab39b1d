//! Confusion-matrix counts at a list of thresholds (Keras's
//! `update_confusion_matrix_variables`), and the metrics built on them: `Precision`,
//! `Recall` (here) and `AUC` (`auc.rs`).
//!
//! A prediction is positive at threshold `t` when it is strictly greater than `t`; a
//! label is positive when it is non-zero. Every count is a vector over the thresholds.
//! When the thresholds are evenly spaced over [0, 1], Keras takes a faster path that
//! puts each prediction in a bucket `ceil(p * (n - 1)) - 1` and counts it for every
//! threshold up to its bucket; its results differ from the direct comparison in float
//! rounding at the bucket edges, so kc takes the same path in the same cases.
use super::{zeros_var, Assign, Metric, MetricImpl};
use crate::error::Result;
use crate::losses::squeeze_or_expand_to_same_rank as same_rank;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::{DType, Dim};

/// Keras's stand-in for -inf as the threshold of a top-k precision/recall.
const NEG_INF: f64 = -1e10;

/// Thresholds and how predictions are compared with them.
#[derive(Clone, Debug)]
pub(crate) struct Thresholds {
    pub values: Vec<f64>,
    /// Evenly spaced over [0, 1] (Keras's `is_evenly_distributed_thresholds`): counted
    /// by buckets.
    pub evenly: bool,
}

impl Thresholds {
    /// Thresholds for precision/recall: given ones (each in [0, 1]) or the default.
    pub fn parse(given: Option<&[f64]>, default: f64, what: &str) -> Result<Thresholds> {
        let values = match given {
            Some(v) => {
                if v.is_empty() {
                    crate::bail!("{what}: thresholds must not be empty");
                }
                if let Some(bad) = v.iter().find(|t| !(0.0..=1.0).contains(*t)) {
                    crate::bail!("{what}: threshold values must be in [0, 1], got {bad}");
                }
                v.to_vec()
            }
            None => vec![default],
        };
        let evenly = evenly_distributed(&values);
        Ok(Thresholds { values, evenly })
    }
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Whether the first bucket takes every prediction (thresholds padded below 0 and
    /// above 1, as AUC's are).
    fn with_epsilon(&self) -> bool {
        self.values.first().is_some_and(|&t| t < 0.0) || self.values.last().is_some_and(|&t| t > 1.0)
    }
}

/// `np.allclose(thresholds, arange(n, dtype=float32) / (n - 1), atol=1e-7)` for n >= 3
/// (numpy's default relative tolerance, 1e-5, included).
pub(crate) fn evenly_distributed(t: &[f64]) -> bool {
    let n = t.len();
    n >= 3
        && t.iter().enumerate().all(|(i, &v)| {
            let even = (i as f32 / (n - 1) as f32) as f64;
            (v - even).abs() <= 1e-7 + 1e-5 * even.abs()
        })
}

/// Where predictions count: the options of Keras's confusion update besides the
/// thresholds.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Selection {
    /// Only each sample's `k` largest predictions count (the others become -1e10).
    pub top_k: Option<usize>,
    /// Only this class (the last axis) counts.
    pub class_id: Option<usize>,
}

/// True/false positives/negatives per threshold, for one batch.
pub(crate) struct Counts {
    pub tp: Tensor,
    pub fp: Tensor,
    pub tn: Tensor,
    pub fn_: Tensor,
}

/// Keep each row's `k` largest entries, set the others to -1e10.
fn filter_top_k(x: &Tensor, k: usize) -> Result<Tensor> {
    let Some(classes) = x.dims().last().and_then(|d| d.known()) else { crate::bail!("top_k needs a known class axis, got {}", x.ty()) };
    let (_, idx) = ops::top_k(x, k)?;
    let mask = ops::sum(&ops::one_hot(&idx, classes as usize)?, Some(&[-2]), false)?;
    let keep = ops::multiply(x, &mask)?;
    ops::add(&keep, &ops::multiply(&ops::subtract(1.0, &mask)?, NEG_INF)?)
}

/// A vector over the thresholds, shaped `[n, 1, ..., 1]` so it broadcasts against a
/// leading threshold axis added to a tensor of rank `rank`.
fn per_threshold(values: &[f64], rank: usize) -> Result<Tensor> {
    let mut shape = vec![values.len()];
    shape.extend(std::iter::repeat_n(1, rank));
    Tensor::from_f32(&shape, values.iter().map(|&v| v as f32).collect())
}

/// Sum everything but the leading threshold axis.
fn per_threshold_sum(x: &Tensor) -> Result<Tensor> {
    let rest: Vec<i64> = (1..x.rank() as i64).collect();
    if rest.is_empty() {
        return Ok(x.clone());
    }
    ops::sum(x, Some(&rest), false)
}

/// `sum(where(cond, weight, 0))` per threshold (the count of `cond` when unweighted).
fn weighted_count(cond: &Tensor, w: Option<&Tensor>) -> Result<Tensor> {
    let v = match w {
        Some(w) => ops::where_(cond, w, 0.0)?,
        None => ops::cast(cond, DType::F32)?,
    };
    per_threshold_sum(&v)
}

/// The confusion counts of one batch at `th`.
pub(crate) fn counts(th: &Thresholds, sel: Selection, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Result<Counts> {
    let t = ops::cast(y_true, DType::F32)?;
    let p = ops::cast(y_pred, DType::F32)?;
    let (mut p, mut t) = same_rank(&p, &t, true)?;
    let sw = match sample_weight {
        Some(w) => {
            let w = ops::expand_dims(&ops::cast(w, DType::F32)?, -1)?;
            Some(same_rank(&t, &w, false)?.1)
        }
        None => None,
    };
    if let Some(k) = sel.top_k {
        p = filter_top_k(&p, k)?;
    }
    if let Some(c) = sel.class_id {
        if p.rank() < 2 {
            crate::bail!("class_id needs y_pred of shape (samples, classes), got {}", p.ty());
        }
        match p.dims().last() {
            Some(Dim::Known(n)) if (c as u64) < *n => {}
            _ => crate::bail!("class_id {c} is out of range for y_pred {}", p.ty()),
        }
        t = ops::expand_dims(&ops::take_last(&t, c as i64)?, -1)?;
        p = ops::expand_dims(&ops::take_last(&p, c as i64)?, -1)?;
    }
    let w = match sw {
        Some(w) => {
            let w = ops::lift(&w, &p)?;
            Some(ops::broadcast_to(&w, &p.dims()).map_err(|e| e.context(format!("sample_weight {} does not fit y_pred {}", w.ty(), p.ty())))?)
        }
        None => None,
    };
    let label = ops::not_equal(&t, 0.0)?;
    let n = th.len();
    let r = p.rank();
    if th.evenly {
        // Bucket b holds predictions in (b/(n-1), (b+1)/(n-1)]; a prediction counts as
        // positive for every threshold index up to its bucket.
        let pc = ops::clip(&p, 0.0, 1.0)?;
        let mut bucket = ops::subtract(&ops::ceil(&ops::multiply(&pc, (n - 1) as f64)?)?, 1.0)?;
        if th.with_epsilon() {
            bucket = ops::relu(&bucket)?;
        }
        let index = per_threshold(&(0..n).map(|i| i as f64).collect::<Vec<_>>(), r)?;
        let positive = ops::greater_equal(&ops::expand_dims(&bucket, 0)?, &index)?;
        let label_f = ops::cast(&label, DType::F32)?;
        let (true_w, false_w) = match &w {
            Some(w) => (ops::multiply(&label_f, w)?, ops::multiply(&ops::subtract(1.0, &label_f)?, w)?),
            None => (label_f.clone(), ops::subtract(1.0, &label_f)?),
        };
        let tp = per_threshold_sum(&ops::where_(&positive, &ops::expand_dims(&true_w, 0)?, 0.0)?)?;
        let fp = per_threshold_sum(&ops::where_(&positive, &ops::expand_dims(&false_w, 0)?, 0.0)?)?;
        let fn_ = ops::subtract(&ops::sum(&true_w, None, false)?, &tp)?;
        let tn = ops::subtract(&ops::sum(&false_w, None, false)?, &fp)?;
        return Ok(Counts { tp, fp, tn, fn_ });
    }
    let positive = ops::greater(&ops::expand_dims(&p, 0)?, &per_threshold(&th.values, r)?)?;
    let negative = ops::logical_not(&positive)?;
    let label = ops::expand_dims(&label, 0)?;
    let unlabelled = ops::logical_not(&label)?;
    let w = w.map(|w| ops::expand_dims(&w, 0)).transpose()?;
    Ok(Counts {
        tp: weighted_count(&ops::logical_and(&label, &positive)?, w.as_ref())?,
        fp: weighted_count(&ops::logical_and(&unlabelled, &positive)?, w.as_ref())?,
        tn: weighted_count(&ops::logical_and(&unlabelled, &negative)?, w.as_ref())?,
        fn_: weighted_count(&ops::logical_and(&label, &negative)?, w.as_ref())?,
    })
}

/// The arguments of `keras.metrics.Precision` and `keras.metrics.Recall`, and their
/// builder methods.
macro_rules! precision_recall {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $recall:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default)]
        pub struct $ty {
            /// Thresholds in [0, 1]; one result per threshold (default 0.5, or every
            /// kept prediction with `top_k`).
            pub thresholds: Option<Vec<f64>>,
            pub top_k: Option<usize>,
            pub class_id: Option<usize>,
        }

        impl $ty {
            pub fn new() -> Self {
                Self::default()
            }
            pub fn thresholds(mut self, t: &[f64]) -> Self {
                self.thresholds = Some(t.to_vec());
                self
            }
            pub fn threshold(self, t: f64) -> Self {
                self.thresholds(&[t])
            }
            pub fn top_k(mut self, k: usize) -> Self {
                self.top_k = Some(k);
                self
            }
            pub fn class_id(mut self, c: usize) -> Self {
                self.class_id = Some(c);
                self
            }
            pub fn build(self) -> Result<Metric> {
                build_pr($name, $recall, self.thresholds.as_deref(), Selection { top_k: self.top_k, class_id: self.class_id })
            }
        }
    };
}

precision_recall!(
    /// `keras.metrics.Precision(thresholds=None, top_k=None, class_id=None)`:
    /// tp / (tp + fp) at each threshold (a scalar for one threshold, a vector otherwise).
    Precision, "precision", false
);
precision_recall!(
    /// `keras.metrics.Recall(thresholds=None, top_k=None, class_id=None)`:
    /// tp / (tp + fn) at each threshold.
    Recall, "recall", true
);

fn build_pr(name: &str, recall: bool, thresholds: Option<&[f64]>, sel: Selection) -> Result<Metric> {
    if sel.top_k == Some(0) {
        crate::bail!("{name}: top_k must be at least 1");
    }
    // With top_k every kept prediction counts: the threshold falls to -1e10.
    let default = if sel.top_k.is_some() { NEG_INF } else { 0.5 };
    let th = Thresholds::parse(thresholds, default, name)?;
    let n = th.len();
    let second = if recall { "false_negatives" } else { "false_positives" };
    let state = PrState { th, sel, recall, tp: zeros_var(name, "true_positives", &[n]), other: zeros_var(name, second, &[n]) };
    Ok(Metric::new(name, state))
}

struct PrState {
    th: Thresholds,
    sel: Selection,
    recall: bool,
    tp: Variable,
    /// false positives (precision) or false negatives (recall)
    other: Variable,
}

impl MetricImpl for PrState {
    fn variables(&self) -> Vec<Variable> {
        vec![self.tp.clone(), self.other.clone()]
    }
    fn update(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Result<Vec<Assign>> {
        let c = counts(&self.th, self.sel, y_true, y_pred, sample_weight)?;
        let other = if self.recall { c.fn_ } else { c.fp };
        Ok(vec![(self.tp.clone(), ops::add(self.tp.tensor(), &c.tp)?), (self.other.clone(), ops::add(self.other.tensor(), &other)?)])
    }
    fn result(&self) -> Result<Vec<f64>> {
        let tp = self.tp.value().to_f64_vec();
        let other = self.other.value().to_f64_vec();
        Ok(tp.iter().zip(&other).map(|(&a, &b)| super::divide_no_nan(a, a + b)).collect())
    }
}
