//! `keras.optimizers.Adadelta`: steps scaled by running averages of squared gradients
//! and squared updates.
use super::base::{common_arguments, Assign, LearningRate, OptimizerBase, StepInfo};
use super::{interleave, require, slot_pairs, Optimizer};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

pub struct Adadelta {
    base: OptimizerBase,
    pub rho: f64,
    pub epsilon: f64,
    accumulated_grads: Vec<Variable>,
    accumulated_delta_vars: Vec<Variable>,
}

impl Default for Adadelta {
    /// Keras's defaults: learning rate 0.001, rho 0.95, epsilon 1e-7.
    fn default() -> Adadelta {
        Adadelta::new(0.001)
    }
}

impl Adadelta {
    pub fn new(learning_rate: impl Into<LearningRate>) -> Adadelta {
        Adadelta { base: OptimizerBase::new("Adadelta", learning_rate), rho: 0.95, epsilon: 1e-7, accumulated_grads: Vec::new(), accumulated_delta_vars: Vec::new() }
    }
    pub fn rho(mut self, r: f64) -> Adadelta {
        self.rho = r;
        self
    }
    pub fn epsilon(mut self, e: f64) -> Adadelta {
        self.epsilon = e;
        self
    }
}
common_arguments!(Adadelta);

impl Optimizer for Adadelta {
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut OptimizerBase {
        &mut self.base
    }
    fn check_args(&self) -> Result<()> {
        require(&self.base, (0.0..=1.0).contains(&self.rho), "rho", "must be in [0, 1]", self.rho)?;
        require(&self.base, self.epsilon >= 0.0, "epsilon", "must be >= 0", self.epsilon)
    }
    fn build_slots(&mut self, vars: &[Variable]) -> Result<()> {
        (self.accumulated_grads, self.accumulated_delta_vars) = slot_pairs(&self.base, vars, ("accumulated_grad", 0.0), ("accumulated_delta_var", 0.0))?;
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        interleave(&self.accumulated_grads, &self.accumulated_delta_vars)
    }
    fn update_step(&self, i: usize, g: &Tensor, w: &Tensor, s: &StepInfo, out: &mut Vec<Assign>) -> Result<Tensor> {
        let rho = self.rho;
        let rms = |x: &Tensor| ops::sqrt(&ops::add(x, self.epsilon)?);
        let acc_g = ops::add(&ops::multiply(&self.accumulated_grads[i].tensor(), rho)?, &ops::multiply(&ops::square(g)?, 1.0 - rho)?)?;
        let acc_d_old = self.accumulated_delta_vars[i].tensor();
        // delta = -rms(acc_delta) * g / rms(acc_g)
        let delta = ops::negative(&ops::divide(&ops::multiply(&rms(&acc_d_old)?, g)?, &rms(&acc_g)?)?)?;
        let acc_d = ops::add(&ops::multiply(&acc_d_old, rho)?, &ops::multiply(&ops::square(&delta)?, 1.0 - rho)?)?;
        out.push((self.accumulated_grads[i].clone(), acc_g));
        out.push((self.accumulated_delta_vars[i].clone(), acc_d));
        ops::add(w, &ops::multiply(&s.lr, &delta)?)
    }
}
