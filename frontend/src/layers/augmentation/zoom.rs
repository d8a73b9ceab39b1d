//! `keras.layers.RandomZoom`.
use super::affine::Coeffs;
use super::{as_float, batch_dim, check_fill, check_image_rank, constant, generator, height_width, per_image, resample, seed_value, spatial_factor, Factor};
use crate::config::Config;
use crate::error::Result;
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use kc_ir::{DType, Dim};
use serde_json::{json, Value};

const MESSAGE: &str = "The `height_factor` and `width_factor` arguments should be a number (or a list of two numbers) in the range (-1.0, 1.0]. ";

/// Zooms each image about its centre by a random factor while training. A factor `f`
/// in (-1, 1] reads the input at `1 + f` times the distance from the centre: positive
/// zooms out (the image shrinks, the border is filled by `fill_mode`), negative zooms
/// in. `height_factor = 0.2` draws from [-0.2, 0.2]; without a `width_factor` the
/// width is zoomed by the height's draw (the aspect ratio is kept).
pub struct RandomZoom {
    name: String,
    built: bool,
    pub height_factor: Factor,
    pub width_factor: Option<Factor>,
    pub fill_mode: String,
    pub interpolation: String,
    pub fill_value: f64,
    pub data_format: String,
    seed: Option<u32>,
    generator: Option<SeedGenerator>,
}

fn in_range(x: f64) -> bool {
    x > -1.0 && x <= 1.0
}

impl RandomZoom {
    pub fn new(height_factor: impl Into<Factor>) -> RandomZoom {
        RandomZoom {
            name: unique_name("random_zoom"),
            built: false,
            height_factor: height_factor.into(),
            width_factor: None,
            fill_mode: "reflect".into(),
            interpolation: "bilinear".into(),
            fill_value: 0.0,
            data_format: "channels_last".into(),
            seed: None,
            generator: None,
        }
    }
    /// Zoom the width by its own draw (default: by the height's).
    pub fn width_factor(mut self, f: impl Into<Factor>) -> Self {
        self.width_factor = Some(f.into());
        self
    }
    /// The (lower, upper) ranges of the height factor and of the width factor (if any),
    /// or Keras's error.
    pub fn bounds(&self) -> Result<((f64, f64), Option<(f64, f64)>)> {
        let h = spatial_factor(&self.height_factor, "height_factor", MESSAGE, in_range)?;
        let w = self.width_factor.as_ref().map(|f| spatial_factor(f, "width_factor", MESSAGE, in_range)).transpose()?;
        Ok((h, w))
    }
    pub(crate) fn check(&self) -> Result<()> {
        self.bounds()?;
        check_fill(&self.fill_mode, &self.interpolation)?;
        ops::channels_first(&self.data_format)?;
        Ok(())
    }
}

super::affine_layer_builders!(RandomZoom);

impl Layer for RandomZoom {
    layer_basics!("RandomZoom");
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
        let ((hl, hu), wb) = self.bounds()?;
        let (h, w) = height_width(x, ops::channels_first(&self.data_format)?)?;
        // Keras's draws: the height zoom, then (with a width factor) the width zoom,
        // (batch, 1) each
        let shape = [batch_dim(x), Dim::Known(1)];
        let zy = ops::random_uniform_dims(&shape, 1.0 + hl, 1.0 + hu, DType::F32, &g.next(x, cx)?)?;
        let zx = match wb {
            Some((wl, wu)) => ops::random_uniform_dims(&shape, 1.0 + wl, 1.0 + wu, DType::F32, &g.next(x, cx)?)?,
            None => zy.clone(),
        };
        // scale about the centre: x' = zx * x + (W - 1) / 2 * (1 - zx)
        let offset = |z: &Tensor, n: u64| -> Result<Tensor> { per_image(&ops::multiply(&ops::subtract(1.0, z)?, (n as f64 - 1.0) / 2.0)?) };
        let coeffs = Coeffs {
            a: [per_image(&zx)?, constant(0.0)?, offset(&zx, w)?],
            b: [constant(0.0)?, per_image(&zy)?, offset(&zy, h)?],
            projective: None,
        };
        Ok(vec![resample(&images, &coeffs, &self.fill_mode, &self.interpolation, self.fill_value, &self.data_format)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("data_format".into(), json!(self.data_format));
        c.insert("height_factor".into(), self.height_factor.to_json());
        c.insert("width_factor".into(), self.width_factor.as_ref().map(Factor::to_json).unwrap_or(Value::Null));
        c.insert("fill_mode".into(), json!(self.fill_mode));
        c.insert("interpolation".into(), json!(self.interpolation));
        c.insert("seed".into(), seed_value(self.seed));
        c.insert("fill_value".into(), json!(self.fill_value));
        c
    }
}

named!(RandomZoom);
