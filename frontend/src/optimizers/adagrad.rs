//! `keras.optimizers.Adagrad`: per-parameter rates from the sum of squared gradients.
use super::base::{common_arguments, Assign, LearningRate, OptimizerBase, StepInfo};
use super::{require, slots_for, Optimizer};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

pub struct Adagrad {
    base: OptimizerBase,
    pub initial_accumulator_value: f64,
    pub epsilon: f64,
    accumulators: Vec<Variable>,
}

impl Default for Adagrad {
    /// Keras's defaults: learning rate 0.001, accumulators start at 0.1, epsilon 1e-7.
    fn default() -> Adagrad {
        Adagrad::new(0.001)
    }
}

impl Adagrad {
    pub fn new(learning_rate: impl Into<LearningRate>) -> Adagrad {
        Adagrad { base: OptimizerBase::new("Adagrad", learning_rate), initial_accumulator_value: 0.1, epsilon: 1e-7, accumulators: Vec::new() }
    }
    pub fn initial_accumulator_value(mut self, v: f64) -> Adagrad {
        self.initial_accumulator_value = v;
        self
    }
    pub fn epsilon(mut self, e: f64) -> Adagrad {
        self.epsilon = e;
        self
    }
}
common_arguments!(Adagrad);

impl Optimizer for Adagrad {
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn base_mut(&mut self) -> &mut OptimizerBase {
        &mut self.base
    }
    fn check_args(&self) -> Result<()> {
        let v = self.initial_accumulator_value;
        require(&self.base, v >= 0.0, "initial_accumulator_value", "must be >= 0", v)?;
        require(&self.base, self.epsilon >= 0.0, "epsilon", "must be >= 0", self.epsilon)
    }
    fn build_slots(&mut self, vars: &[Variable]) -> Result<()> {
        self.accumulators = slots_for(&self.base, vars, "accumulator", self.initial_accumulator_value)?;
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        self.accumulators.clone()
    }
    fn update_step(&self, i: usize, g: &Tensor, w: &Tensor, s: &StepInfo, out: &mut Vec<Assign>) -> Result<Tensor> {
        // acc += g^2; w -= lr * g / sqrt(acc + epsilon)
        let acc = ops::add(&self.accumulators[i].tensor(), &ops::square(g)?)?;
        out.push((self.accumulators[i].clone(), acc.clone()));
        ops::subtract(w, &ops::divide(&ops::multiply(&s.lr, g)?, &ops::sqrt(&ops::add(&acc, self.epsilon)?)?)?)
    }
}
