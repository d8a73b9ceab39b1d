//! `keras.optimizers.SGD` with momentum and Nesterov.
use super::{slot, Optimizer, OptimizerBase};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

pub struct Sgd {
    base: OptimizerBase,
    pub momentum: f64,
    pub nesterov: bool,
    moments: Vec<Variable>,
}

impl Sgd {
    pub fn new(learning_rate: f64) -> Sgd {
        Sgd { base: OptimizerBase::new("sgd", learning_rate), momentum: 0.0, nesterov: false, moments: Vec::new() }
    }
    pub fn momentum(mut self, m: f64) -> Sgd {
        self.momentum = m;
        self
    }
    pub fn nesterov(mut self, n: bool) -> Sgd {
        self.nesterov = n;
        self
    }
    pub fn clipnorm(mut self, c: f64) -> Sgd {
        self.base.clipnorm = Some(c);
        self
    }
    pub fn clipvalue(mut self, c: f64) -> Sgd {
        self.base.clipvalue = Some(c);
        self
    }
    pub fn global_clipnorm(mut self, c: f64) -> Sgd {
        self.base.global_clipnorm = Some(c);
        self
    }
}

impl Optimizer for Sgd {
    fn name(&self) -> &str {
        "SGD"
    }
    fn base(&self) -> &OptimizerBase {
        &self.base
    }
    fn build(&mut self, vars: &[Variable]) -> Result<()> {
        if self.momentum != 0.0 {
            self.moments = vars.iter().map(|v| slot("sgd", v, "momentum")).collect::<Result<_>>()?;
        }
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        self.moments.clone()
    }
    fn update(&self, grads: &[Tensor], vars: &[Variable], lr: &Tensor, _step: &Tensor) -> Result<Vec<(Variable, Tensor)>> {
        let mut out = Vec::new();
        for (i, (g, v)) in grads.iter().zip(vars).enumerate() {
            let w = v.tensor();
            let lr_g = ops::multiply(g, lr)?;
            if self.momentum == 0.0 {
                out.push((v.clone(), ops::subtract(&w, &lr_g)?));
                continue;
            }
            // m = m * momentum - lr * g; w += m (or, Nesterov, w += m * momentum - lr * g)
            let m_var = &self.moments[i];
            let m = ops::subtract(&ops::multiply(&m_var.tensor(), self.momentum)?, &lr_g)?;
            let new_w = if self.nesterov {
                ops::subtract(&ops::add(&w, &ops::multiply(&m, self.momentum)?)?, &lr_g)?
            } else {
                ops::add(&w, &m)?
            };
            out.push((m_var.clone(), m));
            out.push((v.clone(), new_w));
        }
        Ok(out)
    }
}
