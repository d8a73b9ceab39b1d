//! `keras.metrics.F1Score` and `FBetaScore` (`keras/src/metrics/f_score_metrics.py`):
//! per-class (or, for `micro`, pooled) true positives, false positives, false
//! negatives and label weights, accumulated over `(batch, classes)` inputs.
use super::{zeros_var, Assign, Metric, MetricImpl};
use crate::error::{unknown, Result};
use crate::ops::{self, EPSILON};
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::{DType, Dim};
use std::cell::RefCell;

/// How per-class scores are combined; `None` in [`FBetaScore::average`] keeps one
/// score per class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Average {
    /// Pool the counts of all classes, then score once.
    Micro,
    /// The unweighted mean of the per-class scores.
    Macro,
    /// The mean of the per-class scores weighted by each class's number of true labels.
    Weighted,
}

const AVERAGES: &[(&str, Average)] = &[("micro", Average::Micro), ("macro", Average::Macro), ("weighted", Average::Weighted)];

impl Average {
    /// `"micro"`, `"macro"` or `"weighted"` (Keras's `None` is `Option::None`).
    pub fn from_name(name: &str) -> Result<Average> {
        AVERAGES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
            .ok_or_else(|| unknown("F-score average", name, &AVERAGES.iter().map(|(n, _)| *n).collect::<Vec<_>>()))
    }
}

/// The arguments of `keras.metrics.FBetaScore` (and `F1Score`: beta = 1).
#[derive(Clone, Debug)]
pub struct FBetaScore {
    pub name: String,
    pub average: Option<Average>,
    pub beta: f64,
    /// Predictions above it are positive; `None`: each row's largest prediction is.
    pub threshold: Option<f64>,
}

/// `keras.metrics.F1Score(average=None, threshold=None)`.
pub struct F1Score;

impl F1Score {
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> FBetaScore {
        FBetaScore { name: "f1_score".into(), average: None, beta: 1.0, threshold: None }
    }
}

impl Default for FBetaScore {
    fn default() -> Self {
        FBetaScore { name: "fbeta_score".into(), average: None, beta: 1.0, threshold: None }
    }
}

impl FBetaScore {
    pub fn new() -> FBetaScore {
        FBetaScore::default()
    }
    pub fn average(mut self, a: Option<Average>) -> Self {
        self.average = a;
        self
    }
    pub fn beta(mut self, b: f64) -> Self {
        self.beta = b;
        self
    }
    pub fn threshold(mut self, t: f64) -> Self {
        self.threshold = Some(t);
        self
    }
    pub fn build(self) -> Result<Metric> {
        if self.beta.is_nan() || self.beta <= 0.0 {
            crate::bail!("{}: beta must be > 0, got {}", self.name, self.beta);
        }
        if let Some(t) = self.threshold {
            if !(t > 0.0 && t <= 1.0) {
                crate::bail!("{}: threshold must verify 0 < threshold <= 1, got {t}", self.name);
            }
        }
        let name = self.name.clone();
        Ok(Metric::new(&name, FState { cfg: self, vars: RefCell::new(None) }))
    }
}

/// The variables, made at the first update when the number of classes is known.
#[derive(Clone)]
struct Vars {
    tp: Variable,
    fp: Variable,
    fn_: Variable,
    weights: Variable,
}

struct FState {
    cfg: FBetaScore,
    vars: RefCell<Option<Vars>>,
}

