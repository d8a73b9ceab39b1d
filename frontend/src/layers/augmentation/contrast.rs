//! `keras.layers.RandomContrast`.
use super::{base_factor, batch_dim, check_image_rank, generator, seed_value, Factor};
use crate::config::Config;
use crate::error::Result;
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use kc_ir::{DType, Dim};
use serde_json::json;

/// Scales each image's deviation from its per-channel mean by a random factor while
/// training: `(x - mean) * f + mean`, clipped to `value_range`. `factor` is in [0, 1]:
/// a number `f` draws `f` from `[1, 1 + f]` (Keras's lower bound is `max(-f, 0)`, so
/// `1 - lower = 1`), a pair `(lower, upper)` from `[1 - lower, 1 + upper]`. At
/// inference the input is returned as it is (no cast, as in Keras).
pub struct RandomContrast {
    name: String,
    built: bool,
    pub factor: Factor,
    pub value_range: (f64, f64),
    pub data_format: String,
    seed: Option<u32>,
    generator: Option<SeedGenerator>,
}

impl RandomContrast {
    pub fn new(factor: impl Into<Factor>) -> RandomContrast {
        RandomContrast {
            name: unique_name("random_contrast"),
            built: false,
            factor: factor.into(),
            value_range: (0.0, 255.0),
            data_format: "channels_last".into(),
            seed: None,
            generator: None,
        }
    }
    pub fn value_range(mut self, low: f64, high: f64) -> Self {
        self.value_range = (low, high);
        self
    }
    pub fn seed(mut self, s: u32) -> Self {
        self.seed = Some(s);
        self
    }
    pub fn data_format(mut self, f: &str) -> Self {
        self.data_format = f.to_lowercase();
        self
    }
    /// `(lower, upper)` as Keras keeps it, or Keras's error.
    pub fn bounds(&self) -> Result<(f64, f64)> {
        base_factor(&self.factor, (0.0, 1.0))
    }
    pub(crate) fn check(&self) -> Result<()> {
        self.bounds()?;
        ops::channels_first(&self.data_format)?;
        Ok(())
    }
}

impl Layer for RandomContrast {
    layer_basics!("RandomContrast");
    fn build(&mut self, _: &Tensor) -> Result<()> {
        self.check()?;
        self.generator = Some(generator(self.seed));
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        check_image_rank(x)?;
        let Some(g) = self.generator.as_ref().filter(|_| cx.training) else { return Ok(vec![x.clone()]) };
        let (lower, upper) = self.bounds()?;
        // one factor per image, drawn in Keras's range (computed in f64, then f32)
        let mut shape = vec![Dim::Known(1); x.rank()];
        shape[0] = batch_dim(x);
        let key = g.next(x, cx)?;
        let f = ops::random_uniform_dims(&shape, 1.0 - lower, 1.0 + upper, DType::F32, &key)?;
        let images = ops::cast(x, DType::F32)?;
        let (h, w) = if ops::channels_first(&self.data_format)? { (-2, -1) } else { (-3, -2) };
        // the mean over the height, then over the width, as Keras takes it
        let mean = ops::mean(&ops::mean(&images, Some(&[h]), true)?, Some(&[w]), true)?;
        let y = ops::add(&ops::multiply(&ops::subtract(&images, &mean)?, &f)?, &mean)?;
        Ok(vec![ops::clip(&y, self.value_range.0, self.value_range.1)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("data_format".into(), json!(self.data_format));
        let factor = match self.bounds() {
            Ok((lo, hi)) => json!([lo, hi]),
            Err(_) => self.factor.to_json(),
        };
        c.insert("factor".into(), factor);
        c.insert("value_range".into(), json!([self.value_range.0, self.value_range.1]));
        c.insert("seed".into(), seed_value(self.seed));
        c
    }
}

named!(RandomContrast);
