//! `keras.optimizers.Nadam`: Adam with Nesterov momentum, with Keras's momentum schedule
//! `u_t = beta_1 * (1 - 0.5 * 0.96^t)` and its running product kept in a variable.
use super::base::{common_arguments, Assign, LearningRate, OptimizerBase, StepInfo};
use super::{interleave, require, slot_pairs, Optimizer};
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;
use kc_runtime::HostTensor;

pub struct Nadam {
    base: OptimizerBase,
    pub beta_1: f64,
    pub beta_2: f64,
    pub epsilon: f64,
    momentums: Vec<Variable>,
    velocities: Vec<Variable>,
    /// The product of the `u_t` so far (starts at 1).
    u_product: Option<Variable>,
}

impl Default for Nadam {
    /// Keras's defaults: learning rate 0.001, betas 0.9 and 0.999, epsilon 1e-7.
    fn default() -> Nadam {
        Nadam::new(0.001)
    }
}

impl Nadam {
    pub fn new(learning_rate: impl Into<LearningRate>) -> Nadam {
        Nadam { base: OptimizerBase::new("Nadam", learning_rate), beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, momentums: Vec::new(), velocities: Vec::new(), u_product: None }
    }
    pub fn beta_1(mut self, b: f64) -> Nadam {
        self.beta_1 = b;
        self
    }
    pub fn beta_2(mut self, b: f64) -> Nadam {
        self.beta_2 = b;
        self
    }
    pub fn epsilon(mut self, e: f64) -> Nadam {
        self.epsilon = e;
        self
    }

    /// `beta_1 * (1 - 0.5 * 0.96^t)`.
    fn u(&self, t: &Tensor) -> Result<Tensor> {
        ops::multiply(&ops::subtract(1.0, &ops::multiply(&ops::power(0.96, t)?, 0.5)?)?, self.beta_1)
    }

    /// The running product after this step (what `update_step` reads: Keras assigns it
    /// before the per-variable updates).
    fn u_product_now(&self, s: &StepInfo) -> Result<(Variable, Tensor)> {
        let Some(p) = &self.u_product else { crate::bail!("Nadam is not built") };
        Ok((p.clone(), ops::multiply(&p.tensor(), &self.u(&s.local_step)?)?))
    }
}
common_arguments!(Nadam);

impl Optimizer for Nadam {
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
        let dtype = vars.first().map(|v| v.dtype()).unwrap_or(DType::F32);
        // Keras makes this variable without a name: its path is `<optimizer>/variable`.
        self.u_product = Some(Variable::new(format!("{}/variable", self.base.name), HostTensor::from_f64(dtype, vec![], &[1.0])?, false));
        Ok(())
    }
    fn slots(&self) -> Vec<Variable> {
        let mut s = interleave(&self.momentums, &self.velocities);
        s.extend(self.u_product.iter().cloned());
        s
    }
    fn step_assigns(&self, s: &StepInfo) -> Result<Vec<Assign>> {
        Ok(vec![self.u_product_now(s)?])
    }
    fn update_step(&self, i: usize, g: &Tensor, w: &Tensor, s: &StepInfo, out: &mut Vec<Assign>) -> Result<Tensor> {
        let next_step = ops::cast(&ops::add(&s.iterations, 2)?, DType::F32)?;
        let u_t = self.u(&s.local_step)?;
        let u_t_1 = self.u(&next_step)?;
        let u_product_t = self.u_product_now(s)?.1;
        let u_product_t_1 = ops::multiply(&u_product_t, &u_t_1)?;
        let beta_2_power = ops::power(self.beta_2, &s.local_step)?;
        let m = self.momentums[i].tensor();
        let v = self.velocities[i].tensor();
        let m = ops::add(&m, &ops::multiply(&ops::subtract(g, &m)?, 1.0 - self.beta_1)?)?;
        let v = ops::add(&v, &ops::multiply(&ops::subtract(&ops::square(g)?, &v)?, 1.0 - self.beta_2)?)?;
        out.push((self.momentums[i].clone(), m.clone()));
        out.push((self.velocities[i].clone(), v.clone()));
        let m_hat = ops::add(
            &ops::divide(&ops::multiply(&u_t_1, &m)?, &ops::subtract(1.0, &u_product_t_1)?)?,
            &ops::divide(&ops::multiply(&ops::subtract(1.0, &u_t)?, g)?, &ops::subtract(1.0, &u_product_t)?)?,
        )?;
        let v_hat = ops::divide(&v, &ops::subtract(1.0, &beta_2_power)?)?;
        ops::subtract(w, &ops::divide(&ops::multiply(&m_hat, &s.lr)?, &ops::add(&ops::sqrt(&v_hat)?, self.epsilon)?)?)
    }
}
