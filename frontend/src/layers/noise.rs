//! Random regularization layers, active only in training: `SpatialDropout1D/2D/3D`
//! (`SpatialDropout<N>`), `GaussianNoise`, `GaussianDropout`, `AlphaDropout`. Each
//! draws from a [`SeedGenerator`] (threefry, Keras's JAX key `[seed, counter]`), so a
//! seeded layer draws what Keras's JAX backend draws, and advances the key on every
//! training call (a state update inside a traced step).
use super::core::keras_shape;
use super::spatial::{channels_first, expect_rank};
use super::{base_config, snake, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use kc_ir::{DType, Dim};
use serde_json::{json, Value};

/// A generator for a layer that draws (Keras makes one when the rate is positive); its
/// state is named after the generator, as Keras names it.
fn generator(seed: Option<u32>) -> SeedGenerator {
    SeedGenerator::new(seed, format!("{}/seed_generator_state", unique_name("seed_generator")))
}

fn check_rate(rate: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&rate) {
        crate::bail!("Invalid value received for argument `rate`. Expected a float value between 0 and 1. Received: rate={rate}");
    }
    Ok(())
}

fn seed_value(seed: Option<u32>) -> Value {
    seed.map(|s| json!(s)).unwrap_or(Value::Null)
}

/// `keras.layers.SpatialDropout{N}D(rate)`: drops whole feature maps (one decision per
/// sample and channel, shared over the spatial dims), scaling the rest by
/// `1 / (1 - rate)`. `SpatialDropout1D` is always channels-last; 2D and 3D take
/// `data_format`.
pub struct SpatialDropout<const N: usize> {
    name: String,
    built: bool,
    pub rate: f64,
    pub data_format: String,
    seed: Option<u32>,
    generator: Option<SeedGenerator>,
}

pub type SpatialDropout1D = SpatialDropout<1>;
pub type SpatialDropout2D = SpatialDropout<2>;
pub type SpatialDropout3D = SpatialDropout<3>;

impl<const N: usize> SpatialDropout<N> {
    const CLASS: &'static str = match N {
        1 => "SpatialDropout1D",
        2 => "SpatialDropout2D",
        _ => "SpatialDropout3D",
    };

    pub fn new(rate: f64) -> SpatialDropout<N> {
        SpatialDropout { name: unique_name(&snake(Self::CLASS)), built: false, rate, data_format: "channels_last".into(), seed: None, generator: None }
    }
    pub fn seed(mut self, s: u32) -> Self {
        self.seed = Some(s);
        self
    }
    /// `channels_last` or `channels_first` (2D and 3D; `SpatialDropout1D` is
    /// channels-last only, as in Keras).
    pub fn data_format(mut self, f: &str) -> Self {
        self.data_format = f.to_lowercase();
        self
    }
    pub fn name(mut self, n: &str) -> Self {
        self.name = n.to_string();
        self
    }
}

impl<const N: usize> super::Named for SpatialDropout<N> {
    fn with_name(self, n: &str) -> Self {
        self.name(n)
    }
}

