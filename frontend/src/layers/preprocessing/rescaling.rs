//! `keras.layers.Rescaling`.
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::DType;
use serde_json::json;

/// `x * scale + offset`, in float32 (integer inputs such as `u8` pixels are cast first):
/// `Rescaling::new(1.0 / 255.0, 0.0)` maps bytes to [0, 1].
pub struct Rescaling {
    name: String,
    built: bool,
    pub scale: f64,
    pub offset: f64,
}

impl Rescaling {
    pub fn new(scale: f64, offset: f64) -> Rescaling {
        Rescaling { name: unique_name("rescaling"), built: false, scale, offset }
    }
}

impl Layer for Rescaling {
    layer_basics!("Rescaling");
    pass_masks!();
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = ops::cast(&inputs[0], DType::F32)?;
        Ok(vec![ops::add(&ops::multiply(&x, self.scale)?, self.offset)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("scale".into(), json!(self.scale));
        c.insert("offset".into(), json!(self.offset));
        c
    }
}

named!(Rescaling);
