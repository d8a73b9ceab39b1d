//! `keras.optimizers.SGD`: plain, with momentum, or Nesterov momentum.
use super::base::{common_arguments, Assign, LearningRate, OptimizerBase, StepInfo};
use super::{require, slots_for, Optimizer};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

pub struct Sgd {
    base: OptimizerBase,
    pub momentum: f64,
    pub nesterov: bool,
    momentums: Vec<Variable>,
}

impl Default for Sgd {
    /// Keras's defaults: learning rate 0.01, no momentum.
    fn default() -> Sgd {
        Sgd::new(0.01)
    }
}

impl Sgd {
    pub fn new(learning_rate: impl Into<LearningRate>) -> Sgd {
        Sgd { base: OptimizerBase::new("SGD", learning_rate), momentum: 0.0, nesterov: false, momentums: Vec::new() }
    }
    /// In [0, 1]; 0 is plain SGD.
    pub fn momentum(mut self, m: f64) -> Sgd {
        self.momentum = m;
        self
    }
    pub fn nesterov(mut self, n: bool) -> Sgd {
        self.nesterov = n;
        self
    }
}
common_arguments!(Sgd);

impl Optimizer for Sgd {
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut OptimizerBase {
        &mut self.base
    }
    fn check_args(&self) -> Result<()> {
        require(&self.base, (0.0..=1.0).contains(&self.momentum), "momentum", "must be a float in [0, 1]", self.momentum)
    }
    fn build_slots(&mut self, vars: &[Variable]) -> Result<()> {
        // Keras makes momentum slots only when there is momentum.
        if self.momentum != 0.0 {
            self.momentums = slots_for(&self.base, vars, "momentum", 0.0)?;
        }
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        self.momentums.clone()
    }
    fn update_step(&self, i: usize, g: &Tensor, w: &Tensor, s: &StepInfo, out: &mut Vec<Assign>) -> Result<Tensor> {
        let lr_g = ops::multiply(g, &s.lr)?;
        if self.momentum == 0.0 {
            return ops::subtract(w, &lr_g);
        }
        // m = m * momentum - g * lr; w += m, or with Nesterov w += m * momentum - g * lr
        let m = ops::subtract(&ops::multiply(&self.momentums[i].tensor(), self.momentum)?, &lr_g)?;
        out.push((self.momentums[i].clone(), m.clone()));
        if self.nesterov {
            ops::add(w, &ops::subtract(&ops::multiply(&m, self.momentum)?, &lr_g)?)
        } else {
            ops::add(w, &m)
        }
    }
}