impl<const N: usize> Layer for SpatialDropout<N> {
    layer_basics!(Self::CLASS);
    fn build(&mut self, _: &Tensor) -> Result<()> {
        check_rate(self.rate)?;
        if N == 1 && self.data_format != "channels_last" {
            crate::bail!("SpatialDropout1D has no `data_format`: its inputs are (batch, steps, channels)");
        }
        channels_first(&self.data_format)?;
        if self.rate > 0.0 {
            self.generator = Some(generator(self.seed));
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        expect_rank(x, N + 2)?;
        match &self.generator {
            Some(g) if cx.training => {
                // one draw per (sample, channel): 1 on the spatial axes
                let cf = channels_first(&self.data_format)?;
                let mut noise: Vec<Option<usize>> = vec![None; N + 2];
                for a in ops::spatial_axes(N + 2, cf) {
                    noise[a] = Some(1);
                }
                let key = g.next(x, cx)?;
                Ok(vec![ops::dropout(x, self.rate, Some(&noise), &key)?])
            }
            _ => Ok(vec![x.clone()]),
        }
    }
    /// Keras's config for these layers is short: no `trainable`, the dtype as a plain
    /// string.
    fn get_config(&self) -> Config {
        let mut c = Config::new();
        c.insert("rate".into(), json!(self.rate));
        c.insert("seed".into(), seed_value(self.seed));
        c.insert("name".into(), json!(self.name));
        c.insert("dtype".into(), json!("float32"));
        if N > 1 {
            c.insert("data_format".into(), json!(self.data_format));
        }
        c
    }
}

/// `keras.layers.GaussianNoise(stddev)`: adds normal noise of standard deviation
/// `stddev` (in [0, 1]) while training.
pub struct GaussianNoise {
    name: String,
    built: bool,
    pub stddev: f64,
    seed: Option<u32>,
    generator: Option<SeedGenerator>,
}

impl GaussianNoise {
    pub fn new(stddev: f64) -> GaussianNoise {
        GaussianNoise { name: unique_name("gaussian_noise"), built: false, stddev, seed: None, generator: None }
    }
    pub fn seed(mut self, s: u32) -> Self {
        self.seed = Some(s);
        self
    }
}

impl Layer for GaussianNoise {
    layer_basics!("GaussianNoise");
    pass_masks!();
    fn build(&mut self, _: &Tensor) -> Result<()> {
        if !(0.0..=1.0).contains(&self.stddev) {
            crate::bail!("Invalid value received for argument `stddev`. Expected a float value between 0 and 1. Received: stddev={}", self.stddev);
        }
        if self.stddev > 0.0 {
            self.generator = Some(generator(self.seed));
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        match &self.generator {
            Some(g) if cx.training => {
                let key = ops::lift(&g.next(x, cx)?, x)?;
                let noise = ops::random_normal_dims(&x.dims(), 0.0, self.stddev, x.dtype(), &key)?;
                Ok(vec![ops::add(x, &noise)?])
            }
            _ => Ok(vec![x.clone()]),
        }
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("stddev".into(), json!(self.stddev));
        c.insert("seed".into(), seed_value(self.seed));
        c
    }
}

/// `keras.layers.GaussianDropout(rate)`: multiplies by normal noise of mean 1 and
/// standard deviation `sqrt(rate / (1 - rate))` while training.
pub struct GaussianDropout {
    name: String,
    built: bool,
    pub rate: f64,
    seed: Option<u32>,
    generator: Option<SeedGenerator>,
}

impl GaussianDropout {
    pub fn new(rate: f64) -> GaussianDropout {
        GaussianDropout { name: unique_name("gaussian_dropout"), built: false, rate, seed: None, generator: None }
    }
    pub fn seed(mut self, s: u32) -> Self {
        self.seed = Some(s);
        self
    }
}

impl Layer for GaussianDropout {
    layer_basics!("GaussianDropout");
    pass_masks!();
    fn build(&mut self, _: &Tensor) -> Result<()> {
        check_rate(self.rate)?;
        if self.rate > 0.0 {
            self.generator = Some(generator(self.seed));
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        match &self.generator {
            Some(g) if cx.training => {
                let stddev = (self.rate / (1.0 - self.rate)).sqrt();
                let key = ops::lift(&g.next(x, cx)?, x)?;
                let noise = ops::random_normal_dims(&x.dims(), 1.0, stddev, x.dtype(), &key)?;
                Ok(vec![ops::multiply(x, &noise)?])
            }
            _ => Ok(vec![x.clone()]),
        }
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("rate".into(), json!(self.rate));
        c.insert("seed".into(), seed_value(self.seed));
        c
    }
}

/// `keras.layers.AlphaDropout(rate)`: dropout for SELU networks. Dropped entries are
/// set to SELU's negative saturation `-alpha * scale`, then everything is scaled and
/// shifted (`a * x + b`) so the mean and variance stay those of the input. `noise_shape`
/// as for `Dropout` (`None` entries follow the input).
pub struct AlphaDropout {
    name: String,
    built: bool,
    pub rate: f64,
    pub noise_shape: Option<Vec<Option<usize>>>,
    seed: Option<u32>,
    generator: Option<SeedGenerator>,
}

impl AlphaDropout {
    pub fn new(rate: f64) -> AlphaDropout {
        AlphaDropout { name: unique_name("alpha_dropout"), built: false, rate, noise_shape: None, seed: None, generator: None }
    }
    pub fn seed(mut self, s: u32) -> Self {
        self.seed = Some(s);
        self
    }
    pub fn noise_shape(mut self, s: &[Option<usize>]) -> Self {
        self.noise_shape = Some(s.to_vec());
        self
    }
}

impl Layer for AlphaDropout {
    layer_basics!("AlphaDropout");
    pass_masks!();
    fn build(&mut self, _: &Tensor) -> Result<()> {
        check_rate(self.rate)?;
        if self.rate > 0.0 {
            self.generator = Some(generator(self.seed));
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let Some(g) = self.generator.as_ref().filter(|_| cx.training) else { return Ok(vec![x.clone()]) };
        let dims = x.dims();
        let noise: Vec<Dim> = match &self.noise_shape {
            None => dims.clone(),
            Some(ns) => {
                if ns.len() != dims.len() {
                    crate::bail!("noise_shape {ns:?} has {} entries but the input {} has rank {}", ns.len(), keras_shape(&dims), dims.len());
                }
                ns.iter().zip(&dims).map(|(n, d)| n.map(|v| Dim::Known(v as u64)).unwrap_or_else(|| d.clone())).collect()
            }
        };
        const ALPHA: f64 = 1.673_263_242_354_377_3;
        const SCALE: f64 = 1.050_700_987_355_480_5;
        let alpha_p = -ALPHA * SCALE;
        let r = self.rate;
        let key = ops::lift(&g.next(x, cx)?, x)?;
        let u = ops::random_uniform_dims(&noise, 0.0, 1.0, DType::F32, &key)?;
        let kept = ops::cast(&ops::greater_equal(&u, r)?, x.dtype())?;
        let a = ((1.0 - r) * (1.0 + r * alpha_p * alpha_p)).powf(-0.5);
        let b = -a * alpha_p * r;
        let dropped = ops::multiply(&ops::subtract(1.0, &kept)?, alpha_p)?;
        let y = ops::add(&ops::multiply(x, &kept)?, &dropped)?;
        Ok(vec![ops::add(&ops::multiply(&y, a)?, b)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("rate".into(), json!(self.rate));
        c.insert("seed".into(), seed_value(self.seed));
        c.insert("noise_shape".into(), self.noise_shape.as_ref().map(|n| json!(n)).unwrap_or(Value::Null));
        c
    }
}

named!(GaussianNoise, GaussianDropout, AlphaDropout);
