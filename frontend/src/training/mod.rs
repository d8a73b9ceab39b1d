//! The trainer: `compile`, `fit`, `evaluate`, `predict` and their configuration.
//!
//! - `trace.rs`: compiling a model and tracing its train/test/predict steps;
//! - `fit.rs`, `evaluate.rs`: the loops around the steps, with the callbacks;
//! - `batches.rs`: host-side helpers (arrays, batches, class weights);
//! - `args.rs`: `Fit`, `Evaluate`, `Predict` (keyword arguments as builders).
mod args;
mod batches;
pub mod callbacks;
mod custom_step;
mod evaluate;
mod fit;
pub mod step;
mod trace;

pub use args::{Evaluate, Fit, Predict};
pub use batches::Arrays;
pub use callbacks::{Callback, EarlyStopping, History, Logs};
pub use custom_step::{StepCtx, TrainStepFn};
pub use step::{JitCompile, Step, Target};
pub use trace::TraceCounts;

use crate::error::Result;
use crate::losses::Loss;
use crate::metrics::Metric;
use crate::optimizers::{self, Optimizer};

/// An optimizer given by name (`"adam"`) or as a value.
pub enum OptimizerArg {
    Name(String),
    Value(Box<dyn Optimizer>),
}
impl From<&str> for OptimizerArg {
    fn from(s: &str) -> OptimizerArg {
        OptimizerArg::Name(s.into())
    }
}
impl<O: Optimizer + 'static> From<O> for OptimizerArg {
    fn from(o: O) -> OptimizerArg {
        OptimizerArg::Value(Box::new(o))
    }
}

/// A loss given by name or as a value.
pub enum LossArg {
    Name(String),
    Value(Loss),
}
impl From<&str> for LossArg {
    fn from(s: &str) -> LossArg {
        LossArg::Name(s.into())
    }
}
impl From<Loss> for LossArg {
    fn from(l: Loss) -> LossArg {
        LossArg::Value(l)
    }
}

/// `model.compile(...)`'s arguments, as a builder.
pub struct Compile {
    pub(crate) optimizer: OptimizerArg,
    /// One loss for every output, or one per output.
    pub(crate) loss: Vec<LossArg>,
    pub(crate) loss_weights: Vec<f64>,
    pub(crate) metrics: Vec<String>,
    pub(crate) weighted_metrics: Vec<String>,
    pub(crate) jit_compile: JitCompile,
}

impl Default for Compile {
    fn default() -> Compile {
        Compile {
            optimizer: "rmsprop".into(),
            loss: Vec::new(),
            loss_weights: Vec::new(),
            metrics: Vec::new(),
            weighted_metrics: Vec::new(),
            jit_compile: JitCompile::Auto,
        }
    }
}

/// What `compile` resolved: the optimizer, the losses (one, or one per output), their
/// weights, the metric names (applied to every output) and the jit policy.
pub(crate) struct Resolved {
    pub optimizer: Box<dyn Optimizer>,
    pub losses: Vec<Loss>,
    pub loss_weights: Vec<f64>,
    pub metrics: Vec<String>,
    pub weighted_metrics: Vec<String>,
    pub jit: JitCompile,
}

impl Compile {
    pub fn new() -> Compile {
        Compile::default()
    }
    pub fn optimizer(mut self, o: impl Into<OptimizerArg>) -> Compile {
        self.optimizer = o.into();
        self
    }
    /// The loss, for every output of the model.
    pub fn loss(mut self, l: impl Into<LossArg>) -> Compile {
        self.loss = vec![l.into()];
        self
    }
    /// One loss per output, in output order.
    pub fn losses(mut self, ls: Vec<LossArg>) -> Compile {
        self.loss = ls;
        self
    }
    /// Weights of the per-output losses in the total (default 1 each).
    pub fn loss_weights(mut self, w: &[f64]) -> Compile {
        self.loss_weights = w.to_vec();
        self
    }
    /// Metrics of every output, not weighted by `sample_weight`/`class_weight`.
    pub fn metrics(mut self, m: &[&str]) -> Compile {
        self.metrics = m.iter().map(|s| s.to_string()).collect();
        self
    }
    /// Metrics of every output updated with the sample weights (Keras's
    /// `weighted_metrics`); one named like an unweighted metric is logged as
    /// `weighted_<name>`.
    pub fn weighted_metrics(mut self, m: &[&str]) -> Compile {
        self.weighted_metrics = m.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn jit_compile(mut self, j: JitCompile) -> Compile {
        self.jit_compile = j;
        self
    }

    pub(crate) fn resolve(self) -> Result<Resolved> {
        let optimizer = match self.optimizer {
            OptimizerArg::Name(n) => optimizers::get(&n)?,
            OptimizerArg::Value(o) => o,
        };
        // Bad optimizer arguments fail here, as Keras's constructors do.
        optimizer.check()?;
        if self.loss.is_empty() {
            crate::bail!("compile needs a loss (e.g. loss(\"sparse_categorical_crossentropy\"))");
        }
        let losses: Vec<Loss> = self
            .loss
            .into_iter()
            .map(|l| match l {
                LossArg::Name(n) => Loss::from_name(&n),
                LossArg::Value(l) => Ok(l),
            })
            .collect::<Result<_>>()?;
        if !self.loss_weights.is_empty() && self.loss_weights.len() != losses.len().max(1) && losses.len() != 1 {
            crate::bail!("loss_weights has {} entries for {} losses", self.loss_weights.len(), losses.len());
        }
        // Unknown metric names fail here, as in Keras, not at the first fit.
        for m in self.metrics.iter().chain(&self.weighted_metrics) {
            Metric::resolve(m, &losses[0].name)?;
        }
        Ok(Resolved { optimizer, losses, loss_weights: self.loss_weights, metrics: self.metrics, weighted_metrics: self.weighted_metrics, jit: self.jit_compile })
    }
}

