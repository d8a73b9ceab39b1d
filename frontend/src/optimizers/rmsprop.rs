//! `keras.optimizers.RMSprop`, with optional momentum and the centered variant.
use super::base::{common_arguments, Assign, LearningRate, OptimizerBase, StepInfo};
use super::{require, slots_for, Optimizer};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

pub struct RmsProp {
    base: OptimizerBase,
    pub rho: f64,
    pub momentum: f64,
    pub epsilon: f64,
    pub centered: bool,
    velocities: Vec<Variable>,
    momentums: Vec<Variable>,
    average_gradients: Vec<Variable>,
}

impl Default for RmsProp {
    /// Keras's defaults: learning rate 0.001, rho 0.9, no momentum, epsilon 1e-7.
    fn default() -> RmsProp {
        RmsProp::new(0.001)
    }
}

impl RmsProp {
    pub fn new(learning_rate: impl Into<LearningRate>) -> RmsProp {
        RmsProp {
            base: OptimizerBase::new("RMSprop", learning_rate),
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            velocities: Vec::new(),
            momentums: Vec::new(),
            average_gradients: Vec::new(),
        }
    }
    /// Discounting factor of the squared-gradient average.
    pub fn rho(mut self, r: f64) -> RmsProp {
        self.rho = r;
        self
    }
    pub fn momentum(mut self, m: f64) -> RmsProp {
        self.momentum = m;
        self
    }
    pub fn epsilon(mut self, e: f64) -> RmsProp {
        self.epsilon = e;
        self
    }
    /// Normalise by the estimated variance of the gradient instead of its second moment.
    pub fn centered(mut self, c: bool) -> RmsProp {
        self.centered = c;
        self
    }
}
common_arguments!(RmsProp);

impl Optimizer for RmsProp {
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut OptimizerBase {
        &mut self.base
    }
    fn check_args(&self) -> Result<()> {
        require(&self.base, (0.0..=1.0).contains(&self.rho), "rho", "must be in [0, 1]", self.rho)?;
        require(&self.base, self.momentum >= 0.0, "momentum", "must be >= 0", self.momentum)?;
        require(&self.base, self.epsilon >= 0.0, "epsilon", "must be >= 0", self.epsilon)
    }
    fn build_slots(&mut self, vars: &[Variable]) -> Result<()> {
        self.velocities = slots_for(&self.base, vars, "velocity", 0.0)?;
        if self.momentum > 0.0 {
            self.momentums = slots_for(&self.base, vars, "momentum", 0.0)?;
        }
        if self.centered {
            self.average_gradients = slots_for(&self.base, vars, "average_gradient", 0.0)?;
        }
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        self.velocities.iter().chain(&self.momentums).chain(&self.average_gradients).cloned().collect()
    }
    fn update_step(&self, i: usize, g: &Tensor, w: &Tensor, s: &StepInfo, out: &mut Vec<Assign>) -> Result<Tensor> {
        let rho = self.rho;
        // velocity = rho * velocity + (1 - rho) * g^2
        let vel = ops::add(&ops::multiply(&self.velocities[i].tensor(), rho)?, &ops::multiply(&ops::square(g)?, 1.0 - rho)?)?;
        out.push((self.velocities[i].clone(), vel.clone()));
        let denominator = if self.centered {
            // the mean gradient, and velocity - mean^2 as the variance estimate
            let avg = ops::add(&ops::multiply(&self.average_gradients[i].tensor(), rho)?, &ops::multiply(g, 1.0 - rho)?)?;
            out.push((self.average_gradients[i].clone(), avg.clone()));
            ops::add(&ops::subtract(&vel, &ops::square(&avg)?)?, self.epsilon)?
        } else {
            ops::add(&vel, self.epsilon)?
        };
        let increment = ops::divide(&ops::multiply(&s.lr, g)?, &ops::sqrt(&denominator)?)?;
        if self.momentum > 0.0 {
            let m = ops::add(&ops::multiply(&self.momentums[i].tensor(), self.momentum)?, &increment)?;
            out.push((self.momentums[i].clone(), m.clone()));
            ops::subtract(w, &m)
        } else {
            ops::subtract(w, &increment)
        }
    }
}
