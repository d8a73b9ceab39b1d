//! `keras.optimizers.Adam` (with `amsgrad`).
use super::{slot, Optimizer, OptimizerBase};
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
    m: Vec<Variable>,
    v: Vec<Variable>,
    vhat: Vec<Variable>,
}

impl Adam {
    pub fn new(learning_rate: f64) -> Adam {
        Adam {
            base: OptimizerBase::new("adam", learning_rate),
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
            m: Vec::new(),
            v: Vec::new(),
            vhat: Vec::new(),
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
    pub fn amsgrad(mut self, a: bool) -> Adam {
        self.amsgrad = a;
        self
    }
    pub fn clipnorm(mut self, c: f64) -> Adam {
        self.base.clipnorm = Some(c);
        self
    }
    pub fn global_clipnorm(mut self, c: f64) -> Adam {
        self.base.global_clipnorm = Some(c);
        self
    }
}

impl Optimizer for Adam {
    fn name(&self) -> &str {
        "Adam"
    }
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn build(&mut self, vars: &[Variable]) -> Result<()> {
        self.m = vars.iter().map(|v| slot("adam", v, "momentum")).collect::<Result<_>>()?;
        self.v = vars.iter().map(|v| slot("adam", v, "velocity")).collect::<Result<_>>()?;
        if self.amsgrad {
            self.vhat = vars.iter().map(|v| slot("adam", v, "velocity_hat")).collect::<Result<_>>()?;
        }
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        self.m.iter().chain(&self.v).chain(&self.vhat).cloned().collect()
    }
    fn update(&self, grads: &[Tensor], vars: &[Variable], lr: &Tensor, step: &Tensor) -> Result<Vec<(Variable, Tensor)>> {
        // alpha = lr * sqrt(1 - b2^t) / (1 - b1^t)
        let b1t = ops::power(ops::scalar(self.beta_1, kc_ir::DType::F32)?, step)?;
        let b2t = ops::power(ops::scalar(self.beta_2, kc_ir::DType::F32)?, step)?;
        let alpha = ops::divide(&ops::multiply(lr, &ops::sqrt(&ops::subtract(1.0, &b2t)?)?)?, &ops::subtract(1.0, &b1t)?)?;
        let mut out = Vec::new();
        for (i, (g, var)) in grads.iter().zip(vars).enumerate() {
            let m = self.m[i].tensor();
            let v = self.v[i].tensor();
            let m2 = ops::add(&m, &ops::multiply(&ops::subtract(g, &m)?, 1.0 - self.beta_1)?)?;
            let v2 = ops::add(&v, &ops::multiply(&ops::subtract(&ops::square(g)?, &v)?, 1.0 - self.beta_2)?)?;
            let denom_v = if self.amsgrad {
                let vh = ops::maximum(&self.vhat[i].tensor(), &v2)?;
                out.push((self.vhat[i].clone(), vh.clone()));
                vh
            } else {
                v2.clone()
            };
            let step_ = ops::divide(&ops::multiply(&m2, &alpha)?, &ops::add(&ops::sqrt(&denom_v)?, self.epsilon)?)?;
            out.push((self.m[i].clone(), m2));
            out.push((self.v[i].clone(), v2));
            out.push((var.clone(), ops::subtract(&var.tensor(), &step_)?));
        }
        Ok(out)
    }
}
