//! `keras.layers.Dropout` and `ActivityRegularization` (the random noise layers are in
//! `noise.rs`).
use super::{base_config, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::regularizers::Regularizer;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use serde_json::{json, Value};

/// Zeroes each input element with probability `rate` while training, scaling the rest
/// by `1 / (1 - rate)`; the identity at inference. The bits come from a
/// [`SeedGenerator`] whose key advances on every training call (a state update of the
/// traced step), so each step draws a new mask; with the same seed kc draws the masks
/// Keras (JAX backend) draws.
pub struct Dropout {
    name: String,
    built: bool,
    pub rate: f64,
    pub noise_shape: Option<Vec<Option<usize>>>,
    seed: Option<u32>,
    generator: Option<SeedGenerator>,
}

impl Dropout {
    pub fn new(rate: f64) -> Dropout {
        Dropout { name: unique_name("dropout"), built: false, rate, noise_shape: None, seed: None, generator: None }
    }
    /// One mask entry per noise element, broadcast over the axes where it is 1
    /// (`None`: as the input).
    pub fn noise_shape(mut self, s: &[Option<usize>]) -> Dropout {
        self.noise_shape = Some(s.to_vec());
        self
    }
    pub fn seed(mut self, s: u32) -> Dropout {
        self.seed = Some(s);
        self
    }
    /// The generator (made at build when `rate > 0`).
    pub fn seed_generator(&self) -> Option<&SeedGenerator> {
        self.generator.as_ref()
    }
}

impl Layer for Dropout {
    layer_basics!("Dropout");
    pass_masks!();
    fn build(&mut self, _: &Tensor) -> Result<()> {
        if !(0.0..=1.0).contains(&self.rate) {
            crate::bail!("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={}", self.rate);
        }
        if let Some(ns) = &self.noise_shape {
            if let Some(i) = ns.iter().position(|d| *d == Some(0)) {
                crate::bail!("Invalid value received for argument `noise_shape`. Expected all dimensions to be positive integers or None. Received negative or zero value at index {i}: 0");
            }
        }
        if self.rate > 0.0 {
            // Keras's path for the state: the generator's own name, not the layer's
            let path = format!("{}/seed_generator_state", unique_name("seed_generator"));
            self.generator = Some(SeedGenerator::new(self.seed, path));
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        match &self.generator {
            Some(g) if cx.training => {
                let key = g.next(x, cx)?;
                Ok(vec![ops::dropout(x, self.rate, self.noise_shape.as_deref(), &key)?])
            }
            _ => Ok(vec![x.clone()]),
        }
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("rate".into(), json!(self.rate));
        c.insert("seed".into(), self.seed.map(|s| json!(s)).unwrap_or(Value::Null));
        c.insert(
            "noise_shape".into(),
            self.noise_shape.as_ref().map(|ns| json!(ns)).unwrap_or(Value::Null),
        );
        c
    }
}

/// `keras.layers.ActivityRegularization(l1, l2)`: the identity, adding
/// `(l1 * sum|x| + l2 * sum(x^2)) / batch size` of its input to the loss.
pub struct ActivityRegularization {
    name: String,
    built: bool,
    pub l1: f64,
    pub l2: f64,
}

impl ActivityRegularization {
    pub fn new(l1: f64, l2: f64) -> ActivityRegularization {
        ActivityRegularization { name: unique_name("activity_regularization"), built: false, l1, l2 }
    }
}

impl Default for ActivityRegularization {
    fn default() -> ActivityRegularization {
        ActivityRegularization::new(0.0, 0.0)
    }
}

impl Layer for ActivityRegularization {
    layer_basics!("ActivityRegularization");
    pass_masks!();
    fn build(&mut self, _: &Tensor) -> Result<()> {
        Regularizer::l1_l2(self.l1, self.l2)?;
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        Ok(vec![inputs[0].clone()])
    }
    fn activity_regularizer(&self) -> Option<Regularizer> {
        Regularizer::l1_l2(self.l1, self.l2).ok()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("l1".into(), json!(self.l1));
        c.insert("l2".into(), json!(self.l2));
        c
    }
}

named!(Dropout, ActivityRegularization);