impl FState {
    fn vars_for(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Vars> {
        if let Some(v) = self.vars.borrow().as_ref() {
            return Ok(v.clone());
        }
        if y_true.rank() != 2 || y_pred.rank() != 2 {
            crate::bail!("{} expects 2D inputs (batch_size, output_dim), got y_true {} and y_pred {}", self.cfg.name, y_true.ty(), y_pred.ty());
        }
        let Some(Dim::Known(classes)) = y_pred.dims().last().cloned() else {
            crate::bail!("{} needs a known output_dim, got y_pred {}", self.cfg.name, y_pred.ty())
        };
        let shape: Vec<usize> = if self.cfg.average == Some(Average::Micro) { vec![] } else { vec![classes as usize] };
        let name = &self.cfg.name;
        let v = Vars {
            tp: zeros_var(name, "true_positives", &shape),
            fp: zeros_var(name, "false_positives", &shape),
            fn_: zeros_var(name, "false_negatives", &shape),
            weights: zeros_var(name, "intermediate_weights", &shape),
        };
        *self.vars.borrow_mut() = Some(v.clone());
        Ok(v)
    }
}

impl MetricImpl for FState {
    fn variables(&self) -> Vec<Variable> {
        self.vars.borrow().as_ref().map_or_else(Vec::new, |v| vec![v.tp.clone(), v.fp.clone(), v.fn_.clone(), v.weights.clone()])
    }

    fn update(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Result<Vec<Assign>> {
        let t = ops::cast(y_true, DType::F32)?;
        let p = ops::cast(y_pred, DType::F32)?;
        let v = self.vars_for(&t, &p)?;
        let positive = match self.cfg.threshold {
            // The row maximum is positive, unless it is (close to) zero: an all-zero
            // row predicts nothing.
            None => ops::logical_and(&ops::greater_equal(&p, &ops::max(&p, Some(&[-1]), true)?)?, &ops::greater(&ops::abs(&p)?, 1e-9)?)?,
            Some(th) => ops::greater(&p, th)?,
        };
        let p = ops::cast(&positive, DType::F32)?;
        let sw = sample_weight.map(|w| ops::expand_dims(&ops::cast(w, DType::F32)?, 1)).transpose()?;
        let micro = self.cfg.average == Some(Average::Micro);
        let weighted_sum = |x: Tensor| -> Result<Tensor> {
            let x = match &sw {
                Some(w) => ops::multiply(&x, w)?,
                None => x,
            };
            if micro {
                ops::sum(&x, None, false)
            } else {
                ops::sum(&x, Some(&[0]), false)
            }
        };
        let not_t = ops::subtract(1.0, &t)?;
        let not_p = ops::subtract(1.0, &p)?;
        let add = |var: &Variable, d: Tensor| -> Result<Assign> { Ok((var.clone(), ops::add(var.tensor(), &weighted_sum(d)?)?)) };
        Ok(vec![
            add(&v.tp, ops::multiply(&p, &t)?)?,
            add(&v.fp, ops::multiply(&p, &not_t)?)?,
            add(&v.fn_, ops::multiply(&not_p, &t)?)?,
            add(&v.weights, t.clone())?,
        ])
    }

    fn result(&self) -> Result<Vec<f64>> {
        let Some(v) = self.vars.borrow().clone() else { crate::bail!("{} has seen no data yet (its variables are made at the first update)", self.cfg.name) };
        let read = |x: &Variable| x.value().to_f64_vec();
        let (tp, fp, fn_, w) = (read(&v.tp), read(&v.fp), read(&v.fn_), read(&v.weights));
        let b2 = self.cfg.beta * self.cfg.beta;
        let scores: Vec<f64> = (0..tp.len())
            .map(|i| {
                let precision = tp[i] / (tp[i] + fp[i] + EPSILON);
                let recall = tp[i] / (tp[i] + fn_[i] + EPSILON);
                precision * recall / (b2 * precision + recall + EPSILON) * (1.0 + b2)
            })
            .collect();
        Ok(match self.cfg.average {
            None => scores,
            Some(Average::Weighted) => {
                let total: f64 = w.iter().sum::<f64>() + EPSILON;
                vec![scores.iter().zip(&w).map(|(s, wi)| s * wi / total).sum()]
            }
            Some(_) => vec![scores.iter().sum::<f64>() / scores.len().max(1) as f64],
        })
    }

    fn reset(&self) -> Result<()> {
        if let Some(v) = self.vars.borrow().as_ref() {
            for x in [&v.tp, &v.fp, &v.fn_, &v.weights] {
                super::zero(x)?;
            }
        }
        Ok(())
    }
}
