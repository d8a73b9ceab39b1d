//! `keras.layers.AdditiveAttention`: Bahdanau-style attention.
use super::dot_product::{dropout_generator, generator_path, outputs};
use super::scored::{apply_scores, ScoredInputs};
use crate::config::Config;
use crate::error::Result;
use crate::layers::core::keras_shape;
use crate::layers::weights::{read, WeightSpec};
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::Dim;
use serde_json::{json, Value};

/// [`super::Attention`] with scores `sum(scale * tanh(query + key))` over the features,
/// `scale` a learned vector `(dim,)` (glorot-uniform; `use_scale(false)` leaves it out).
/// The query and key must have the same features. Inputs, masks and flags are those of
/// `Attention`.
pub struct AdditiveAttention {
    name: String,
    built: bool,
    pub use_scale: bool,
    pub dropout: f64,
    seed: Option<u32>,
    return_attention_scores: bool,
    use_causal_mask: bool,
    scale: Option<Variable>,
    /// The path of the dropout's seed-generator state, named when a positive rate is
    /// set (Keras makes the generator in the constructor).
    generator_path: Option<String>,
    generator: Option<SeedGenerator>,
}

impl AdditiveAttention {
    pub fn new() -> AdditiveAttention {
        AdditiveAttention {
            name: unique_name("additive_attention"),
            built: false,
            use_scale: true,
            dropout: 0.0,
            seed: None,
            return_attention_scores: false,
            use_causal_mask: false,
            scale: None,
            generator_path: None,
            generator: None,
        }
    }
    pub fn use_scale(mut self, s: bool) -> Self {
        self.use_scale = s;
        self
    }
    pub fn dropout(mut self, rate: f64) -> Self {
        self.dropout = rate;
        if rate > 0.0 && self.generator_path.is_none() {
            self.generator_path = Some(generator_path());
        }
        self
    }
    pub fn seed(mut self, s: u32) -> Self {
        self.seed = Some(s);
        self
    }
    pub fn return_attention_scores(mut self, r: bool) -> Self {
        self.return_attention_scores = r;
        self
    }
    pub fn use_causal_mask(mut self, c: bool) -> Self {
        self.use_causal_mask = c;
        self
    }
}

impl Default for AdditiveAttention {
    fn default() -> AdditiveAttention {
        AdditiveAttention::new()
    }
}

impl Layer for AdditiveAttention {
    layer_basics!("AdditiveAttention");
    fn build_all(&mut self, inputs: &[Tensor]) -> Result<()> {
        let inp = ScoredInputs::of(inputs, "AdditiveAttention")?;
        self.generator = dropout_generator(self.dropout, self.seed, &mut self.generator_path)?;
        if self.use_scale {
            let Some(Dim::Known(dim)) = inp.query.dims().last().cloned() else {
                crate::bail!("the last axis of the query {} must be known", keras_shape(&inp.query.dims()));
            };
            self.scale = Some(WeightSpec::new("glorot_uniform").make(&self.name, "scale", &[dim as usize], true)?);
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let inp = ScoredInputs::of(inputs, "AdditiveAttention")?;
        let (q, k) = (&inp.query, &inp.key);
        if q.dims().last() != k.dims().last() {
            crate::bail!("the query {} and the key {} must have the same last axis", keras_shape(&q.dims()), keras_shape(&k.dims()));
        }
        let t = ops::tanh(&ops::add(&ops::expand_dims(q, -2)?, &ops::expand_dims(k, -3)?)?)?;
        let t = match &self.scale {
            Some(s) => ops::multiply(&read(s, q)?, &t)?,
            None => t,
        };
        let scores = ops::sum(&t, Some(&[-1]), false)?;
        let dropout = self.generator.as_ref().map(|g| (self.dropout, g));
        Ok(outputs(apply_scores(&scores, &inp, self.use_causal_mask, dropout, cx)?, self.return_attention_scores, inp.query_mask.as_ref()))
    }
    fn weights(&self) -> Vec<Variable> {
        self.scale.iter().cloned().collect()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("use_scale".into(), json!(self.use_scale));
        c.insert("dropout".into(), json!(self.dropout));
        c.insert("seed".into(), self.seed.map(|s| json!(s)).unwrap_or(Value::Null));
        c
    }
}

named!(AdditiveAttention);
