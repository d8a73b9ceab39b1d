//! `keras.layers.Masking`: marks the time steps whose features all equal `mask_value` as
//! padding, for the layers after it.
use super::{base_config, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use serde_json::json;

/// For `(batch, timesteps, features...)` inputs: a step is kept when any of its last-axis
/// values differs from `mask_value`. The output is the input with the masked steps
/// zeroed, carrying the mask `(batch, timesteps)` (`Tensor::mask`), which the
/// recurrent layers, `Bidirectional` and `TimeDistributed` read and the layers that
/// support masking pass on.
pub struct Masking {
    name: String,
    built: bool,
    pub mask_value: f64,
}

impl Masking {
    pub fn new() -> Masking {
        Masking { name: unique_name("masking"), built: false, mask_value: 0.0 }
    }
    /// The padding value (0 by default).
    pub fn mask_value(mut self, v: f64) -> Masking {
        self.mask_value = v;
        self
    }
    /// The mask of `x`: `any(x != mask_value, axis=-1)`.
    pub fn mask_of(&self, x: &Tensor) -> Result<Tensor> {
        ops::any(&ops::not_equal(x, self.mask_value)?, Some(&[-1]), false)
    }
}

impl Default for Masking {
    fn default() -> Masking {
        Masking::new()
    }
}

impl Layer for Masking {
    layer_basics!("Masking");
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        if x.rank() < 2 {
            crate::bail!("Masking needs inputs with a time axis and features, got {}", crate::layers::keras_shape(&x.dims()));
        }
        let keep = ops::any(&ops::not_equal(x, self.mask_value)?, Some(&[-1]), true)?;
        let out = ops::where_(&keep, x, 0.0)?;
        Ok(vec![out.with_mask(Some(ops::squeeze(&keep, Some(-1))?))])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn compute_mask(&self, inputs: &[Tensor], _: Option<&Tensor>, outputs: usize) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Some(self.mask_of(&inputs[0])?); outputs])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("mask_value".into(), json!(self.mask_value));
        c
    }
}

named!(Masking);
