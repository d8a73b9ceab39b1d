//! `keras.layers.Embedding`: rows of a trainable `(input_dim, output_dim)` table.
use super::core::keras_shape;
use super::weights::WeightSpec;
use super::{base_config, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::constraints::ConstraintArg;
use crate::error::Result;
use crate::initializers::InitArg;
use crate::ops;
use crate::regularizers::RegArg;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;
use serde_json::json;

/// Integer ids `(batch, ...)` to vectors `(batch, ..., output_dim)`. Ids are cast to
/// `int32` when they are not `int32`/`int64` (as Keras). Ids outside `[0, input_dim)` are
/// clamped into range by the IR's `gather`; JAX would return NaN rows instead.
pub struct Embedding {
    name: String,
    built: bool,
    pub input_dim: usize,
    pub output_dim: usize,
    /// Whether id 0 is padding: the output then carries the mask `ids != 0`
    /// ([`Embedding::compute_mask`]), which the recurrent layers after it read.
    pub mask_zero: bool,
    spec: WeightSpec,
    embeddings: Option<Variable>,
}

impl Embedding {
    pub fn new(input_dim: usize, output_dim: usize) -> Embedding {
        Embedding {
            name: unique_name("embedding"),
            built: false,
            input_dim,
            output_dim,
            mask_zero: false,
            spec: WeightSpec::new("uniform"),
            embeddings: None,
        }
    }
    pub fn embeddings_initializer(mut self, i: impl Into<InitArg>) -> Embedding {
        self.spec.initializer = i.into();
        self
    }
    pub fn embeddings_regularizer(mut self, r: impl Into<RegArg>) -> Embedding {
        self.spec.regularizer = Some(r.into());
        self
    }
    pub fn embeddings_constraint(mut self, c: impl Into<ConstraintArg>) -> Embedding {
        self.spec.constraint = Some(c.into());
        self
    }
    pub fn mask_zero(mut self, m: bool) -> Embedding {
        self.mask_zero = m;
        self
    }
    pub fn embeddings(&self) -> Option<&Variable> {
        self.embeddings.as_ref()
    }
    /// Keras's `compute_mask`: `ids != 0` when `mask_zero`, else `None`.
    pub fn compute_mask(&self, ids: &Tensor) -> Result<Option<Tensor>> {
        if !self.mask_zero {
            return Ok(None);
        }
        Ok(Some(ops::not_equal(ids, 0.0)?))
    }
}

impl Layer for Embedding {
    layer_basics!("Embedding");
    fn supports_masking(&self) -> bool {
        self.mask_zero
    }
    fn compute_mask(&self, inputs: &[Tensor], _: Option<&Tensor>, outputs: usize) -> Result<Vec<Option<Tensor>>> {
        Ok(vec![Embedding::compute_mask(self, &inputs[0])?; outputs])
    }
    fn build(&mut self, _: &Tensor) -> Result<()> {
        if self.input_dim == 0 || self.output_dim == 0 {
            crate::bail!(
                "`input_dim` and `output_dim` must be positive integers. Received: input_dim={}, output_dim={}",
                self.input_dim,
                self.output_dim
            );
        }
        self.embeddings = Some(self.spec.make(&self.name, "embeddings", &[self.input_dim, self.output_dim], true)?);
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let ids = &inputs[0];
        let Some(table) = &self.embeddings else { crate::bail!("not built") };
        if ids.dtype() == DType::Bool {
            crate::bail!("expected integer ids, got {} {}", ids.dtype(), keras_shape(&ids.dims()));
        }
        let ids = if matches!(ids.dtype(), DType::I32 | DType::I64) { ids.clone() } else { ops::cast(ids, DType::I32)? };
        self.spec.penalty(table, &ids, cx)?;
        Ok(vec![ops::take(&table.tensor(), &ids, 0)?])
    }
    fn weights(&self) -> Vec<Variable> {
        self.embeddings.iter().cloned().collect()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("input_dim".into(), json!(self.input_dim));
        c.insert("output_dim".into(), json!(self.output_dim));
        c.insert("embeddings_initializer".into(), self.spec.initializer.to_config());
        c.insert("embeddings_regularizer".into(), crate::regularizers::to_config_opt(&self.spec.regularizer));
        c.insert("activity_regularizer".into(), serde_json::Value::Null);
        c.insert("embeddings_constraint".into(), crate::constraints::to_config_opt(&self.spec.constraint));
        c.insert("mask_zero".into(), json!(self.mask_zero));
        c.insert("quantization_config".into(), serde_json::Value::Null);
        c
    }
}

named!(Embedding);
