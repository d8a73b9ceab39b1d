//! Stateful metrics. Each keeps its state in variables (`total`, `count`), updated by ops
//! traced into the training step; `result()` reads the state on the host.
use crate::error::{unknown, Result};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;
use kc_runtime::HostTensor;

type ValueFn = fn(&Tensor, &Tensor) -> Result<Tensor>;

/// A metric that is the mean of per-sample values (Keras's `MeanMetricWrapper`).
pub struct Metric {
    pub name: String,
    f: ValueFn,
    total: Variable,
    count: Variable,
}

fn sparse_categorical_accuracy(t: &Tensor, p: &Tensor) -> Result<Tensor> {
    let t = if t.rank() == p.rank() { ops::squeeze(t, Some(-1))? } else { t.clone() };
    let pred = ops::argmax(p, -1, false)?;
    let t = ops::cast(&t, DType::I32)?;
    ops::cast(&ops::equal(&pred, &t)?, DType::F32)
}
fn categorical_accuracy(t: &Tensor, p: &Tensor) -> Result<Tensor> {
    let a = ops::argmax(t, -1, false)?;
    let b = ops::argmax(p, -1, false)?;
    ops::cast(&ops::equal(&a, &b)?, DType::F32)
}
fn binary_accuracy(t: &Tensor, p: &Tensor) -> Result<Tensor> {
    let pred = ops::cast(&ops::greater(p, 0.5)?, t.dtype())?;
    ops::mean(&ops::cast(&ops::equal(&pred, t)?, DType::F32)?, Some(&[-1]), false)
}
fn accuracy(t: &Tensor, p: &Tensor) -> Result<Tensor> {
    let p = ops::cast(p, t.dtype())?;
    ops::mean(&ops::cast(&ops::equal(t, &p)?, DType::F32)?, Some(&[-1]), false)
}
fn mse(t: &Tensor, p: &Tensor) -> Result<Tensor> {
    ops::mean(&ops::square(&ops::subtract(p, t)?)?, Some(&[-1]), false)
}
fn mae(t: &Tensor, p: &Tensor) -> Result<Tensor> {
    ops::mean(&ops::abs(&ops::subtract(p, t)?)?, Some(&[-1]), false)
}

static METRICS: &[(&str, ValueFn)] = &[
    ("accuracy", accuracy),
    ("sparse_categorical_accuracy", sparse_categorical_accuracy),
    ("categorical_accuracy", categorical_accuracy),
    ("binary_accuracy", binary_accuracy),
    ("mean_squared_error", mse),
    ("mean_absolute_error", mae),
];

impl Metric {
    pub fn from_name(name: &str) -> Result<Metric> {
        let alias = match name {
            "mse" => "mean_squared_error",
            "mae" => "mean_absolute_error",
            n => n,
        };
        let (n, f) = METRICS
            .iter()
            .find(|(n, _)| *n == alias)
            .ok_or_else(|| unknown("metric", name, &METRICS.iter().map(|(n, _)| *n).collect::<Vec<_>>()))?;
        Ok(Metric::new(n, *f))
    }

    /// `"accuracy"` as `compile` resolves it: by the loss.
    pub fn resolve(name: &str, loss: &str) -> Result<Metric> {
        if name == "accuracy" || name == "acc" {
            let which = match loss {
                "sparse_categorical_crossentropy" => "sparse_categorical_accuracy",
                "categorical_crossentropy" => "categorical_accuracy",
                "binary_crossentropy" => "binary_accuracy",
                _ => "accuracy",
            };
            let mut m = Metric::from_name(which)?;
            m.name = "accuracy".into();
            return Ok(m);
        }
        Metric::from_name(name)
    }

    fn new(name: &str, f: ValueFn) -> Metric {
        let z = || HostTensor::scalar(0f32);
        Metric { name: name.into(), f, total: Variable::new(format!("{name}/total"), z(), false), count: Variable::new(format!("{name}/count"), z(), false) }
    }

    pub fn variables(&self) -> Vec<Variable> {
        vec![self.total.clone(), self.count.clone()]
    }

    /// The state after seeing this batch, as assignments (traced or eager).
    pub fn update(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Vec<(Variable, Tensor)>> {
        let v = (self.f)(y_true, y_pred).map_err(|e| e.context(format!("metric {}", self.name)))?;
        let v = ops::cast(&v, DType::F32)?;
        let s = ops::sum(&v, None, false)?;
        let all: Vec<i64> = (0..v.rank() as i64).collect();
        let n = ops::math_count(&v, &all)?;
        Ok(vec![
            (self.total.clone(), ops::add(&self.total.tensor(), &s)?),
            (self.count.clone(), ops::add(&self.count.tensor(), &n)?),
        ])
    }

    pub fn result(&self) -> f64 {
        let t = self.total.value().to_f64_vec()[0];
        let c = self.count.value().to_f64_vec()[0];
        if c == 0.0 {
            0.0
        } else {
            t / c
        }
    }

    pub fn reset(&self) -> Result<()> {
        self.total.assign(HostTensor::scalar(0f32))?;
        self.count.assign(HostTensor::scalar(0f32))
    }
}

pub fn names() -> Vec<&'static str> {
    METRICS.iter().map(|(n, _)| *n).collect()
}
