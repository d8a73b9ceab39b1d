//! `keras.optimizers.Lion`: the sign of an interpolated momentum as the step.
use super::base::{common_arguments, Assign, LearningRate, OptimizerBase, StepInfo};
use super::{require, slots_for, Optimizer};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

pub struct Lion {
    base: OptimizerBase,
    pub beta_1: f64,
    pub beta_2: f64,
    momentums: Vec<Variable>,
}

impl Default for Lion {
    /// Keras's defaults: learning rate 0.001, betas 0.9 and 0.99.
    fn default() -> Lion {
        Lion::new(0.001)
    }
}

impl Lion {
    pub fn new(learning_rate: impl Into<LearningRate>) -> Lion {
        Lion { base: OptimizerBase::new("Lion", learning_rate), beta_1: 0.9, beta_2: 0.99, momentums: Vec::new() }
    }
    /// In (0, 1]; at 0 Lion would degenerate to sign SGD (Keras refuses it too).
    pub fn beta_1(mut self, b: f64) -> Lion {
        self.beta_1 = b;
        self
    }
    pub fn beta_2(mut self, b: f64) -> Lion {
        self.beta_2 = b;
        self
    }
}
common_arguments!(Lion);

impl Optimizer for Lion {
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut OptimizerBase {
        &mut self.base
    }
    fn check_args(&self) -> Result<()> {
        require(&self.base, self.beta_1 > 0.0 && self.beta_1 <= 1.0, "beta_1", "must be in (0, 1] (at 0 the optimizer degenerates to SignSGD)", self.beta_1)?;
        require(&self.base, (0.0..=1.0).contains(&self.beta_2), "beta_2", "must be in [0, 1]", self.beta_2)
    }
    fn build_slots(&mut self, vars: &[Variable]) -> Result<()> {
        self.momentums = slots_for(&self.base, vars, "momentum", 0.0)?;
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        self.momentums.clone()
    }
    fn update_step(&self, i: usize, g: &Tensor, w: &Tensor, s: &StepInfo, out: &mut Vec<Assign>) -> Result<Tensor> {
        let m = self.momentums[i].tensor();
        // w -= lr * sign(m * beta_1 + g * (1 - beta_1)); m = m * beta_2 + g * (1 - beta_2)
        let dir = ops::sign(&ops::add(&ops::multiply(&m, self.beta_1)?, &ops::multiply(g, 1.0 - self.beta_1)?)?)?;
        let new_m = ops::add(&ops::multiply(&m, self.beta_2)?, &ops::multiply(g, 1.0 - self.beta_2)?)?;
        out.push((self.momentums[i].clone(), new_m));
        ops::subtract(w, &ops::multiply(&s.lr, &dir)?)
    }
}
