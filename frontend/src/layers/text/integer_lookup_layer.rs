//! `IntegerLookup` inside a model: integers need no strings, so the lookup can also be a
//! [`Layer`] whose call is kc ops (traced into the model's step like any layer) rather
//! than host code. The vocabulary is a constant of the trace — adapt or set it before
//! the model is traced. It computes what the host call does: every input is compared
//! with the vocabulary (`O(inputs x vocabulary)`, meant for small vocabularies), unknown
//! values go to an OOV index (`floormod` among several), the mask to 0 or to no bin.
//! What needs the host is refused with the reason: FarmHash/SipHash OOV buckets, and
//! `num_oov_indices=0` (an unknown value is an error there, which a traced step cannot
//! raise).
use super::encode::OutputMode;
use super::integer_lookup::IntegerLookup;
use crate::config::Config;
use crate::error::Result;
use crate::layers::{CallCtx, Layer};
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::DType;
use kc_runtime::HostTensor;

fn constant(values: Vec<i64>) -> Result<Tensor> {
    let n = values.len();
    Ok(Tensor::from_host(HostTensor::from_vec(vec![n], values)?))
}

impl IntegerLookup {
    /// The indices of `x` (any integer dtype), as int64 ops.
    fn graph_indices(&self, x: &Tensor, mode: OutputMode) -> Result<Tensor> {
        let core = &self.core;
        if core.num_oov_indices == 0 {
            crate::bail!("num_oov_indices=0 raises on unknown values, which a traced model cannot do: call the layer on the host (`IntegerLookup::call` on data)");
        }
        if core.num_oov_indices > 1 && core.oov_method != "floormod" {
            crate::bail!("oov_method=\"farmhash\" hashes text on the host: call the layer on the data before the model");
        }
        let x = ops::cast(x, DType::I64)?;
        let oov_start = core.oov_start() as f64;
        let oov = if core.num_oov_indices == 1 {
            ops::add(&ops::multiply(&x, 0.0)?, oov_start)?
        } else {
            let n = core.num_oov_indices as f64;
            let r = ops::mod_(&x, n)?;
            let r = ops::where_(&ops::less(&r, 0.0)?, &ops::add(&r, n)?, &r)?;
            ops::add(&r, oov_start)?
        };
        let tokens = core.get_vocabulary(false).into_iter().flatten().collect::<Vec<i64>>();
        let ix = if tokens.is_empty() {
            oov
        } else {
            let hit = ops::equal(&ops::expand_dims(&x, -1)?, &constant(tokens)?)?;
            let found = ops::any(&hit, Some(&[-1]), false)?;
            let at = ops::cast(&ops::argmax(&ops::cast(&hit, DType::I32)?, -1, false)?, DType::I64)?;
            ops::where_(&found, &ops::add(&at, core.token_start() as f64)?, &oov)?
        };
        match &core.mask_token {
            Some(m) => {
                let to = if mode == OutputMode::Int { 0.0 } else { -1.0 };
                ops::where_(&ops::equal(&x, *m as f64)?, to, &ix)
            }
            None => Ok(ix),
        }
    }

    /// Inverted: each index's token (the mask at 0, the OOV token past the vocabulary).
    fn graph_tokens(&self, ix: &Tensor) -> Result<Tensor> {
        let vocab = self.get_vocabulary();
        let size = vocab.len() as f64;
        let oov = self.core.oov_token.unwrap_or(-1) as f64;
        let ix = ops::cast(ix, DType::I64)?;
        let inside = ops::logical_and(&ops::greater_equal(&ix, 0.0)?, &ops::less(&ix, size)?)?;
        let safe = ops::where_(&inside, &ix, 0.0)?;
        let got = ops::take(&constant(vocab)?, &safe, 0)?;
        ops::where_(&inside, &got, oov)
    }
}

impl Layer for IntegerLookup {
    fn name(&self) -> &str {
        &self.core.name
    }
    fn class_name(&self) -> &'static str {
        "IntegerLookup"
    }
    fn built(&self) -> bool {
        self.built
    }
    fn set_built(&mut self) {
        self.built = true;
    }
    fn get_config(&self) -> Config {
        IntegerLookup::get_config(self)
    }
    /// The lookup as ops: int64 indices (or tokens with `invert`), or float32 bins;
    /// the bag modes take `(batch, values)` and give `(batch, bins)`.
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let mode = self.core.ready()?;
        let x = &inputs[0];
        if !matches!(x.dtype(), DType::I32 | DType::I64 | DType::U8 | DType::I8 | DType::U32) {
            crate::bail!("expected integer inputs, got {}", x.dtype());
        }
        if self.core.invert {
            return Ok(vec![self.graph_tokens(x)?]);
        }
        let ix = self.graph_indices(x, mode)?;
        if mode == OutputMode::Int {
            return Ok(vec![ix]);
        }
        let depth = self.core.depth(mode)?;
        let out = match mode {
            OutputMode::OneHot => {
                let ix = if x.rank() > 1 && x.dims().last().is_some_and(|d| d.known() == Some(1)) { ops::squeeze(&ix, Some(-1))? } else { ix };
                ops::one_hot(&ix, depth)?
            }
            _ => {
                if x.rank() != 2 {
                    crate::bail!("output_mode={} inside a model takes (batch, values), got rank {}", mode.name(), x.rank());
                }
                let hot = ops::one_hot(&ix, depth)?;
                match mode {
                    OutputMode::MultiHot => ops::max(&hot, Some(&[-2]), false)?,
                    OutputMode::Count => ops::sum(&hot, Some(&[-2]), false)?,
                    _ => {
                        let idf = self.core.idf().map(<[f32]>::to_vec).unwrap_or_default();
                        let idf = Tensor::from_f32(&[idf.len()], idf)?;
                        ops::multiply(&ops::sum(&hot, Some(&[-2]), false)?, &idf)?
                    }
                }
            }
        };
        Ok(vec![out])
    }
}
