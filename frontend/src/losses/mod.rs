//! Losses with Keras 3's names, arguments, formulas and reductions.
//!
//! A loss computes per-sample values (one per sample, the class or feature axis
//! reduced), weights them by an optional `sample_weight` (and a mask, for
//! `ignore_class`), then reduces them (`sum_over_batch_size` by default: the mean).
//! The formulas follow `keras/src/losses/losses.py` with the JAX backend, so values
//! agree with Keras to float rounding (`tests/frontend/losses.rs` checks them against
//! golden files written by real Keras).
//!
//! ```ignore
//! let loss = Loss::from_name("binary_crossentropy")?.from_logits(true).label_smoothing(0.1);
//! let value = loss.call_weighted(&y_true, &y_pred, Some(&sample_weight))?;
//! ```
mod hinge;
mod probabilistic;
mod reduce;
mod regression;

pub(crate) use reduce::apply_mask;
pub use reduce::{squeeze_or_expand_to_same_rank, Reduction};

use crate::error::{unknown, Error, Result};
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::DType;

/// Per-sample values and, where some entries do not count (`ignore_class`), the mask
/// of those that do.
pub(crate) struct Values {
    pub values: Tensor,
    pub mask: Option<Tensor>,
}

impl Values {
    fn plain(values: Tensor) -> Result<Values> {
        Ok(Values { values, mask: None })
    }
}

type PerSample = fn(&Tensor, &Tensor, &Loss) -> Result<Values>;

/// The constructor arguments a loss may take besides `reduction` (Keras's keywords).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arg {
    FromLogits,
    LabelSmoothing,
    Axis,
    Delta,
    Alpha,
    Gamma,
    ApplyClassBalancing,
    IgnoreClass,
}

impl Arg {
    fn name(self) -> &'static str {
        match self {
            Arg::FromLogits => "from_logits",
            Arg::LabelSmoothing => "label_smoothing",
            Arg::Axis => "axis",
            Arg::Delta => "delta",
            Arg::Alpha => "alpha",
            Arg::Gamma => "gamma",
            Arg::ApplyClassBalancing => "apply_class_balancing",
            Arg::IgnoreClass => "ignore_class",
        }
    }
    /// Whether `l` holds a non-default value for this argument.
    fn is_set(self, l: &Loss) -> bool {
        let d = Loss::defaults();
        match self {
            Arg::FromLogits => l.from_logits != d.from_logits,
            Arg::LabelSmoothing => l.label_smoothing != d.label_smoothing,
            Arg::Axis => l.axis != d.axis,
            Arg::Delta => l.delta != d.delta,
            Arg::Alpha => l.alpha != d.alpha,
            Arg::Gamma => l.gamma != d.gamma,
            Arg::ApplyClassBalancing => l.apply_class_balancing != d.apply_class_balancing,
            Arg::IgnoreClass => l.ignore_class.is_some(),
        }
    }
}

const ALL_ARGS: &[Arg] = &[Arg::FromLogits, Arg::LabelSmoothing, Arg::Axis, Arg::Delta, Arg::Alpha, Arg::Gamma, Arg::ApplyClassBalancing, Arg::IgnoreClass];

/// One row of the loss table: Keras's function name (the loss's name in kc), its class
/// name and other string identifiers, the arguments it takes, and its per-sample
/// function.
pub(crate) struct Entry {
    name: &'static str,
    class: &'static str,
    aliases: &'static [&'static str],
    args: &'static [Arg],
    f: PerSample,
}

macro_rules! entry {
    ($name:literal, $class:literal, [$($alias:literal),*], [$($arg:ident),*], $f:path) => {
        Entry { name: $name, class: $class, aliases: &[$($alias),*], args: &[$(Arg::$arg),*], f: $f }
    };
}

