//! `keras.layers.RandomTranslation`.
use super::affine::Coeffs;
use super::{as_float, batch_dim, check_fill, check_image_rank, constant, generator, height_width, per_image, resample, seed_value, spatial_factor, Factor};
use crate::config::Config;
use crate::error::Result;
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use kc_ir::{DType, Dim};
use serde_json::json;

const MESSAGE: &str = "The `factor` argument should be a number (or a list of two numbers) in the range [-1.0, 1.0]. ";

/// Shifts each image by a random fraction of its height and width while training:
/// `height_factor = 0.2` shifts by up to 20% of the height either way, `(-0.2, 0.1)`
/// between 20% up and 10% down (each factor in [-1, 1]). Points shifted in from outside
/// are filled by `fill_mode`.
pub struct RandomTranslation {
    name: String,
    built: bool,
    pub height_factor: Factor,
    pub width_factor: Factor,
    pub fill_mode: String,
    pub interpolation: String,
    pub fill_value: f64,
    pub data_format: String,
    seed: Option<u32>,
    generator: Option<SeedGenerator>,
}

fn in_range(x: f64) -> bool {
    (-1.0..=1.0).contains(&x)
}

impl RandomTranslation {
    pub fn new(height_factor: impl Into<Factor>, width_factor: impl Into<Factor>) -> RandomTranslation {
        RandomTranslation {
            name: unique_name("random_translation"),
            built: false,
            height_factor: height_factor.into(),
            width_factor: width_factor.into(),
            fill_mode: "reflect".into(),
            interpolation: "bilinear".into(),
            fill_value: 0.0,
            data_format: "channels_last".into(),
            seed: None,
            generator: None,
        }
    }
    /// The (lower, upper) ranges of the height and width factors, or Keras's error.
    pub fn bounds(&self) -> Result<((f64, f64), (f64, f64))> {
        Ok((
            spatial_factor(&self.height_factor, "height_factor", MESSAGE, in_range)?,
            spatial_factor(&self.width_factor, "width_factor", MESSAGE, in_range)?,
        ))
    }
    pub(crate) fn check(&self) -> Result<()> {
        self.bounds()?;
        check_fill(&self.fill_mode, &self.interpolation)?;
        ops::channels_first(&self.data_format)?;
        Ok(())
    }
}

super::affine_layer_builders!(RandomTranslation);

impl Layer for RandomTranslation {
    layer_basics!("RandomTranslation");
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
        let ((hl, hu), (wl, wu)) = self.bounds()?;
        let (h, w) = height_width(x, ops::channels_first(&self.data_format)?)?;
        // Keras's draws: the height shift first, then the width shift, (batch, 1) each,
        // as fractions scaled to pixels
        let shape = [batch_dim(x), Dim::Known(1)];
        let dy = ops::multiply(&ops::random_uniform_dims(&shape, hl, hu, DType::F32, &g.next(x, cx)?)?, h as f64)?;
        let dx = ops::multiply(&ops::random_uniform_dims(&shape, wl, wu, DType::F32, &g.next(x, cx)?)?, w as f64)?;
        // the output pixel (x, y) reads the input at (x - dx, y - dy)
        let coeffs = Coeffs {
            a: [constant(1.0)?, constant(0.0)?, per_image(&ops::negative(&dx)?)?],
            b: [constant(0.0)?, constant(1.0)?, per_image(&ops::negative(&dy)?)?],
            projective: None,
        };
        Ok(vec![resample(&images, &coeffs, &self.fill_mode, &self.interpolation, self.fill_value, &self.data_format)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("data_format".into(), json!(self.data_format));
        c.insert("height_factor".into(), self.height_factor.to_json());
        c.insert("width_factor".into(), self.width_factor.to_json());
        c.insert("fill_mode".into(), json!(self.fill_mode));
        c.insert("interpolation".into(), json!(self.interpolation));
        c.insert("seed".into(), seed_value(self.seed));
        c.insert("fill_value".into(), json!(self.fill_value));
        c
    }
}

named!(RandomTranslation);
