//! `keras.layers.CategoryEncoding`, and the encoder it shares with `Discretization`
//! (Keras's `encode_categorical_inputs` on the JAX backend).
use crate::config::Config;
use crate::error::Result;
use crate::layers::{base_config, keras_shape, unique_name, CallCtx, Layer};
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::{DType, Dim};
use serde_json::json;

/// Encode integer `ids` in `0..depth` as Keras does:
/// - `one_hot`: a `depth` axis after the ids (a trailing axis of 1 is replaced);
/// - `multi_hot`: 1 where an id occurs in the sample, `count`: how many times (weighted
///   by `count_weights`); both reduce axis 1 (axis 0 of a rank-1 input).
///
/// Ids outside `0..depth` (negative ones too) encode as nothing: all zeros, as JAX's
/// `one_hot` gives. A scalar is one sample.
pub(super) fn encode(ids: &Tensor, mode: &str, depth: usize, count_weights: Option<&Tensor>) -> Result<Tensor> {
    let mut ids = ids.clone();
    if ids.rank() == 0 {
        ids = ops::expand_dims(&ids, -1)?;
    }
    let reduce = if ids.rank() > 1 { 1 } else { 0 };
    match mode {
        "one_hot" => {
            let dims = ids.dims();
            if dims.len() > 1 && dims[dims.len() - 1] == Dim::Known(1) {
                ids = ops::squeeze(&ids, Some(-1))?;
            }
            ops::one_hot(&ids, depth)
        }
        "multi_hot" => {
            let hot = ops::one_hot(&ops::cast(&ids, DType::I32)?, depth)?;
            ops::max(&hot, Some(&[reduce]), false)
        }
        "count" => {
            let mut hot = ops::one_hot(&ids, depth)?;
            if let Some(w) = count_weights {
                if w.dims() != ids.dims() {
                    crate::bail!("count_weights of shape {} must have the shape of the inputs, {}", keras_shape(&w.dims()), keras_shape(&ids.dims()));
                }
                hot = ops::multiply(&hot, &ops::expand_dims(&ops::cast(w, DType::F32)?, -1)?)?;
            }
            ops::sum(&hot, Some(&[reduce]), false)
        }
        other => crate::bail!("unknown output_mode `{other}`"),
    }
}

/// Encodes integer category ids (`0..num_tokens`) as one-hot rows, multi-hot rows or
/// counts (`output_mode`, default `multi_hot`; Keras's old name `binary` is read as
/// `multi_hot`), in float32. With `count`, a second input gives `count_weights` (Keras's
/// call argument): each id adds its weight instead of 1. Ids outside `0..num_tokens`
/// are not counted (Keras's JAX backend gives zeros for them too; it does not check).
/// Only dense outputs (`sparse=False`).
pub struct CategoryEncoding {
    name: String,
    built: bool,
    pub num_tokens: usize,
    pub output_mode: String,
}

impl CategoryEncoding {
    pub fn new(num_tokens: usize) -> CategoryEncoding {
        CategoryEncoding { name: unique_name("category_encoding"), built: false, num_tokens, output_mode: "multi_hot".into() }
    }
    /// `"one_hot"`, `"multi_hot"` (default) or `"count"`.
    pub fn output_mode(mut self, m: &str) -> Self {
        self.output_mode = if m == "binary" { "multi_hot".into() } else { m.to_string() };
        self
    }
    /// Keras's constructor checks.
    pub fn check(&self) -> Result<()> {
        if !["count", "one_hot", "multi_hot"].contains(&self.output_mode.as_str()) {
            crate::bail!("Unknown arg for output_mode: {}", self.output_mode);
        }
        if self.num_tokens < 1 {
            crate::bail!("`num_tokens` must be >= 1. Received: num_tokens={}.", self.num_tokens);
        }
        Ok(())
    }
}

impl Layer for CategoryEncoding {
    layer_basics!("CategoryEncoding");
    fn build(&mut self, _: &Tensor) -> Result<()> {
        self.check()
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let weights = match inputs {
            [_] => None,
            [_, w] if self.output_mode == "count" => Some(w),
            [_, _] => crate::bail!("`count_weights` is not used when `output_mode` is not `'count'`. Received `count_weights` with output_mode={}", self.output_mode),
            _ => crate::bail!("takes the ids and optionally count_weights, got {} inputs", inputs.len()),
        };
        let ids = &inputs[0];
        if ids.dtype().is_bool() {
            crate::bail!("ids must be integers (or integer-valued floats), got {}", ids.ty());
        }
        Ok(vec![encode(ids, &self.output_mode, self.num_tokens, weights)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("num_tokens".into(), json!(self.num_tokens));
        c.insert("output_mode".into(), json!(self.output_mode));
        c
    }
}

named!(CategoryEncoding);
