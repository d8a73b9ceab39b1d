//! `keras.layers.RandomFlip`.
use super::{as_float, batch_dim, check_image_rank, generator, seed_value};
use crate::config::Config;
use crate::error::Result;
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use kc_ir::{DType, Dim};
use serde_json::json;

/// Flips images left-right (`"horizontal"`), top-bottom (`"vertical"`) or both
/// (`"horizontal_and_vertical"`, the default) while training, each image with
/// probability 1/2: one uniform draw per image, flipped where it is `<= 0.5`. With both
/// directions the one draw decides both flips, as in Keras.
pub struct RandomFlip {
    name: String,
    built: bool,
    pub mode: String,
    pub data_format: String,
    seed: Option<u32>,
    generator: Option<SeedGenerator>,
}

const MODES: [&str; 3] = ["horizontal", "vertical", "horizontal_and_vertical"];

impl RandomFlip {
    pub fn new(mode: &str) -> RandomFlip {
        RandomFlip { name: unique_name("random_flip"), built: false, mode: mode.to_string(), data_format: "channels_last".into(), seed: None, generator: None }
    }
    pub fn seed(mut self, s: u32) -> Self {
        self.seed = Some(s);
        self
    }
    pub fn data_format(mut self, f: &str) -> Self {
        self.data_format = f.to_lowercase();
        self
    }
    /// The argument checks (kc refuses a mode Keras would silently ignore).
    pub(crate) fn check(&self) -> Result<()> {
        if !MODES.contains(&self.mode.as_str()) {
            crate::bail!("Unknown `mode` {}. Expected one of ('horizontal', 'vertical', 'horizontal_and_vertical').", self.mode);
        }
        ops::channels_first(&self.data_format)?;
        Ok(())
    }
}

impl Default for RandomFlip {
    fn default() -> RandomFlip {
        RandomFlip::new("horizontal_and_vertical")
    }
}

impl Layer for RandomFlip {
    layer_basics!("RandomFlip");
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
        // one draw per image: (batch, 1, 1, 1), or (1, 1, 1) for a single image
        let mut shape = vec![Dim::Known(1); x.rank()];
        shape[0] = batch_dim(x);
        let key = g.next(x, cx)?;
        let flips = ops::less_equal(&ops::random_uniform_dims(&shape, 0.0, 1.0, DType::F32, &key)?, 0.5)?;
        let cf = ops::channels_first(&self.data_format)?;
        // axes from the end, so a single image and a batch are alike
        let (vertical, horizontal) = if cf { (-2, -1) } else { (-3, -2) };
        let mut y = images;
        if self.mode != "vertical" {
            y = ops::where_(&flips, &ops::flip(&y, Some(horizontal))?, &y)?;
        }
        if self.mode != "horizontal" {
            y = ops::where_(&flips, &ops::flip(&y, Some(vertical))?, &y)?;
        }
        Ok(vec![y])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("data_format".into(), json!(self.data_format));
        c.insert("seed".into(), seed_value(self.seed));
        c.insert("mode".into(), json!(self.mode));
        c
    }
}

named!(RandomFlip);
