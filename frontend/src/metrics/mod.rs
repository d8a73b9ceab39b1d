//! Stateful metrics (`keras.metrics`). A metric keeps its state in variables; its
//! update is a function of `(y_true, y_pred, sample_weight)` built from `kc::ops` only,
//! so the trainer traces it into the training step and the new state comes back as
//! assignments. `result()` reads the state on the host.
//!
//! - [`mean`]: `Mean`, and every metric that averages a per-sample value
//!   (accuracies, `MeanSquaredError`, ..., and metrics named after a loss);
//!   `RootMeanSquaredError`.
//! - [`confusion`]: `Precision`, `Recall` (counts at thresholds); [`auc`]: `AUC`.
//! - [`f_score`]: `F1Score`, `FBetaScore`.
//!
//! Formulas and argument handling follow `keras/src/metrics/` (JAX backend);
//! `tests/frontend/metrics.rs` checks them against golden files written by real Keras.
mod accuracy;
mod auc;
mod confusion;
mod f_score;
mod mean;

pub use accuracy::{BinaryAccuracy, TopKCategoricalAccuracy};
pub use auc::{Auc, Curve, Summation};
pub use confusion::{Precision, Recall};
pub use f_score::{Average, F1Score, FBetaScore};
pub use mean::Mean;

use crate::error::{unknown, Result};
use crate::losses::Loss;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;
use kc_runtime::HostTensor;
use std::rc::Rc;

/// A new value for a variable.
pub type Assign = (Variable, Tensor);

