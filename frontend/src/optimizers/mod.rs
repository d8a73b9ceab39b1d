//! Optimizers. State (the iteration count, the learning rate, per-weight slots) lives in
//! variables, and `apply` builds the update from gradients with `kc::ops`, so the update
//! is traced into the training step — no per-variable loop on the host. Update formulas
//! are Keras 3's.
mod adam;
mod sgd;

pub use adam::Adam;
pub use sgd::Sgd;

use crate::error::{unknown, Result};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;
use kc_runtime::HostTensor;

pub trait Optimizer {
    fn name(&self) -> &str;
    fn base(&self) -> &OptimizerBase;
    /// Create the slots for these weights (once, before the first update).
    fn build(&mut self, vars: &[Variable]) -> Result<()>;
    /// Slot variables (not the iteration count or learning rate).
    fn slots(&self) -> Vec<Variable>;
    /// The new values of the weights and slots for one step, given the gradients and
    /// the learning rate and 1-based step number as tensors.
    fn update(&self, grads: &[Tensor], vars: &[Variable], lr: &Tensor, step: &Tensor) -> Result<Vec<(Variable, Tensor)>>;

    fn variables(&self) -> Vec<Variable> {
        let b = self.base();
        let mut v = vec![b.iterations.clone(), b.learning_rate.clone()];
        v.extend(self.slots());
        v
    }
    fn learning_rate(&self) -> f64 {
        self.base().learning_rate.value().to_f64_vec()[0]
    }
    fn set_learning_rate(&self, lr: f64) -> Result<()> {
        self.base().learning_rate.assign(HostTensor::scalar(lr as f32))
    }
    fn iterations(&self) -> i64 {
        self.base().iterations.value().to_f64_vec()[0] as i64
    }

    /// Apply gradients now (eagerly) and write the new values into the variables: for
    /// custom training loops with [`crate::autodiff::value_and_grad`].
    fn apply_gradients(&mut self, grads: &[Tensor], vars: &[Variable]) -> Result<()> {
        if grads.len() != vars.len() {
            crate::bail!("apply_gradients: {} gradients for {} variables", grads.len(), vars.len());
        }
        if self.slots().is_empty() {
            self.build(vars)?;
        }
        for (v, t) in self.apply(grads, vars)? {
            let t = match v.constraint() {
                Some(project) => project(&t)?,
                None => t,
            };
            v.assign(t.host()?)?;
        }
        Ok(())
    }

    /// The whole step: gradient clipping, then `update`, then the iteration count.
    fn apply(&self, grads: &[Tensor], vars: &[Variable]) -> Result<Vec<(Variable, Tensor)>> {
        let b = self.base();
        let grads = b.clip(grads)?;
        let it = b.iterations.tensor();
        let next = ops::add(&it, 1)?;
        let step = ops::cast(&next, DType::F32)?;
        let mut out = self.update(&grads, vars, &b.learning_rate.tensor(), &step)?;
        out.push((b.iterations.clone(), next));
        Ok(out)
    }
}

/// What every optimizer has: its step count, learning rate and clipping options.
pub struct OptimizerBase {
    pub name: String,
    pub iterations: Variable,
    pub learning_rate: Variable,
    pub clipnorm: Option<f64>,
    pub clipvalue: Option<f64>,
    pub global_clipnorm: Option<f64>,
}

impl OptimizerBase {
    pub fn new(name: &str, lr: f64) -> OptimizerBase {
        OptimizerBase {
            name: name.to_string(),
            iterations: Variable::new(format!("{name}/iteration"), HostTensor::scalar(0i64), false),
            learning_rate: Variable::new(format!("{name}/learning_rate"), HostTensor::scalar(lr as f32), false),
            clipnorm: None,
            clipvalue: None,
            global_clipnorm: None,
        }
    }

    /// Keras's clipping: by value, by each gradient's norm, or by the global norm.
    fn clip(&self, grads: &[Tensor]) -> Result<Vec<Tensor>> {
        let mut g = grads.to_vec();
        if let Some(v) = self.clipvalue {
            g = g.iter().map(|x| ops::clip(x, -v, v)).collect::<Result<_>>()?;
        }
        if let Some(c) = self.clipnorm {
            g = g
                .iter()
                .map(|x| {
                    let n = ops::sqrt(&ops::sum(&ops::square(x)?, None, false)?)?;
                    let scale = ops::divide(c, &ops::maximum(&n, c)?)?;
                    ops::multiply(x, &scale)
                })
                .collect::<Result<_>>()?;
        }
        if let Some(c) = self.global_clipnorm {
            let mut total: Option<Tensor> = None;
            for x in &g {
                let s = ops::sum(&ops::square(x)?, None, false)?;
                total = Some(match total {
                    Some(t) => ops::add(&t, &s)?,
                    None => s,
                });
            }
            if let Some(t) = total {
                let n = ops::sqrt(&t)?;
                let scale = ops::divide(c, &ops::maximum(&n, c)?)?;
                g = g.iter().map(|x| ops::multiply(x, &scale)).collect::<Result<_>>()?;
            }
        }
        Ok(g)
    }
}

/// A slot variable shaped like `v`, filled with zeros: `adam/dense_kernel_momentum`.
pub(crate) fn slot(opt: &str, v: &Variable, what: &str) -> Result<Variable> {
    let z = HostTensor::zeros(v.dtype(), v.shape())?;
    Ok(Variable::new(format!("{opt}/{}_{what}", v.path().replace('/', "_")), z, false))
}

pub const NAMES: &[&str] = &["sgd", "adam"];

/// An optimizer by Keras name with its default hyperparameters.
pub fn get(name: &str) -> Result<Box<dyn Optimizer>> {
    match name {
        "sgd" => Ok(Box::new(Sgd::new(0.01))),
        "adam" => Ok(Box::new(Adam::new(0.001))),
        _ => Err(unknown("optimizer", name, NAMES)),
    }
}
