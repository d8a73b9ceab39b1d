//! Metrics that are a (weighted) mean: `Mean` of values, `MeanMetricWrapper` (the mean
//! of a per-sample function: accuracies, regression errors, losses) and
//! `RootMeanSquaredError`. State: `total` and `count`, as Keras's `Mean` keeps them.
use super::{zeros_var, Assign, MetricImpl};
use crate::error::Result;
use crate::losses::{squeeze_or_expand_to_same_rank as same_rank, Reduction};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;
use std::rc::Rc;

/// Per-sample values of one batch, and the mask of those that count (if not all).
pub(crate) type ValueFn = Rc<dyn Fn(&Tensor, &Tensor) -> Result<crate::losses::Values>>;

/// `total` and `count`, updated as Keras's `Mean.update_state` does.
pub(crate) struct MeanState {
    total: Variable,
    count: Variable,
}

fn axes(from: usize, to: usize) -> Vec<i64> {
    (from as i64..to as i64).collect()
}

impl MeanState {
    pub fn new(name: &str) -> MeanState {
        MeanState { total: zeros_var(name, "total", &[]), count: zeros_var(name, "count", &[]) }
    }

    pub fn variables(&self) -> Vec<Variable> {
        vec![self.total.clone(), self.count.clone()]
    }

    /// Keras's `reduce_to_samplewise_values` then `Mean.update_state`: values beyond the
    /// weight's rank are averaged, weights broadcast against the values, then each
    /// sample contributes its mean value (times its weight) and its weight (or 1).
    pub fn update(&self, values: &Tensor, sample_weight: Option<&Tensor>) -> Result<Vec<Assign>> {
        let mut values = ops::cast(values, DType::F32)?;
        let mut sw = None;
        if let Some(w) = sample_weight {
            let (v, w) = same_rank(&values, &ops::cast(w, DType::F32)?, true)?;
            let (wn, vn) = (w.rank(), v.rank());
            let v = if vn > wn { ops::mean(&v, Some(&axes(wn, vn)), false)? } else { v };
            let w = ops::lift(&w, &v)?;
            let w = ops::broadcast_to(&w, &v.dims()).map_err(|e| e.context(format!("sample_weight {} does not fit the values {}", w.ty(), v.ty())))?;
            values = ops::multiply(&v, &w)?;
            sw = Some(if wn > 1 { ops::mean(&w, Some(&axes(1, wn)), false)? } else { w });
        }
        let vn = values.rank();
        if vn > 1 {
            values = ops::mean(&values, Some(&axes(1, vn)), false)?;
        }
        let n = match (&sw, vn) {
            (Some(w), _) => ops::sum(w, None, false)?,
            (None, 0) => ops::scalar(1.0, DType::F32)?,
            (None, _) => ops::math_count(&values, &[0])?,
        };
        Ok(vec![
            (self.total.clone(), ops::add(self.total.tensor(), &ops::sum(&values, None, false)?)?),
            (self.count.clone(), ops::add(self.count.tensor(), &n)?),
        ])
    }

    /// total / count, 0 before any sample (`divide_no_nan`).
    pub fn mean(&self) -> f64 {
        let t = self.total.value().to_f64_vec().first().copied().unwrap_or(0.0);
        let c = self.count.value().to_f64_vec().first().copied().unwrap_or(0.0);
        if c == 0.0 {
            0.0
        } else {
            t / c
        }
    }
}

/// `keras.metrics.Mean`: the weighted mean of the values it is given
/// ([`super::Metric::update_values`]).
pub struct Mean(MeanState);

impl Mean {
    pub fn new(name: &str) -> Mean {
        Mean(MeanState::new(name))
    }
}

impl MetricImpl for Mean {
    fn variables(&self) -> Vec<Variable> {
        self.0.variables()
    }
    fn update(&self, _: &Tensor, _: &Tensor, _: Option<&Tensor>) -> Result<Vec<Assign>> {
        crate::bail!("a Mean metric averages values: give them to update_values(values, sample_weight), not (y_true, y_pred)")
    }
    fn update_values(&self, values: &Tensor, sample_weight: Option<&Tensor>) -> Result<Vec<Assign>> {
        self.0.update(values, sample_weight)
    }
    fn result(&self) -> Result<Vec<f64>> {
        Ok(vec![self.0.mean()])
    }
}

/// `MeanMetricWrapper`: the mean of a per-sample function of `(y_true, y_pred)`.
pub(crate) struct MeanWrapper {
    state: MeanState,
    f: ValueFn,
}

impl MeanWrapper {
    pub fn new(name: &str, f: ValueFn) -> MeanWrapper {
        MeanWrapper { state: MeanState::new(name), f }
    }
}

impl MetricImpl for MeanWrapper {
    fn variables(&self) -> Vec<Variable> {
        self.state.variables()
    }
    fn update(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Result<Vec<Assign>> {
        let v = (self.f)(y_true, y_pred)?;
        // A mask (ignore_class) joins the weights as in a `sum` reduction: 0 or 1.
        let sw = crate::losses::apply_mask(sample_weight.cloned(), v.mask.as_ref(), Reduction::Sum)?;
        self.state.update(&v.values, sw.as_ref())
    }
    fn result(&self) -> Result<Vec<f64>> {
        Ok(vec![self.state.mean()])
    }
}

/// `keras.metrics.RootMeanSquaredError`: sqrt of the weighted mean of squared errors.
pub(crate) struct RootMeanSquaredError(MeanState);

impl RootMeanSquaredError {
    pub fn new(name: &str) -> RootMeanSquaredError {
        RootMeanSquaredError(MeanState::new(name))
    }
}

impl MetricImpl for RootMeanSquaredError {
    fn variables(&self) -> Vec<Variable> {
        self.0.variables()
    }
    fn update(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Result<Vec<Assign>> {
        let t = ops::cast(y_true, DType::F32)?;
        let p = ops::cast(y_pred, DType::F32)?;
        let (t, p) = same_rank(&t, &p, true)?;
        let err = ops::square(&ops::subtract(&p, &t)?)?;
        self.0.update(&err, sample_weight)
    }
    fn result(&self) -> Result<Vec<f64>> {
        Ok(vec![self.0.mean().sqrt()])
    }
}
