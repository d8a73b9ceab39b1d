//! `keras.optimizers.Adamax`: Adam with the infinity norm in place of the second moment.
use super::base::{common_arguments, Assign, LearningRate, OptimizerBase, StepInfo};
use super::{interleave, require, slot_pairs, Optimizer};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

pub struct Adamax {
    base: OptimizerBase,
    pub beta_1: f64,
    pub beta_2: f64,
    pub epsilon: f64,
    m: Vec<Variable>,
    u: Vec<Variable>,
}

impl Default for Adamax {
    /// Keras's defaults: learning rate 0.001, betas 0.9 and 0.999, epsilon 1e-7.
    fn default() -> Adamax {
        Adamax::new(0.001)
    }
}

impl Adamax {
    pub fn new(learning_rate: impl Into<LearningRate>) -> Adamax {
        Adamax { base: OptimizerBase::new("Adamax", learning_rate), beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, m: Vec::new(), u: Vec::new() }
    }
    pub fn beta_1(mut self, b: f64) -> Adamax {
        self.beta_1 = b;
        self
    }
    pub fn beta_2(mut self, b: f64) -> Adamax {
        self.beta_2 = b;
        self
    }
    pub fn epsilon(mut self, e: f64) -> Adamax {
        self.epsilon = e;
        self
    }
}
common_arguments!(Adamax);

impl Optimizer for Adamax {
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut OptimizerBase {
        &mut self.base
    }
    fn check_args(&self) -> Result<()> {
        require(&self.base, (0.0..=1.0).contains(&self.beta_1), "beta_1", "must be in [0, 1]", self.beta_1)?;
        require(&self.base, (0.0..=1.0).contains(&self.beta_2), "beta_2", "must be in [0, 1]", self.beta_2)?;
        require(&self.base, self.epsilon >= 0.0, "epsilon", "must be >= 0", self.epsilon)
    }
    fn build_slots(&mut self, vars: &[Variable]) -> Result<()> {
        (self.m, self.u) = slot_pairs(&self.base, vars, ("momentum", 0.0), ("norm", 0.0))?;
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        interleave(&self.m, &self.u)
    }
    fn update_step(&self, i: usize, g: &Tensor, w: &Tensor, s: &StepInfo, out: &mut Vec<Assign>) -> Result<Tensor> {
        let b1t = ops::power(self.beta_1, &s.local_step)?;
        let m = self.m[i].tensor();
        let m = ops::add(&m, &ops::multiply(&ops::subtract(g, &m)?, 1.0 - self.beta_1)?)?;
        let u = ops::maximum(&ops::multiply(&self.u[i].tensor(), self.beta_2)?, &ops::abs(g)?)?;
        out.push((self.m[i].clone(), m.clone()));
        out.push((self.u[i].clone(), u.clone()));
        // w -= lr * m / ((1 - beta_1^t) * (u + epsilon))
        ops::subtract(w, &ops::divide(&ops::multiply(&s.lr, &m)?, &ops::multiply(&ops::subtract(1.0, &b1t)?, &ops::add(&u, self.epsilon)?)?)?)
    }
}