/// Every loss, with the identifiers `keras.losses.get` accepts for it.
static LOSSES: &[Entry] = &[
    entry!("mean_squared_error", "MeanSquaredError", ["mse", "MSE"], [], regression::mean_squared_error),
    entry!("mean_absolute_error", "MeanAbsoluteError", ["mae", "MAE"], [], regression::mean_absolute_error),
    entry!("mean_absolute_percentage_error", "MeanAbsolutePercentageError", ["mape", "MAPE"], [], regression::mean_absolute_percentage_error),
    entry!("mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", ["msle", "MSLE"], [], regression::mean_squared_logarithmic_error),
    entry!("huber", "Huber", [], [Delta], regression::huber),
    entry!("log_cosh", "LogCosh", [], [], regression::log_cosh),
    entry!("cosine_similarity", "CosineSimilarity", [], [Axis], regression::cosine_similarity),
    entry!("binary_crossentropy", "BinaryCrossentropy", ["bce", "BCE"], [FromLogits, LabelSmoothing, Axis], probabilistic::binary_crossentropy),
    entry!("categorical_crossentropy", "CategoricalCrossentropy", [], [FromLogits, LabelSmoothing, Axis], probabilistic::categorical_crossentropy),
    entry!("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", [], [FromLogits, IgnoreClass], probabilistic::sparse_categorical_crossentropy),
    entry!(
        "binary_focal_crossentropy",
        "BinaryFocalCrossentropy",
        [],
        [ApplyClassBalancing, Alpha, Gamma, FromLogits, LabelSmoothing, Axis],
        probabilistic::binary_focal_crossentropy
    ),
    entry!(
        "categorical_focal_crossentropy",
        "CategoricalFocalCrossentropy",
        [],
        [Alpha, Gamma, FromLogits, LabelSmoothing, Axis],
        probabilistic::categorical_focal_crossentropy
    ),
    entry!("kl_divergence", "KLDivergence", ["kld", "KLD"], [], probabilistic::kl_divergence),
    entry!("poisson", "Poisson", [], [], probabilistic::poisson),
    entry!("hinge", "Hinge", [], [], hinge::hinge),
    entry!("squared_hinge", "SquaredHinge", [], [], hinge::squared_hinge),
    entry!("categorical_hinge", "CategoricalHinge", [], [], hinge::categorical_hinge),
];

impl Entry {
    fn identifiers(&self) -> impl Iterator<Item = &'static str> {
        [self.name, self.class].into_iter().chain(self.aliases.iter().copied())
    }
}

/// A configured loss (`keras.losses.Loss`). Arguments a loss does not take must keep
/// their defaults; `call` says which argument is wrong otherwise.
#[derive(Clone)]
pub struct Loss {
    /// Keras's function name (`"mean_squared_error"` also for `"mse"`).
    pub name: String,
    pub reduction: Reduction,
    /// `y_pred` holds logits rather than probabilities (cross-entropies).
    pub from_logits: bool,
    /// Move labels towards the uniform distribution by this much (cross-entropies).
    pub label_smoothing: f64,
    /// The class or feature axis (cross-entropies, cosine similarity).
    pub axis: i64,
    /// Where Huber turns from quadratic to linear.
    pub delta: f64,
    /// Focal losses' class weight.
    pub alpha: f64,
    /// Focal losses' focusing exponent.
    pub gamma: f64,
    /// Binary focal: weigh positives by alpha and negatives by 1 - alpha.
    pub apply_class_balancing: bool,
    /// Sparse categorical: labels equal to this class do not count.
    pub ignore_class: Option<i64>,
    entry: &'static Entry,
}

impl std::fmt::Debug for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Loss {} reduction={}", self.name, self.reduction.name())?;
        for a in self.entry.args {
            write!(f, " {}={}", a.name(), self.arg_value(*a))?;
        }
        write!(f, ">")
    }
}

impl Loss {
    /// Keras's defaults for every argument.
    fn defaults() -> Loss {
        Loss {
            name: String::new(),
            reduction: Reduction::SumOverBatchSize,
            from_logits: false,
            label_smoothing: 0.0,
            axis: -1,
            delta: 1.0,
            alpha: 0.25,
            gamma: 2.0,
            apply_class_balancing: false,
            ignore_class: None,
            entry: &LOSSES[0],
        }
    }

    /// A loss by Keras identifier: function name (`"mean_squared_error"`), class name
    /// (`"MeanSquaredError"`) or alias (`"mse"`), with default arguments.
    pub fn from_name(name: &str) -> Result<Loss> {
        let entry = LOSSES.iter().find(|e| e.identifiers().any(|n| n == name)).ok_or_else(|| unknown("loss", name, &names()))?;
        Ok(Loss { name: entry.name.to_string(), entry, ..Loss::defaults() })
    }

