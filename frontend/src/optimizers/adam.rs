//! `keras.optimizers.Adam` (with `amsgrad`) and `keras.optimizers.AdamW`, which is Adam
//! with decoupled weight decay on by default (Keras implements it the same way).
use super::base::{common_arguments, Assign, LearningRate, OptimizerBase, StepInfo};
use super::{interleave, require, slot_pairs, slots_for, Optimizer};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

pub struct Adam {
    base: OptimizerBase,
    pub beta_1: f64,
    pub beta_2: f64,
    pub epsilon: f64,
    pub amsgrad: bool,
    momentums: Vec<Variable>,
    velocities: Vec<Variable>,
    velocity_hats: Vec<Variable>,
}

impl Default for Adam {
    /// Keras's defaults: learning rate 0.001, betas 0.9 and 0.999, epsilon 1e-7.
    fn default() -> Adam {
        Adam::new(0.001)
    }
}

impl Adam {
    pub fn new(learning_rate: impl Into<LearningRate>) -> Adam {
        Adam::with_class("Adam", learning_rate)
    }
    fn with_class(class: &'static str, learning_rate: impl Into<LearningRate>) -> Adam {
        Adam {
            base: OptimizerBase::new(class, learning_rate),
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
            momentums: Vec::new(),
            velocities: Vec::new(),
            velocity_hats: Vec::new(),
        }
    }
    pub fn beta_1(mut self, b: f64) -> Adam {
        self.beta_1 = b;
        self
    }
    pub fn beta_2(mut self, b: f64) -> Adam {
        self.beta_2 = b;
        self
    }
    pub fn epsilon(mut self, e: f64) -> Adam {
        self.epsilon = e;
        self
    }
    /// Use the maximum of past second moments (AMSGrad).
    pub fn amsgrad(mut self, a: bool) -> Adam {
        self.amsgrad = a;
        self
    }
}
common_arguments!(Adam);

/// `keras.optimizers.AdamW`: `AdamW::new(lr)` is an [`Adam`] with class name `AdamW`
/// and `weight_decay` 0.004 (Keras's default), which must stay set.
pub struct AdamW;

impl AdamW {
    #[allow(clippy::new_ret_no_self)]
    pub fn new(learning_rate: impl Into<LearningRate>) -> Adam {
        Adam::with_class("AdamW", learning_rate).weight_decay(0.004)
    }
}

impl Optimizer for Adam {
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
        (self.momentums, self.velocities) = slot_pairs(&self.base, vars, ("momentum", 0.0), ("velocity", 0.0))?;
        if self.amsgrad {
            self.velocity_hats = slots_for(&self.base, vars, "velocity_hat", 0.0)?;
        }
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        let mut s = interleave(&self.momentums, &self.velocities);
        s.extend(self.velocity_hats.iter().cloned());
        s
    }
    fn update_step(&self, i: usize, g: &Tensor, w: &Tensor, s: &StepInfo, out: &mut Vec<Assign>) -> Result<Tensor> {
        // alpha = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        let b1t = ops::power(self.beta_1, &s.local_step)?;
        let b2t = ops::power(self.beta_2, &s.local_step)?;
        let alpha = ops::divide(&ops::multiply(&s.lr, &ops::sqrt(&ops::subtract(1.0, &b2t)?)?)?, &ops::subtract(1.0, &b1t)?)?;
        let m = self.momentums[i].tensor();
        let v = self.velocities[i].tensor();
        let m = ops::add(&m, &ops::multiply(&ops::subtract(g, &m)?, 1.0 - self.beta_1)?)?;
        let v = ops::add(&v, &ops::multiply(&ops::subtract(&ops::square(g)?, &v)?, 1.0 - self.beta_2)?)?;
        out.push((self.momentums[i].clone(), m.clone()));
        out.push((self.velocities[i].clone(), v.clone()));
        let v = if self.amsgrad {
            let vh = ops::maximum(&self.velocity_hats[i].tensor(), &v)?;
            out.push((self.velocity_hats[i].clone(), vh.clone()));
            vh
        } else {
            v
        };
        ops::subtract(w, &ops::divide(&ops::multiply(&m, &alpha)?, &ops::add(&ops::sqrt(&v)?, self.epsilon)?)?)
    }
}
