//! `keras.optimizers.Ftrl`: Follow The Regularized Leader, with L1, L2 and L2-shrinkage
//! regularization and the `beta` term, as Keras implements it.
use super::base::{common_arguments, Assign, LearningRate, OptimizerBase, StepInfo};
use super::{interleave, require, slot_pairs, Optimizer};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

pub struct Ftrl {
    base: OptimizerBase,
    pub learning_rate_power: f64,
    pub initial_accumulator_value: f64,
    pub l1_regularization_strength: f64,
    pub l2_regularization_strength: f64,
    pub l2_shrinkage_regularization_strength: f64,
    pub beta: f64,
    accumulators: Vec<Variable>,
    linears: Vec<Variable>,
}

impl Default for Ftrl {
    /// Keras's defaults: learning rate 0.001, power -0.5, accumulators start at 0.1, no
    /// regularization, beta 0.
    fn default() -> Ftrl {
        Ftrl::new(0.001)
    }
}

impl Ftrl {
    pub fn new(learning_rate: impl Into<LearningRate>) -> Ftrl {
        Ftrl {
            base: OptimizerBase::new("Ftrl", learning_rate),
            learning_rate_power: -0.5,
            initial_accumulator_value: 0.1,
            l1_regularization_strength: 0.0,
            l2_regularization_strength: 0.0,
            l2_shrinkage_regularization_strength: 0.0,
            beta: 0.0,
            accumulators: Vec::new(),
            linears: Vec::new(),
        }
    }
    /// How the rate decays with the accumulator; <= 0 (0 is a fixed rate).
    pub fn learning_rate_power(mut self, p: f64) -> Ftrl {
        self.learning_rate_power = p;
        self
    }
    pub fn initial_accumulator_value(mut self, v: f64) -> Ftrl {
        self.initial_accumulator_value = v;
        self
    }
    pub fn l1_regularization_strength(mut self, l: f64) -> Ftrl {
        self.l1_regularization_strength = l;
        self
    }
    pub fn l2_regularization_strength(mut self, l: f64) -> Ftrl {
        self.l2_regularization_strength = l;
        self
    }
    /// An L2 penalty on the weights added to the gradient (magnitude shrinkage).
    pub fn l2_shrinkage_regularization_strength(mut self, l: f64) -> Ftrl {
        self.l2_shrinkage_regularization_strength = l;
        self
    }
    pub fn beta(mut self, b: f64) -> Ftrl {
        self.beta = b;
        self
    }
}
common_arguments!(Ftrl);

impl Optimizer for Ftrl {
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut OptimizerBase {
        &mut self.base
    }
    fn check_args(&self) -> Result<()> {
        let b = &self.base;
        require(b, self.initial_accumulator_value >= 0.0, "initial_accumulator_value", "needs to be positive or zero", self.initial_accumulator_value)?;
        require(b, self.learning_rate_power <= 0.0, "learning_rate_power", "needs to be negative or zero", self.learning_rate_power)?;
        require(b, self.l1_regularization_strength >= 0.0, "l1_regularization_strength", "needs to be positive or zero", self.l1_regularization_strength)?;
        require(b, self.l2_regularization_strength >= 0.0, "l2_regularization_strength", "needs to be positive or zero", self.l2_regularization_strength)?;
        let s = self.l2_shrinkage_regularization_strength;
        require(b, s >= 0.0, "l2_shrinkage_regularization_strength", "needs to be positive or zero", s)
    }
    fn build_slots(&mut self, vars: &[Variable]) -> Result<()> {
        (self.accumulators, self.linears) = slot_pairs(&self.base, vars, ("accumulator", self.initial_accumulator_value), ("linear", 0.0))?;
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        interleave(&self.accumulators, &self.linears)
    }
    fn update_step(&self, i: usize, g: &Tensor, w: &Tensor, s: &StepInfo, out: &mut Vec<Assign>) -> Result<Tensor> {
        let lr = &s.lr;
        let lr_power = self.learning_rate_power;
        // l2 + beta / (2 lr), a tensor because lr is
        let l2_reg = ops::add(&ops::divide(self.beta, &ops::multiply(lr, 2.0)?)?, self.l2_regularization_strength)?;
        let grad_to_use = ops::add(g, &ops::multiply(w, 2.0 * self.l2_shrinkage_regularization_strength)?)?;
        let accum = self.accumulators[i].tensor();
        let new_accum = ops::add(&accum, &ops::square(g)?)?;
        let sigma = ops::divide(&ops::subtract(&ops::power(&new_accum, -lr_power)?, &ops::power(&accum, -lr_power)?)?, lr)?;
        let linear = ops::add(&self.linears[i].tensor(), &ops::subtract(&grad_to_use, &ops::multiply(&sigma, w)?)?)?;
        let quadratic = ops::add(&ops::divide(&ops::power(&new_accum, -lr_power)?, lr)?, &ops::multiply(&l2_reg, 2.0)?)?;
        let l1 = self.l1_regularization_strength;
        let linear_clipped = ops::clip(&linear, -l1, l1)?;
        out.push((self.linears[i].clone(), linear.clone()));
        out.push((self.accumulators[i].clone(), new_accum));
        ops::divide(&ops::subtract(&linear_clipped, &linear)?, &quadratic)
    }
}
