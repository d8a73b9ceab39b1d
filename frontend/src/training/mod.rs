//! The trainer: `compile`, `fit`, `evaluate`, `predict` and their configuration.
pub mod callbacks;
mod fit;
pub mod step;

pub use callbacks::{Callback, EarlyStopping, History, Logs};
pub use step::{JitCompile, Step, Target};

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
    pub(crate) loss: Option<LossArg>,
    pub(crate) metrics: Vec<String>,
    pub(crate) jit_compile: JitCompile,
}

impl Default for Compile {
    fn default() -> Compile {
        Compile { optimizer: "rmsprop".into(), loss: None, metrics: Vec::new(), jit_compile: JitCompile::Auto }
    }
}

impl Compile {
    pub fn new() -> Compile {
        Compile::default()
    }
    pub fn optimizer(mut self, o: impl Into<OptimizerArg>) -> Compile {
        self.optimizer = o.into();
        self
    }
    pub fn loss(mut self, l: impl Into<LossArg>) -> Compile {
        self.loss = Some(l.into());
        self
    }
    pub fn metrics(mut self, m: &[&str]) -> Compile {
        self.metrics = m.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn jit_compile(mut self, j: JitCompile) -> Compile {
        self.jit_compile = j;
        self
    }

    pub(crate) fn resolve(self) -> Result<(Box<dyn Optimizer>, Loss, Vec<Metric>, JitCompile)> {
        let opt = match self.optimizer {
            OptimizerArg::Name(n) => optimizers::get(&n)?,
            OptimizerArg::Value(o) => o,
        };
        let loss = match self.loss {
            None => crate::bail!("compile needs a loss (e.g. loss(\"sparse_categorical_crossentropy\"))"),
            Some(LossArg::Name(n)) => Loss::from_name(&n)?,
            Some(LossArg::Value(l)) => l,
        };
        let metrics = self.metrics.iter().map(|m| Metric::resolve(m, &loss.name)).collect::<Result<_>>()?;
        Ok((opt, loss, metrics, self.jit_compile))
    }
}

/// `model.fit(...)`'s keyword arguments, as a builder.
pub struct Fit {
    pub batch_size: usize,
    pub epochs: usize,
    pub initial_epoch: usize,
    pub validation_split: f64,
    pub shuffle: bool,
    pub verbose: u8,
    pub steps_per_epoch: Option<usize>,
    pub callbacks: Vec<Box<dyn Callback>>,
    pub(crate) validation_data: Option<(crate::Tensor, crate::Tensor)>,
}

impl Default for Fit {
    fn default() -> Fit {
        Fit {
            batch_size: 32,
            epochs: 1,
            initial_epoch: 0,
            validation_split: 0.0,
            shuffle: true,
            verbose: 1,
            steps_per_epoch: None,
            callbacks: Vec::new(),
            validation_data: None,
        }
    }
}

impl Fit {
    pub fn new() -> Fit {
        Fit::default()
    }
    pub fn batch_size(mut self, b: usize) -> Fit {
        self.batch_size = b;
        self
    }
    pub fn epochs(mut self, e: usize) -> Fit {
        self.epochs = e;
        self
    }
    pub fn initial_epoch(mut self, e: usize) -> Fit {
        self.initial_epoch = e;
        self
    }
    pub fn validation_split(mut self, v: f64) -> Fit {
        self.validation_split = v;
        self
    }
    pub fn validation_data(mut self, x: crate::Tensor, y: crate::Tensor) -> Fit {
        self.validation_data = Some((x, y));
        self
    }
    pub fn shuffle(mut self, s: bool) -> Fit {
        self.shuffle = s;
        self
    }
    pub fn verbose(mut self, v: u8) -> Fit {
        self.verbose = v;
        self
    }
    pub fn steps_per_epoch(mut self, s: usize) -> Fit {
        self.steps_per_epoch = Some(s);
        self
    }
    pub fn callback(mut self, c: impl Callback + 'static) -> Fit {
        self.callbacks.push(Box::new(c));
        self
    }
}
