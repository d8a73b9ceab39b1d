//! `keras.layers.RandomRotation`.
use super::affine::Coeffs;
use super::{as_float, base_factor, batch_dim, check_fill, check_image_rank, generator, height_width, per_image, resample, seed_value, Factor};
use crate::config::Config;
use crate::error::Result;
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use kc_ir::{DType, Dim};
use serde_json::json;

/// Rotates each image about its centre by a random angle while training. `factor` is
/// a fraction of a full turn: `0.2` draws the angle from [-0.2 * 2π, 0.2 * 2π], a pair
/// `(lower, upper)` from [lower * 2π, upper * 2π] (positive is counter-clockwise).
/// Points rotated in from outside are filled by `fill_mode`.
pub struct RandomRotation {
    name: String,
    built: bool,
    pub factor: Factor,
    pub fill_mode: String,
    pub interpolation: String,
    pub fill_value: f64,
    pub data_format: String,
    seed: Option<u32>,
    generator: Option<SeedGenerator>,
}

impl RandomRotation {
    pub fn new(factor: impl Into<Factor>) -> RandomRotation {
        RandomRotation {
            name: unique_name("random_rotation"),
            built: false,
            factor: factor.into(),
            fill_mode: "reflect".into(),
            interpolation: "bilinear".into(),
            fill_value: 0.0,
            data_format: "channels_last".into(),
            seed: None,
            generator: None,
        }
    }
    /// `(lower, upper)` in turns, as Keras keeps it, or Keras's error.
    pub fn bounds(&self) -> Result<(f64, f64)> {
        base_factor(&self.factor, (-1.0, 1.0))
    }
    pub(crate) fn check(&self) -> Result<()> {
        self.bounds()?;
        check_fill(&self.fill_mode, &self.interpolation)?;
        ops::channels_first(&self.data_format)?;
        Ok(())
    }
}

super::affine_layer_builders!(RandomRotation);

impl Layer for RandomRotation {
    layer_basics!("RandomRotation");
    fn build(&mut self, _: &Tensor) -> Result<()> {
        self.check()?;
        self.generator = Some(generator(self.seed));
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        check_image_rank(x)?;
        let images = as_float(x)?;
        let Some(g) = self.generator.as_ref().filter(|_| cx.training) else { return Ok(vec![images]) };
        let (lower, upper) = self.bounds()?;
        let (h, w) = height_width(x, ops::channels_first(&self.data_format)?)?;
        // Keras's draw: one angle in degrees per image
        let shape = [batch_dim(x), Dim::Known(1)];
        let degrees = ops::random_uniform_dims(&shape, lower * 360.0, upper * 360.0, DType::F32, &g.next(x, cx)?)?;
        let radians = ops::multiply(&degrees, (std::f64::consts::PI / 180.0) as f32 as f64)?;
        let (cos, sin) = (ops::cos(&radians)?, ops::sin(&radians)?);
        // Keras's `_compute_affine_matrix` about the centre (cx, cy) with no shear,
        // scale 1 and no shift: a2 = cx - cx*a0 - cy*a1, b2 = cy - cx*b0 - cy*b1
        let (cx_, cy_) = ((w as f64 - 1.0) * 0.5, (h as f64 - 1.0) * 0.5);
        let neg_sin = ops::negative(&sin)?;
        let offset = |c0: f64, p: &Tensor, q: &Tensor| -> Result<Tensor> {
            ops::subtract(&ops::subtract(&ops::full_like(p, c0)?, &ops::multiply(p, cx_)?)?, &ops::multiply(q, cy_)?)
        };
        let a2 = offset(cx_, &cos, &neg_sin)?;
        let b2 = offset(cy_, &sin, &cos)?;
        let coeffs = Coeffs { a: [per_image(&cos)?, per_image(&neg_sin)?, per_image(&a2)?], b: [per_image(&sin)?, per_image(&cos)?, per_image(&b2)?], projective: None };
        Ok(vec![resample(&images, &coeffs, &self.fill_mode, &self.interpolation, self.fill_value, &self.data_format)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("data_format".into(), json!(self.data_format));
        let factor = match self.bounds() {
            Ok((lo, hi)) => json!([lo, hi]),
            Err(_) => self.factor.to_json(),
        };
        c.insert("factor".into(), factor);
        c.insert("fill_mode".into(), json!(self.fill_mode));
        c.insert("fill_value".into(), json!(self.fill_value));
        c.insert("interpolation".into(), json!(self.interpolation));
        c.insert("seed".into(), seed_value(self.seed));
        c
    }
}

named!(RandomRotation);