/// What a kind of metric implements. `update` must only use `kc::ops` (it is traced);
/// `result` may compute on the host from the variables' values.
pub trait MetricImpl {
    /// The state, in Keras's order.
    fn variables(&self) -> Vec<Variable>;
    /// The state after one batch, as assignments.
    fn update(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Result<Vec<Assign>>;
    /// The metric's value: one number, or one per threshold or class.
    fn result(&self) -> Result<Vec<f64>>;
    /// For metrics of plain values (`Mean`); others take `(y_true, y_pred)`.
    fn update_values(&self, _values: &Tensor, _sample_weight: Option<&Tensor>) -> Result<Vec<Assign>> {
        crate::bail!("this metric takes (y_true, y_pred), not values")
    }
    /// Zero every variable.
    fn reset(&self) -> Result<()> {
        self.variables().iter().try_for_each(zero)
    }
}

/// A scalar-or-vector float32 variable of zeros named `metric/what`.
pub(crate) fn zeros_var(metric: &str, what: &str, shape: &[usize]) -> Variable {
    // Shapes here are small and f32 always has a zero: this cannot fail.
    let z = HostTensor::zeros(DType::F32, shape.to_vec()).unwrap_or_else(|_| HostTensor::scalar(0f32));
    Variable::new(format!("{metric}/{what}"), z, false)
}

pub(crate) fn zero(v: &Variable) -> Result<()> {
    v.assign(HostTensor::zeros(v.dtype(), v.shape())?)
}

/// `a / b`, 0 where `b == 0` (Keras's `divide_no_nan`, on the host).
pub(crate) fn divide_no_nan(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

/// A metric: a name (the key in `fit`'s logs) and its state.
pub struct Metric {
    pub name: String,
    inner: Box<dyn MetricImpl>,
    direction: Option<Direction>,
}

/// Which way a metric improves (Keras's `metric._direction`), for callbacks that
/// monitor it with `mode="auto"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// The direction of Keras's built-in metrics, by default name: accuracies and the
/// confusion-matrix scores go up; errors, cross-entropies and the other loss-like
/// metrics go down; `mean` has none.
fn direction_for_name(name: &str) -> Option<Direction> {
    const UP: &[&str] = &[
        "accuracy",
        "acc",
        "binary_accuracy",
        "categorical_accuracy",
        "sparse_categorical_accuracy",
        "top_k_categorical_accuracy",
        "sparse_top_k_categorical_accuracy",
        "auc",
        "precision",
        "recall",
        "f1_score",
        "fbeta_score",
    ];
    if UP.contains(&name) {
        return Some(Direction::Up);
    }
    if name == "mean" || !names().contains(&name) {
        return None;
    }
    Some(Direction::Down)
}

type Make = fn() -> Result<Metric>;

/// A metric that averages a loss function's per-sample values.
fn of_loss(name: &str) -> Result<Metric> {
    Ok(Metric::from_loss(Loss::from_name(name)?))
}

/// Every metric `Metric::from_name` knows: Keras's identifiers (the snake-case name,
/// the class name, aliases) and how to make it with default arguments.
static METRICS: &[(&[&str], Make)] = &[
    (&["accuracy", "Accuracy"], || Ok(accuracy::wrap("accuracy", accuracy::accuracy))),
    (&["binary_accuracy", "BinaryAccuracy"], || BinaryAccuracy::new().build()),
    (&["categorical_accuracy", "CategoricalAccuracy"], || Ok(accuracy::wrap("categorical_accuracy", accuracy::categorical_accuracy))),
    (&["sparse_categorical_accuracy", "SparseCategoricalAccuracy"], || {
        Ok(accuracy::wrap("sparse_categorical_accuracy", accuracy::sparse_categorical_accuracy))
    }),
    (&["top_k_categorical_accuracy", "TopKCategoricalAccuracy"], || TopKCategoricalAccuracy::new().build()),
    (&["sparse_top_k_categorical_accuracy", "SparseTopKCategoricalAccuracy"], || TopKCategoricalAccuracy::new().sparse(true).build()),
    (&["auc", "AUC"], || Auc::new().build()),
    (&["precision", "Precision"], || Precision::new().build()),
    (&["recall", "Recall"], || Recall::new().build()),
    (&["f1_score", "F1Score"], || F1Score::new().build()),
    (&["fbeta_score", "FBetaScore"], || FBetaScore::new().build()),
    (&["mean", "Mean"], || Ok(Metric::new("mean", Mean::new("mean")))),
    (&["root_mean_squared_error", "RootMeanSquaredError"], || {
        Ok(Metric::new("root_mean_squared_error", mean::RootMeanSquaredError::new("root_mean_squared_error")))
    }),
    (&["mean_squared_error", "MeanSquaredError", "mse", "MSE"], || of_loss("mean_squared_error")),
    (&["mean_absolute_error", "MeanAbsoluteError", "mae", "MAE"], || of_loss("mean_absolute_error")),
    (&["mean_absolute_percentage_error", "MeanAbsolutePercentageError", "mape", "MAPE"], || of_loss("mean_absolute_percentage_error")),
    (&["mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", "msle", "MSLE"], || of_loss("mean_squared_logarithmic_error")),
    (&["binary_crossentropy", "BinaryCrossentropy", "bce", "BCE"], || of_loss("binary_crossentropy")),
    (&["categorical_crossentropy", "CategoricalCrossentropy"], || of_loss("categorical_crossentropy")),
    (&["sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"], || of_loss("sparse_categorical_crossentropy")),
    (&["kl_divergence", "KLDivergence"], || of_loss("kl_divergence")),
    (&["poisson", "Poisson"], || of_loss("poisson")),
    (&["hinge", "Hinge"], || of_loss("hinge")),
    (&["squared_hinge", "SquaredHinge"], || of_loss("squared_hinge")),
    (&["categorical_hinge", "CategoricalHinge"], || of_loss("categorical_hinge")),
];

impl Metric {
    /// A metric of a custom kind.
    pub fn new(name: &str, inner: impl MetricImpl + 'static) -> Metric {
        Metric { name: name.to_string(), inner: Box::new(inner), direction: direction_for_name(name) }
    }

    /// Which way the metric improves (`None`: unknown, e.g. a custom metric not given
    /// one); monitoring callbacks in `mode="auto"` use it.
    pub fn direction(&self) -> Option<Direction> {
        self.direction
    }
    /// Set the direction (a custom metric's Keras `_direction`).
    pub fn with_direction(mut self, d: Direction) -> Metric {
        self.direction = Some(d);
        self
    }

    /// A metric by Keras identifier (`"auc"`, `"AUC"`, `"mse"`, ...), with default
    /// arguments and Keras's default name. Configured metrics come from their builders
    /// (`Auc::new().curve(Curve::Pr).build()`).
    pub fn from_name(name: &str) -> Result<Metric> {
        let (_, make) = METRICS.iter().find(|(names, _)| names.contains(&name)).ok_or_else(|| unknown("metric", name, &names()))?;
        make()
    }

    /// A metric as `compile(metrics=[...])` reads an identifier: `"accuracy"`/`"acc"`
    /// becomes binary, sparse categorical or categorical accuracy by the shapes of
    /// `y_true` and `y_pred` (decided at each update, as Keras decides from the first
    /// batch); any other identifier as `from_name`. The metric is named by the
    /// identifier. `_loss` is not consulted: Keras 3 decides by shapes, not by the loss;
    /// the parameter stays so that callers keep compiling.
    pub fn resolve(name: &str, _loss: &str) -> Result<Metric> {
        let mut m = if name == "accuracy" || name == "acc" { accuracy::wrap(name, accuracy::auto_accuracy) } else { Metric::from_name(name)? };
        m.name = name.to_string();
        m.direction = m.direction.or_else(|| direction_for_name(name));
        Ok(m)
    }

    /// The mean of a loss function's per-sample values, with the loss's arguments
    /// (Keras's `BinaryCrossentropy(from_logits=True)` metric and the like); named
    /// after the loss.
    pub fn from_loss(loss: Loss) -> Metric {
        let name = loss.name.clone();
        let f: mean::ValueFn = Rc::new(move |t: &Tensor, p: &Tensor| loss.function_values(t, p));
        Metric::new(&name, mean::MeanWrapper::new(&name, f))
    }

    pub fn variables(&self) -> Vec<Variable> {
        self.inner.variables()
    }

    /// The state after this batch, as assignments (traced or eager).
    pub fn update(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Vec<Assign>> {
        self.update_weighted(y_true, y_pred, None)
    }

    /// `update_state(y_true, y_pred, sample_weight)`, as assignments.
    pub fn update_weighted(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Result<Vec<Assign>> {
        self.inner
            .update(y_true, y_pred, sample_weight)
            .map_err(|e| e.context(format!("metric `{}` (y_true {}, y_pred {})", self.name, y_true.ty(), y_pred.ty())))
    }

    /// `Mean.update_state(values, sample_weight)`, as assignments.
    pub fn update_values(&self, values: &Tensor, sample_weight: Option<&Tensor>) -> Result<Vec<Assign>> {
        self.inner.update_values(values, sample_weight).map_err(|e| e.context(format!("metric `{}`", self.name)))
    }

    /// Update now (eagerly) and store the new state, like Keras's `update_state`.
    pub fn update_state(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Result<()> {
        assign_all(self.update_weighted(y_true, y_pred, sample_weight)?)
    }

    /// The metric's value as Keras's progress bar shows it: the single number, or the
    /// mean of a per-threshold or per-class result; 0 before any update.
    pub fn result(&self) -> f64 {
        match self.inner.result() {
            Ok(v) if v.len() == 1 => v[0],
            Ok(v) if !v.is_empty() => v.iter().sum::<f64>() / v.len() as f64,
            _ => 0.0,
        }
    }

    /// The full result: one value, or one per threshold (`Precision`/`Recall` with
    /// several thresholds) or per class (`F1Score` without averaging).
    pub fn result_values(&self) -> Result<Vec<f64>> {
        self.inner.result().map_err(|e| e.context(format!("metric `{}`", self.name)))
    }

    /// Zero the state.
    pub fn reset(&self) -> Result<()> {
        self.inner.reset()
    }
}

/// Store eagerly computed assignments.
pub fn assign_all(assigns: Vec<Assign>) -> Result<()> {
    for (v, t) in assigns {
        v.assign(t.host()?)?;
    }
    Ok(())
}

impl std::fmt::Debug for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Metric {}>", self.name)
    }
}

/// Every identifier `Metric::from_name` accepts.
pub fn names() -> Vec<&'static str> {
    METRICS.iter().flat_map(|(n, _)| n.iter().copied()).collect()
}
