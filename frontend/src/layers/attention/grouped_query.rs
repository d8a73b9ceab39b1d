//! `keras.layers.GroupQueryAttention` (class `GroupedQueryAttention`).
use super::einsum_dense::EinsumDense;
use super::heads::{combined_mask, heads_builders, Attend, HeadsArgs, HeadsInputs};
use crate::config::Config;
use crate::error::Result;
use crate::layers::core::keras_shape;
use crate::layers::{base_config, invoke, unique_name, CallCtx, Layer};
use crate::ops;
use crate::regularizers::Regularizer;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::Dim;
use serde_json::json;

/// Grouped-query attention (Ainslie et al.): `num_query_heads` query heads share
/// `num_key_value_heads` key and value heads, each key/value head serving
/// `num_query_heads / num_key_value_heads` consecutive query heads (one key/value head
/// is multi-query attention; as many as query heads is multi-head attention). Inputs are
/// `(batch, positions, features)`; the call takes the inputs and flags of
/// [`super::MultiHeadAttention`]. As in Keras, `activity_regularizer` applies to the
/// projections and to this layer's own outputs.
pub struct GroupedQueryAttention {
    name: String,
    built: bool,
    pub head_dim: usize,
    pub num_query_heads: usize,
    pub num_key_value_heads: usize,
    heads: HeadsArgs,
    query: Option<EinsumDense>,
    key: Option<EinsumDense>,
    gate: Option<EinsumDense>,
    value: Option<EinsumDense>,
    output: Option<EinsumDense>,
    attend: Option<Attend>,
    generator: Option<SeedGenerator>,
}

impl GroupedQueryAttention {
    pub fn new(head_dim: usize, num_query_heads: usize, num_key_value_heads: usize) -> GroupedQueryAttention {
        GroupedQueryAttention {
            name: unique_name("grouped_query_attention"),
            built: false,
            head_dim,
            num_query_heads,
            num_key_value_heads,
            heads: HeadsArgs::new(),
            query: None,
            key: None,
            gate: None,
            value: None,
            output: None,
            attend: None,
            generator: None,
        }
    }
}

heads_builders!(GroupedQueryAttention);

impl Layer for GroupedQueryAttention {
    layer_basics!("GroupedQueryAttention");
    fn build_all(&mut self, inputs: &[Tensor]) -> Result<()> {
        let (h, nq, nkv) = (self.head_dim, self.num_query_heads, self.num_key_value_heads);
        if h == 0 || nq == 0 || nkv == 0 {
            crate::bail!("`head_dim`, `num_query_heads` and `num_key_value_heads` must be positive integers. Received: head_dim={h}, num_query_heads={nq}, num_key_value_heads={nkv}");
        }
        if nq % nkv != 0 {
            crate::bail!("`num_query_heads` must be divisible by `num_key_value_heads`. Received: num_query_heads={nq}, num_key_value_heads={nkv}");
        }
        self.heads.check()?;
        let HeadsInputs { query, value, key, .. } = HeadsInputs::of(inputs, "GroupedQueryAttention")?;
        if query.rank() != 3 || value.rank() != 3 {
            crate::bail!(
                "GroupedQueryAttention needs query, value and key of rank 3 (batch, positions, features); got query {}, value {} and key {}",
                keras_shape(&query.dims()),
                keras_shape(&value.dims()),
                keras_shape(&key.dims())
            );
        }
        let Some(Dim::Known(feature_dim)) = query.dims().last().cloned() else {
            crate::bail!("the last axis of the query {} must be known", keras_shape(&query.dims()));
        };
        let p = &self.heads;
        let mut q = p.projection(&self.name, "query", "bqm,muh->bquh", vec![None, Some(nq), Some(h)], "uh");
        q.build_dims(&query.dims())?;
        let mut k = p.projection(&self.name, "key", "bkm,mvh->bkvh", vec![None, Some(nkv), Some(h)], "vh");
        k.build_dims(&key.dims())?;
        if p.use_gate {
            let mut g = p.projection(&self.name, "gate", "bqm,muh->bquh", vec![None, Some(nq), Some(h)], "uh").activation("sigmoid");
            g.build_dims(&query.dims())?;
            self.gate = Some(g);
        }
        let mut v = p.projection(&self.name, "value", "bkm,mvh->bkvh", vec![None, Some(nkv), Some(h)], "vh");
        v.build_dims(&value.dims())?;
        self.generator = p.build_internals();
        let mut o = p.projection(&self.name, "attention_output", "bquh,uhm->bqm", vec![None, Some(feature_dim as usize)], "m");
        o.build_dims(&[Dim::sym("N"), Dim::sym("T"), Dim::Known(nq as u64), Dim::Known(h as u64)])?;
        // Keras's `bquh,bkuh->buqk` and `buqk,bkuh->bquh`, with the operands of the first
        // in MultiHeadAttention's order
        self.attend = Some(Attend {
            dot: "aecd,abcd->acbe".into(),
            combine: "acbe,aecd->abcd".into(),
            norm_axes: vec![-1],
            mask_axis: -3,
            scale: 1.0 / (h as f64).sqrt(),
            scores_axes: "batch, num_query_heads, query positions, key positions",
        });
        (self.query, self.key, self.value, self.output) = (Some(q), Some(k), Some(v), Some(o));
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let inp = HeadsInputs::of(inputs, "GroupedQueryAttention")?;
        let mask = combined_mask(&self.heads, &inp)?;
        let HeadsInputs { query, value, key, query_mask, .. } = inp;
        let (Some(qd), Some(kd), Some(vd), Some(od), Some(attend)) = (&mut self.query, &mut self.key, &mut self.value, &mut self.output, &self.attend) else {
            crate::bail!("not built")
        };
        let gate = match &mut self.gate {
            Some(g) => Some(invoke(g, std::slice::from_ref(&query), cx)?.remove(0)),
            None => None,
        };
        let q = invoke(qd, std::slice::from_ref(&query), cx)?.remove(0);
        let repeats = self.num_query_heads / self.num_key_value_heads;
        // each key/value head serves `repeats` consecutive query heads (`ops.repeat`)
        let k = ops::repeat(&invoke(kd, std::slice::from_ref(&key), cx)?.remove(0), repeats, 2)?;
        let v = ops::repeat(&invoke(vd, std::slice::from_ref(&value), cx)?.remove(0), repeats, 2)?;
        let zero_masked = self.heads.dropout > 0.0 || self.heads.return_attention_scores;
        let dropout = self.generator.as_ref().map(|g| (self.heads.dropout, g));
        let (mut out, scores) = attend.run(&q, &k, &v, mask.as_ref(), zero_masked, dropout, cx)?;
        if let Some(g) = gate {
            out = ops::multiply(&out, &g)?;
        }
        // the output keeps the query's mask (Keras sets it on the output, not the scores)
        let out = invoke(od, &[out], cx)?.remove(0).with_mask(query_mask);
        Ok(if self.heads.return_attention_scores { vec![out, scores] } else { vec![out] })
    }
    fn weights(&self) -> Vec<Variable> {
        [&self.query, &self.key, &self.gate, &self.value, &self.output].into_iter().flatten().flat_map(|l| l.weights()).collect()
    }
    fn activity_regularizer(&self) -> Option<Regularizer> {
        self.heads.activity_regularizer.as_ref().and_then(|r| r.resolve().ok())
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("head_dim".into(), json!(self.head_dim));
        c.insert("num_query_heads".into(), json!(self.num_query_heads));
        c.insert("num_key_value_heads".into(), json!(self.num_key_value_heads));
        self.heads.config_into(&mut c);
        c
    }
}

named!(GroupedQueryAttention);
