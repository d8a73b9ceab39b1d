//! `keras.layers.BatchNormalization`.
use super::core::keras_shape;
use super::weights::{read, WeightSpec};
use super::{base_config, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::constraints::ConstraintArg;
use crate::error::Result;
use crate::initializers::InitArg;
use crate::ops;
use crate::regularizers::RegArg;
use crate::tensor::Tensor;
use crate::variable::Variable;
use serde_json::{json, Value};

/// Normalizes each feature (the entries along `axis`) by the batch's mean and
/// variance while training and by the moving averages at inference, then scales by
/// `gamma` and shifts by `beta`.
///
/// Weights, in Keras's order and with its names: `gamma`, `beta` (trainable, when
/// `scale`/`center`), `moving_mean`, `moving_variance` (not trainable). A training
/// call moves the averages, `moving = moving * momentum + batch * (1 - momentum)`:
/// inside a traced step as a state update of the call context (applied after the
/// step, as `fit` does), eagerly at once (as a Keras eager call does). A layer whose
/// `gamma`/`beta` are frozen (`Shared::set_trainable(false)`) normalizes with the
/// moving averages even in training, as Keras's `trainable=False` does.
pub struct BatchNormalization {
    name: String,
    built: bool,
    pub axis: i64,
    pub momentum: f64,
    pub epsilon: f64,
    pub center: bool,
    pub scale: bool,
    beta_spec: WeightSpec,
    gamma_spec: WeightSpec,
    moving_mean_initializer: InitArg,
    moving_variance_initializer: InitArg,
    rank: usize,
    features: usize,
    gamma: Option<Variable>,
    beta: Option<Variable>,
    moving_mean: Option<Variable>,
    moving_variance: Option<Variable>,
}

impl BatchNormalization {
    pub fn new() -> BatchNormalization {
        BatchNormalization {
            name: unique_name("batch_normalization"),
            built: false,
            axis: -1,
            momentum: 0.99,
            epsilon: 1e-3,
            center: true,
            scale: true,
            beta_spec: WeightSpec::new("zeros"),
            gamma_spec: WeightSpec::new("ones"),
            moving_mean_initializer: "zeros".into(),
            moving_variance_initializer: "ones".into(),
            rank: 0,
            features: 0,
            gamma: None,
            beta: None,
            moving_mean: None,
            moving_variance: None,
        }
    }
    /// The feature axis (the channels: -1 for channels_last, 1 for channels_first).
    pub fn axis(mut self, a: i64) -> Self {
        self.axis = a;
        self
    }
    pub fn momentum(mut self, m: f64) -> Self {
        self.momentum = m;
        self
    }
    pub fn epsilon(mut self, e: f64) -> Self {
        self.epsilon = e;
        self
    }
    /// Add the learned offset `beta`.
    pub fn center(mut self, c: bool) -> Self {
        self.center = c;
        self
    }
    /// Multiply by the learned `gamma`.
    pub fn scale(mut self, s: bool) -> Self {
        self.scale = s;
        self
    }
    pub fn beta_initializer(mut self, i: impl Into<InitArg>) -> Self {
        self.beta_spec.initializer = i.into();
        self
    }
    pub fn gamma_initializer(mut self, i: impl Into<InitArg>) -> Self {
        self.gamma_spec.initializer = i.into();
        self
    }
    pub fn moving_mean_initializer(mut self, i: impl Into<InitArg>) -> Self {
        self.moving_mean_initializer = i.into();
        self
    }
    pub fn moving_variance_initializer(mut self, i: impl Into<InitArg>) -> Self {
        self.moving_variance_initializer = i.into();
        self
    }
    pub fn beta_regularizer(mut self, r: impl Into<RegArg>) -> Self {
        self.beta_spec.regularizer = Some(r.into());
        self
    }
    pub fn gamma_regularizer(mut self, r: impl Into<RegArg>) -> Self {
        self.gamma_spec.regularizer = Some(r.into());
        self
    }
    pub fn beta_constraint(mut self, c: impl Into<ConstraintArg>) -> Self {
        self.beta_spec.constraint = Some(c.into());
        self
    }
    pub fn gamma_constraint(mut self, c: impl Into<ConstraintArg>) -> Self {
        self.gamma_spec.constraint = Some(c.into());
        self
    }
    pub fn moving_mean(&self) -> Option<&Variable> {
        self.moving_mean.as_ref()
    }
    pub fn moving_variance(&self) -> Option<&Variable> {
        self.moving_variance.as_ref()
    }

    /// Frozen: it has a learned weight and none of them is trainable.
    fn frozen(&self) -> bool {
        let learned: Vec<&Variable> = self.gamma.iter().chain(self.beta.iter()).collect();
        !learned.is_empty() && learned.iter().all(|w| !w.trainable())
    }

    /// `var <- var * momentum + batch * (1 - momentum)`.
    fn update(&self, var: &Variable, batch: &Tensor, x: &Tensor, cx: &CallCtx) -> Result<()> {
        let current = match cx.pending(var) {
            Some(v) => v,
            None => read(var, x)?,
        };
        let new = ops::add(&ops::multiply(&current, self.momentum)?, &ops::multiply(batch, 1.0 - self.momentum)?)?;
        if x.is_symbolic() {
            cx.update(var, new);
        } else {
            var.assign(new.host()?)?;
        }
        Ok(())
    }
}

impl Default for BatchNormalization {
    fn default() -> BatchNormalization {
        BatchNormalization::new()
    }
}

impl Layer for BatchNormalization {
    layer_basics!("BatchNormalization");
    fn build(&mut self, x: &Tensor) -> Result<()> {
        let r = x.rank();
        let a = ops::axis(self.axis, r).map_err(|_| crate::Error::msg(format!("Axis {} is out of bounds for input shape {}. Received: axis={}", self.axis, keras_shape(&x.dims()), self.axis)))?;
        let Some(c) = x.dims()[a].known() else {
            crate::bail!("the feature axis {} of the input {} must be known to build the weights", self.axis, keras_shape(&x.dims()));
        };
        let c = c as usize;
        if self.scale {
            self.gamma = Some(self.gamma_spec.make(&self.name, "gamma", &[c], true)?);
        }
        if self.center {
            self.beta = Some(self.beta_spec.make(&self.name, "beta", &[c], true)?);
        }
        let stat = |init: &InitArg| WeightSpec { initializer: init.clone(), regularizer: None, constraint: None };
        self.moving_mean = Some(stat(&self.moving_mean_initializer).make(&self.name, "moving_mean", &[c], false)?);
        self.moving_variance = Some(stat(&self.moving_variance_initializer).make(&self.name, "moving_variance", &[c], false)?);
        self.rank = r;
        self.features = c;
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let (Some(mm), Some(mv)) = (&self.moving_mean, &self.moving_variance) else { crate::bail!("not built") };
        let x = &inputs[0];
        let a = ops::axis(self.axis, self.rank)?;
        if x.rank() != self.rank || x.dims()[a].known() != Some(self.features as u64) {
            crate::bail!(
                "Input 0 is incompatible with the layer: expected ndim={} with axis {} of value {}, but received input with shape {}",
                self.rank,
                self.axis,
                self.features,
                keras_shape(&x.dims())
            );
        }
        if !x.dtype().is_float() {
            crate::bail!("BatchNormalization needs float inputs, got {}", x.ty());
        }
        let (mean, variance) = if cx.training && !self.frozen() {
            let axes: Vec<i64> = (0..self.rank as i64).filter(|&d| d != a as i64).collect();
            let (m, v) = ops::moments(x, &axes, false)?;
            self.update(mm, &m, x, cx)?;
            self.update(mv, &v, x, cx)?;
            (m, v)
        } else {
            (read(mm, x)?, read(mv, x)?)
        };
        if let Some(g) = &self.gamma {
            self.gamma_spec.penalty(g, x, cx)?;
        }
        if let Some(b) = &self.beta {
            self.beta_spec.penalty(b, x, cx)?;
        }
        let gamma = self.gamma.as_ref().map(|g| g.tensor());
        let beta = self.beta.as_ref().map(|b| b.tensor());
        Ok(vec![ops::batch_normalization(x, &mean, &variance, a as i64, beta.as_ref(), gamma.as_ref(), self.epsilon)?])
    }
    fn weights(&self) -> Vec<Variable> {
        [&self.gamma, &self.beta, &self.moving_mean, &self.moving_variance].into_iter().flatten().cloned().collect()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("axis".into(), json!(self.axis));
        c.insert("momentum".into(), json!(self.momentum));
        c.insert("epsilon".into(), json!(self.epsilon));
        c.insert("center".into(), json!(self.center));
        c.insert("scale".into(), json!(self.scale));
        c.insert("beta_initializer".into(), self.beta_spec.initializer.to_config());
        c.insert("gamma_initializer".into(), self.gamma_spec.initializer.to_config());
        c.insert("moving_mean_initializer".into(), self.moving_mean_initializer.to_config());
        c.insert("moving_variance_initializer".into(), self.moving_variance_initializer.to_config());
        c.insert("beta_regularizer".into(), crate::regularizers::to_config_opt(&self.beta_spec.regularizer));
        c.insert("gamma_regularizer".into(), crate::regularizers::to_config_opt(&self.gamma_spec.regularizer));
        c.insert("beta_constraint".into(), crate::constraints::to_config_opt(&self.beta_spec.constraint));
        c.insert("gamma_constraint".into(), crate::constraints::to_config_opt(&self.gamma_spec.constraint));
        // Keras's variants kc does not implement, at the values that turn them off
        c.insert("synchronized".into(), json!(false));
        c.insert("renorm".into(), json!(false));
        c.insert("renorm_clipping".into(), Value::Null);
        c.insert("renorm_momentum".into(), json!(0.99));
        c
    }
}

named!(BatchNormalization);
