//! `keras.layers.Attention`: dot-product (Luong-style) attention.
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
use serde_json::{json, Value};

/// Attention of `query (batch, Tq, dim)` over `value (batch, Tv, dim_v)` with scores
/// from `key` (the value unless given): `"dot"` scores `query · key` (times a learned
/// scalar `scale` with `use_scale`), `"concat"` scores `concat_score_weight * sum(tanh(
/// [scale *] (query + key)))`. Called on `[query, value]`, `[query, value, key]` or
/// `[query, value, key, query_mask, value_mask]` (Keras's `mask=[query_mask,
/// value_mask]`: boolean `(batch, Tq)` and `(batch, Tv)`; masked keys get no weight,
/// masked queries output zeros). `return_attention_scores` and `use_causal_mask` are
/// set on the layer; the returned scores are the attention weights after dropout.
pub struct Attention {
    name: String,
    built: bool,
    pub use_scale: bool,
    pub score_mode: String,
    pub dropout: f64,
    seed: Option<u32>,
    return_attention_scores: bool,
    use_causal_mask: bool,
    scale: Option<Variable>,
    /// The path of the dropout's seed-generator state, named when a positive rate is
    /// set (Keras makes the generator in the constructor).
    generator_path: Option<String>,
    concat_score_weight: Option<Variable>,
    generator: Option<SeedGenerator>,
}

impl Attention {
    pub fn new() -> Attention {
        Attention {
            name: unique_name("attention"),
            built: false,
            use_scale: false,
            score_mode: "dot".into(),
            dropout: 0.0,
            seed: None,
            return_attention_scores: false,
            use_causal_mask: false,
            scale: None,
            generator_path: None,
            concat_score_weight: None,
            generator: None,
        }
    }
    /// Learn a scalar that scales the scores.
    pub fn use_scale(mut self, s: bool) -> Self {
        self.use_scale = s;
        self
    }
    /// `"dot"` (the default) or `"concat"`.
    pub fn score_mode(mut self, m: &str) -> Self {
        self.score_mode = m.to_string();
        self
    }
    /// Dropout on the attention weights while training.
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
    /// Keras's call argument: every call returns `[output, scores]`.
    pub fn return_attention_scores(mut self, r: bool) -> Self {
        self.return_attention_scores = r;
        self
    }
    /// Keras's call argument: query position `i` attends only to keys `j <= i`.
    pub fn use_causal_mask(mut self, c: bool) -> Self {
        self.use_causal_mask = c;
        self
    }
}

impl Default for Attention {
    fn default() -> Attention {
        Attention::new()
    }
}

/// A new seed generator's state path (using up an automatic name).
pub(crate) fn generator_path() -> String {
    format!("{}/seed_generator_state", unique_name("seed_generator"))
}

/// Keras's check of a `dropout` rate and the seed generator it needs (at `path`, named
/// now if it has no name yet).
pub(crate) fn dropout_generator(rate: f64, seed: Option<u32>, path: &mut Option<String>) -> Result<Option<SeedGenerator>> {
    if !(0.0..=1.0).contains(&rate) {
        crate::bail!("Invalid value received for argument `dropout`. Expected a float value between 0 and 1. Received: dropout={rate}");
    }
    if rate == 0.0 {
        return Ok(None);
    }
    let path = path.get_or_insert_with(generator_path).clone();
    Ok(Some(SeedGenerator::new(seed, path)))
}

/// `[output]` or `[output, scores]`.
/// The call's outputs; the output keeps the query mask (Keras's `compute_mask` gives it
/// to the first output only).
pub(crate) fn outputs((out, weights): (Tensor, Tensor), scores: bool, query_mask: Option<&Tensor>) -> Vec<Tensor> {
    let out = out.with_mask(query_mask.cloned());
    if scores {
        vec![out, weights]
    } else {
        vec![out]
    }
}

impl Layer for Attention {
    layer_basics!("Attention");
    fn build_all(&mut self, inputs: &[Tensor]) -> Result<()> {
        if self.score_mode != "dot" && self.score_mode != "concat" {
            crate::bail!("Invalid value for argument score_mode. Expected one of {{'dot', 'concat'}}. Received: score_mode={}", self.score_mode);
        }
        ScoredInputs::of(inputs, "Attention")?;
        self.generator = dropout_generator(self.dropout, self.seed, &mut self.generator_path)?;
        if self.use_scale {
            self.scale = Some(WeightSpec::new("ones").make(&self.name, "scale", &[], true)?);
        }
        if self.score_mode == "concat" {
            self.concat_score_weight = Some(WeightSpec::new("ones").make(&self.name, "concat_score_weight", &[], true)?);
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let inp = ScoredInputs::of(inputs, "Attention")?;
        let (q, k) = (&inp.query, &inp.key);
        let scale = self.scale.as_ref().map(|s| read(s, q)).transpose()?;
        let scores = if self.score_mode == "dot" {
            if q.dims().last() != k.dims().last() {
                crate::bail!("the query {} and the key {} must have the same last axis for dot-product scores", keras_shape(&q.dims()), keras_shape(&k.dims()));
            }
            let s = ops::matmul(q, &ops::transpose(k, Some(&[0, 2, 1]))?)?;
            match &scale {
                Some(c) => ops::multiply(&s, c)?,
                None => s,
            }
        } else {
            let Some(w) = &self.concat_score_weight else { crate::bail!("not built") };
            let sum = ops::add(&ops::expand_dims(q, -2)?, &ops::expand_dims(k, -3)?)?;
            let sum = match &scale {
                Some(c) => ops::multiply(c, &sum)?,
                None => sum,
            };
            ops::multiply(&read(w, q)?, &ops::sum(&ops::tanh(&sum)?, Some(&[-1]), false)?)?
        };
        let dropout = self.generator.as_ref().map(|g| (self.dropout, g));
        Ok(outputs(apply_scores(&scores, &inp, self.use_causal_mask, dropout, cx)?, self.return_attention_scores, inp.query_mask.as_ref()))
    }
    fn weights(&self) -> Vec<Variable> {
        self.scale.iter().chain(self.concat_score_weight.iter()).cloned().collect()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("use_scale".into(), json!(self.use_scale));
        c.insert("score_mode".into(), json!(self.score_mode));
        c.insert("dropout".into(), json!(self.dropout));
        c.insert("seed".into(), self.seed.map(|s| json!(s)).unwrap_or(Value::Null));
        c
    }
}

named!(Attention);
