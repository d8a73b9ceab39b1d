//! Accuracy metrics (`keras/src/metrics/accuracy_metrics.py`): per-sample 1.0 for a hit
//! and 0.0 for a miss, averaged by a `MeanWrapper`.
use super::mean::{MeanWrapper, ValueFn};
use super::Metric;
use crate::error::Result;
use crate::losses::{squeeze_or_expand_to_same_rank as same_rank, Values};
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::{DType, Dim};
use std::rc::Rc;

fn hits(x: &Tensor) -> Result<Values> {
    Ok(Values { values: ops::cast(x, DType::F32)?, mask: None })
}

fn trailing_one(t: &Tensor, p: &Tensor) -> bool {
    t.rank() == p.rank() && t.dims().last() == Some(&Dim::Known(1))
}

/// `y_true == y_pred` elementwise (`keras.metrics.Accuracy`).
pub(crate) fn accuracy(t: &Tensor, p: &Tensor) -> Result<Values> {
    let t = ops::cast(t, p.dtype())?;
    let (t, p) = same_rank(&t, p, true)?;
    hits(&ops::equal(&t, &p)?)
}

/// `y_true == (y_pred > threshold)`, in `y_true`'s dtype.
pub(crate) fn binary_accuracy(t: &Tensor, p: &Tensor, threshold: f64) -> Result<Values> {
    let (t, p) = same_rank(t, p, true)?;
    let pred = ops::cast(&ops::greater(&p, threshold)?, t.dtype())?;
    hits(&ops::equal(&t, &pred)?)
}

/// argmax(y_true) == argmax(y_pred) (one-hot labels).
pub(crate) fn categorical_accuracy(t: &Tensor, p: &Tensor) -> Result<Values> {
    let a = ops::argmax(t, -1, false)?;
    let b = ops::argmax(p, -1, false)?;
    hits(&ops::equal(&a, &b)?)
}

/// y_true == argmax(y_pred) (integer labels, shape `[batch]` or `[batch, 1]`), compared
/// in `y_pred`'s dtype as Keras does.
pub(crate) fn sparse_categorical_accuracy(t: &Tensor, p: &Tensor) -> Result<Values> {
    let mut t = ops::cast(t, p.dtype())?;
    if trailing_one(&t, p) {
        t = ops::squeeze(&t, Some(-1))?;
    }
    let pred = ops::cast(&ops::argmax(p, -1, false)?, p.dtype())?;
    hits(&ops::equal(&t, &pred)?)
}

/// Whether argmax(y_true) is among the `k` largest predictions.
pub(crate) fn top_k_categorical_accuracy(t: &Tensor, p: &Tensor, k: usize) -> Result<Values> {
    let t = ops::argmax(&ops::cast(t, p.dtype())?, -1, false)?;
    hits(&ops::in_top_k(&t, p, k)?)
}

/// Whether the integer label is among the `k` largest predictions; a `[batch, 1]`
/// label gives `[batch, 1]` hits, as in Keras.
pub(crate) fn sparse_top_k_categorical_accuracy(t: &Tensor, p: &Tensor, k: usize) -> Result<Values> {
    let t = ops::cast(t, DType::I32)?;
    if trailing_one(&t, p) {
        let h = ops::in_top_k(&ops::squeeze(&t, Some(-1))?, p, k)?;
        return hits(&ops::expand_dims(&h, -1)?);
    }
    hits(&ops::in_top_k(&t, p, k)?)
}

/// How compile reads `"accuracy"`: binary when `y_pred` has one column, sparse
/// categorical when the labels lack the class axis (or have a trailing 1 against
/// several classes), categorical otherwise.
pub(crate) fn auto_accuracy(t: &Tensor, p: &Tensor) -> Result<Values> {
    let last = |x: &Tensor| x.dims().last().and_then(|d| d.known());
    let binary = last(p) == Some(1);
    let sparse = t.rank() < p.rank() || (last(t) == Some(1) && last(p).is_some_and(|n| n > 1));
    if binary {
        binary_accuracy(t, p, 0.5)
    } else if sparse {
        sparse_categorical_accuracy(t, p)
    } else {
        categorical_accuracy(t, p)
    }
}

pub(crate) fn wrap(name: &str, f: impl Fn(&Tensor, &Tensor) -> Result<Values> + 'static) -> Metric {
    let f: ValueFn = Rc::new(f);
    Metric::new(name, MeanWrapper::new(name, f))
}

/// `keras.metrics.BinaryAccuracy(threshold=0.5)`.
#[derive(Clone, Debug)]
pub struct BinaryAccuracy {
    pub name: String,
    pub threshold: f64,
}

impl Default for BinaryAccuracy {
    fn default() -> Self {
        BinaryAccuracy { name: "binary_accuracy".into(), threshold: 0.5 }
    }
}

impl BinaryAccuracy {
    pub fn new() -> BinaryAccuracy {
        BinaryAccuracy::default()
    }
    pub fn threshold(mut self, t: f64) -> Self {
        self.threshold = t;
        self
    }
    pub fn build(self) -> Result<Metric> {
        let th = self.threshold;
        Ok(wrap(&self.name, move |t, p| binary_accuracy(t, p, th)))
    }
}

/// `keras.metrics.TopKCategoricalAccuracy(k=5)` (one-hot labels) and, with
/// `sparse(true)`, `SparseTopKCategoricalAccuracy(k=5)` (integer labels).
#[derive(Clone, Debug)]
pub struct TopKCategoricalAccuracy {
    pub k: usize,
    pub sparse: bool,
}

impl Default for TopKCategoricalAccuracy {
    fn default() -> Self {
        TopKCategoricalAccuracy { k: 5, sparse: false }
    }
}

impl TopKCategoricalAccuracy {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn k(mut self, k: usize) -> Self {
        self.k = k;
        self
    }
    pub fn sparse(mut self, s: bool) -> Self {
        self.sparse = s;
        self
    }
    pub fn build(self) -> Result<Metric> {
        if self.k == 0 {
            crate::bail!("top-k accuracy: k must be at least 1");
        }
        let k = self.k;
        Ok(if self.sparse {
            wrap("sparse_top_k_categorical_accuracy", move |t, p| sparse_top_k_categorical_accuracy(t, p, k))
        } else {
            wrap("top_k_categorical_accuracy", move |t, p| top_k_categorical_accuracy(t, p, k))
        })
    }
}