    pub fn from_logits(mut self, b: bool) -> Loss {
        self.from_logits = b;
        self
    }
    pub fn reduction(mut self, r: Reduction) -> Loss {
        self.reduction = r;
        self
    }
    pub fn label_smoothing(mut self, s: f64) -> Loss {
        self.label_smoothing = s;
        self
    }
    pub fn axis(mut self, a: i64) -> Loss {
        self.axis = a;
        self
    }
    pub fn delta(mut self, d: f64) -> Loss {
        self.delta = d;
        self
    }
    pub fn alpha(mut self, a: f64) -> Loss {
        self.alpha = a;
        self
    }
    pub fn gamma(mut self, g: f64) -> Loss {
        self.gamma = g;
        self
    }
    pub fn apply_class_balancing(mut self, b: bool) -> Loss {
        self.apply_class_balancing = b;
        self
    }
    pub fn ignore_class(mut self, c: i64) -> Loss {
        self.ignore_class = Some(c);
        self
    }

    /// Keras's class name (`"MeanSquaredError"`).
    pub fn class_name(&self) -> &'static str {
        self.entry.class
    }

    fn arg_value(&self, a: Arg) -> String {
        match a {
            Arg::FromLogits => self.from_logits.to_string(),
            Arg::LabelSmoothing => self.label_smoothing.to_string(),
            Arg::Axis => self.axis.to_string(),
            Arg::Delta => self.delta.to_string(),
            Arg::Alpha => self.alpha.to_string(),
            Arg::Gamma => self.gamma.to_string(),
            Arg::ApplyClassBalancing => self.apply_class_balancing.to_string(),
            Arg::IgnoreClass => self.ignore_class.map_or("None".into(), |c| c.to_string()),
        }
    }

    /// The arguments are ones this loss takes, with values Keras accepts.
    pub fn check(&self) -> Result<()> {
        if let Some(a) = ALL_ARGS.iter().find(|a| !self.entry.args.contains(a) && a.is_set(self)) {
            let takes: Vec<&str> = self.entry.args.iter().map(|a| a.name()).chain(["reduction"]).collect();
            crate::bail!("loss `{}` has no argument `{}` (it takes: {})", self.name, a.name(), takes.join(", "));
        }
        if !(0.0..=1.0).contains(&self.label_smoothing) {
            crate::bail!("loss `{}`: label_smoothing must be in [0, 1], got {}", self.name, self.label_smoothing);
        }
        Ok(())
    }

    fn context(&self, y_true: &Tensor, y_pred: &Tensor) -> String {
        format!("loss `{}` (y_true {}, y_pred {})", self.name, y_true.ty(), y_pred.ty())
    }

    /// The per-sample values and mask, as `Loss.__call__` computes them before the
    /// reduction: both inputs in float32, ranks lined up.
    fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Values> {
        self.check()?;
        let run = || -> Result<Values> {
            let t = ops::cast(y_true, DType::F32)?;
            let p = ops::cast(y_pred, DType::F32)?;
            let (t, p) = squeeze_or_expand_to_same_rank(&t, &p, true)?;
            (self.entry.f)(&t, &p, self)
        };
        run().map_err(|e| e.context(self.context(y_true, y_pred)))
    }

    /// The loss function itself on the inputs as given (what a metric built on a loss
    /// averages: Keras's metrics call the function, not the `Loss` object).
    pub(crate) fn function_values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Values> {
        self.check()?;
        (self.entry.f)(y_true, y_pred, self).map_err(|e| e.context(self.context(y_true, y_pred)))
    }

    /// Per-sample values (not weighted, not reduced).
    pub fn per_sample(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        Ok(self.values(y_true, y_pred)?.values)
    }

    /// The reduced loss (a scalar unless the reduction is `None`).
    pub fn call(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        self.call_weighted(y_true, y_pred, None)
    }

    /// `loss(y_true, y_pred, sample_weight=...)`: per-sample values weighted by
    /// `sample_weight` (broadcast against them after lining up a trailing 1; a weight
    /// per sample is shape `[batch]`), then reduced.
    pub fn call_weighted(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Result<Tensor> {
        let v = self.values(y_true, y_pred)?;
        reduce::reduce_weighted(&v.values, sample_weight, v.mask.as_ref(), self.reduction).map_err(|e: Error| e.context(self.context(y_true, y_pred)))
    }
}

/// Every identifier `Loss::from_name` accepts.
pub fn names() -> Vec<&'static str> {
    LOSSES.iter().flat_map(|e| e.identifiers()).collect()
}
