//! `keras.layers.MultiHeadAttention`.
use super::einsum_dense::EinsumDense;
use super::heads::{combined_mask, heads_builders, Attend, HeadsArgs, HeadsInputs};
use crate::config::Config;
use crate::error::Result;
use crate::layers::core::keras_shape;
use crate::layers::{base_config, invoke, unique_name, CallCtx, Layer};
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::Dim;
use serde_json::{json, Value};

/// Multi-head attention (Vaswani et al.): `query`, `key` and `value` are projected to
/// `num_heads` heads (EinsumDense sublayers `query`, `key`, `value`, with kernels
/// `(features, num_heads, key_dim)` as Keras's), each head attends with scaled dot
/// products, and `attention_output` projects the heads back to the query's features (or
/// to `output_shape`).
///
/// Called on `[query, value]`, `[query, value, key]` or `[query, value, key,
/// attention_mask]`: a boolean (or 0/1) mask `(batch, T, S)` saying which query position
/// may attend to which key position, broadcast as Keras does (a mask without the batch
/// axis applies to every sample; size-1 axes stretch). Keras's call arguments
/// `return_attention_scores` and `use_causal_mask` are set on the layer
/// ([`MultiHeadAttention::return_attention_scores`]); `training` comes from the call
/// context.
pub struct MultiHeadAttention {
    name: String,
    built: bool,
    pub num_heads: usize,
    pub key_dim: usize,
    value_dim: Option<usize>,
    output_shape: Option<Vec<usize>>,
    attention_axes: Option<Vec<i64>>,
    heads: HeadsArgs,
    query: Option<EinsumDense>,
    key: Option<EinsumDense>,
    gate: Option<EinsumDense>,
    value: Option<EinsumDense>,
    output: Option<EinsumDense>,
    attend: Option<Attend>,
    rank: usize,
    generator: Option<SeedGenerator>,
}

impl MultiHeadAttention {
    pub fn new(num_heads: usize, key_dim: usize) -> MultiHeadAttention {
        MultiHeadAttention {
            name: unique_name("multi_head_attention"),
            built: false,
            num_heads,
            key_dim,
            value_dim: None,
            output_shape: None,
            attention_axes: None,
            heads: HeadsArgs::new(),
            query: None,
            key: None,
            gate: None,
            value: None,
            output: None,
            attend: None,
            rank: 0,
            generator: None,
        }
    }
    /// The size of each value head (`key_dim` unless set).
    pub fn value_dim(mut self, v: usize) -> Self {
        self.value_dim = Some(v);
        self
    }
    /// The output's extents after the batch and attention axes (an int, or several);
    /// by default the query's last axis.
    pub fn output_shape(mut self, s: impl Into<crate::layers::Ints>) -> Self {
        self.output_shape = Some(s.into().0.into_iter().map(|d| d.max(0) as usize).collect());
        self
    }
    /// The axes of the input attention runs over (an int, or several; negative counts
    /// from the features axis); by default every axis but the batch and the features.
    pub fn attention_axes(mut self, a: impl Into<crate::layers::Ints>) -> Self {
        self.attention_axes = Some(a.into().0);
        self
    }
    pub fn value_dim_or_key_dim(&self) -> usize {
        self.value_dim.unwrap_or(self.key_dim)
    }
    /// The projection sublayers, built: `query`, `key`, `value`, `attention_output`.
    pub fn query_dense(&self) -> Option<&EinsumDense> {
        self.query.as_ref()
    }
    pub fn key_dense(&self) -> Option<&EinsumDense> {
        self.key.as_ref()
    }
    pub fn value_dense(&self) -> Option<&EinsumDense> {
        self.value.as_ref()
    }
    pub fn output_dense(&self) -> Option<&EinsumDense> {
        self.output.as_ref()
    }

    /// The attention axes resolved against the heads' rank (`rank` = input rank + 1),
    /// as Keras's `_build_attention`.
    fn resolved_axes(&self, rank: usize) -> Result<Vec<usize>> {
        let Some(given) = &self.attention_axes else { return Ok((1..rank - 2).collect()) };
        let mut out = Vec::new();
        for &a in given {
            let r = if a >= 0 { a } else { (rank as i64 - 1) + a };
            if r < 1 || r >= rank as i64 - 2 || out.contains(&(r as usize)) {
                crate::bail!(
                    "`attention_axes` {given:?} must name distinct axes of the input other than the batch axis (0) and the features axis (-1), for inputs of rank {}",
                    rank - 1
                );
            }
            out.push(r as usize);
        }
        if out.is_empty() {
            crate::bail!("`attention_axes` must name at least one axis");
        }
        Ok(out)
    }

    fn config_axes(&self) -> Value {
        // Keras writes the axes as given until the layer is built, then resolved
        if self.built {
            match self.resolved_axes(self.rank) {
                Ok(a) => json!(a),
                Err(_) => Value::Null,
            }
        } else {
            self.attention_axes.as_ref().map(|a| json!(a)).unwrap_or(Value::Null)
        }
    }
}

heads_builders!(MultiHeadAttention);

fn letter(i: usize) -> char {
    (b'a' + i as u8) as char
}

/// Keras's `_build_proj_equation(free_dims, bound_dims, output_dims)`: the equation and
/// the bias axes.
pub(crate) fn proj_equation(free: usize, bound: usize, output: usize) -> (String, String) {
    let (mut inp, mut kernel, mut out, mut bias) = (String::new(), String::new(), String::new(), String::new());
    for i in 0..free {
        inp.push(letter(i));
        out.push(letter(i));
    }
    for i in free..free + bound {
        inp.push(letter(i));
        kernel.push(letter(i));
    }
    for i in free + bound..free + bound + output {
        kernel.push(letter(i));
        out.push(letter(i));
        bias.push(letter(i));
    }
    (format!("{inp},{kernel}->{out}"), bias)
}

/// Keras's `_build_attention_equation(rank, attn_axes)`: `(key, query) -> scores` and
/// `(scores, value) -> output` for heads of `rank` (`batch, ..., heads, channels`), and
/// the scores' rank.
pub(crate) fn attention_equations(rank: usize, attn: &[usize]) -> (String, String, usize) {
    let target: Vec<char> = (0..rank).map(letter).collect();
    let batch: Vec<usize> = (0..rank).filter(|i| !attn.contains(i) && *i != rank - 1).collect();
    let mut offset = rank;
    let mut source = Vec::new();
    for i in 0..rank {
        if batch.contains(&i) || i == rank - 1 {
            source.push(target[i]);
        } else {
            source.push(letter(offset));
            offset += 1;
        }
    }
    let product: String = batch.iter().map(|&i| target[i]).chain(attn.iter().map(|&i| target[i])).chain(attn.iter().map(|&i| source[i])).collect();
    let (s, t): (String, String) = (source.iter().collect(), target.iter().collect());
    (format!("{s},{t}->{product}"), format!("{product},{s}->{t}"), product.len())
}

/// The known extent of the last axis, for a projection's output.
fn features(x: &Tensor, what: &str) -> Result<usize> {
    match x.dims().last() {
        Some(Dim::Known(n)) => Ok(*n as usize),
        _ => crate::bail!("the last axis of the {what} {} must be known", keras_shape(&x.dims())),
    }
}

impl Layer for MultiHeadAttention {
    layer_basics!("MultiHeadAttention");
    fn build_all(&mut self, inputs: &[Tensor]) -> Result<()> {
        if self.num_heads == 0 {
            crate::bail!("Received an invalid value for argument `num_heads`, expected a positive integer. Received: num_heads=0");
        }
        if self.key_dim == 0 {
            crate::bail!("Received an invalid value for argument `key_dim`, expected a positive integer. Received: key_dim=0");
        }
        if self.value_dim == Some(0) {
            crate::bail!("Received an invalid value for argument `value_dim`, expected a positive integer or `None`. Received: value_dim=0");
        }
        if self.output_shape.as_ref().is_some_and(|s| s.is_empty() || s.contains(&0)) {
            crate::bail!("Invalid `output_shape`: {:?}. When specified, the `output_shape` should be positive integers.", self.output_shape);
        }
        self.heads.check()?;
        let HeadsInputs { query, value, key, .. } = HeadsInputs::of(inputs, "MultiHeadAttention")?;
        let r = query.rank();
        if r < 3 || value.rank() != r {
            crate::bail!(
                "MultiHeadAttention needs query, value and key of one rank, 3 or more (batch, positions..., features); got query {}, value {} and key {}",
                keras_shape(&query.dims()),
                keras_shape(&value.dims()),
                keras_shape(&key.dims())
            );
        }
        let axes = self.resolved_axes(r + 1)?;
        let (n, kd, vd) = (self.num_heads, self.key_dim, self.value_dim_or_key_dim());
        let heads_shape = |d: usize| {
            let mut s = vec![None; r - 2];
            s.extend([Some(n), Some(d)]);
            s
        };
        let (eq, bias) = proj_equation(r - 1, 1, 2);
        let mut q = self.heads.projection(&self.name, "query", &eq, heads_shape(kd), &bias);
        q.build_dims(&query.dims())?;
        let mut k = self.heads.projection(&self.name, "key", &eq, heads_shape(kd), &bias);
        k.build_dims(&key.dims())?;
        if self.heads.use_gate {
            let mut g = self.heads.projection(&self.name, "gate", &eq, heads_shape(vd), &bias).activation("sigmoid");
            g.build_dims(&query.dims())?;
            self.gate = Some(g);
        }
        let mut v = self.heads.projection(&self.name, "value", &eq, heads_shape(vd), &bias);
        v.build_dims(&value.dims())?;
        let (dot, combine, scores_rank) = attention_equations(r + 1, &axes);
        let norm_axes = (scores_rank - axes.len()..scores_rank).map(|a| a as i64).collect();
        self.attend = Some(Attend {
            dot,
            combine,
            norm_axes,
            mask_axis: -(axes.len() as i64) * 2 - 1,
            scale: 1.0 / (kd as f64).sqrt(),
            scores_axes: if axes.len() == 1 && r == 3 { "batch, num_heads, query positions, key positions" } else { "batch dims, num_heads, query attention axes, key attention axes" },
        });
        self.generator = self.heads.build_internals();
        let out_shape = match &self.output_shape {
            Some(s) => s.clone(),
            None => vec![features(&query, "query")?],
        };
        let (eq, bias) = proj_equation(r - 1, 2, out_shape.len());
        let mut partial = vec![None; r - 2];
        partial.extend(out_shape.iter().map(|&d| Some(d)));
        let mut o = self.heads.projection(&self.name, "attention_output", &eq, partial, &bias);
        let mut o_in: Vec<Dim> = query.dims()[..r - 1].to_vec();
        o_in.extend([Dim::Known(n as u64), Dim::Known(vd as u64)]);
        o.build_dims(&o_in)?;
        (self.query, self.key, self.value, self.output) = (Some(q), Some(k), Some(v), Some(o));
        self.rank = r + 1;
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let inp = HeadsInputs::of(inputs, "MultiHeadAttention")?;
        if inp.query.rank() + 1 != self.rank || inp.value.rank() + 1 != self.rank {
            crate::bail!("MultiHeadAttention was built for inputs of rank {}, got query {} and value {}", self.rank - 1, keras_shape(&inp.query.dims()), keras_shape(&inp.value.dims()));
        }
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
        let k = invoke(kd, std::slice::from_ref(&key), cx)?.remove(0);
        let v = invoke(vd, std::slice::from_ref(&value), cx)?.remove(0);
        // Keras's JAX path: the softmax layer (masked probabilities zeroed) when scores
        // are returned, dropped out or not of rank 4; else `dot_product_attention`
        let zero_masked = self.heads.dropout > 0.0 || self.heads.return_attention_scores || self.rank != 4;
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
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("num_heads".into(), json!(self.num_heads));
        c.insert("key_dim".into(), json!(self.key_dim));
        c.insert("value_dim".into(), json!(self.value_dim_or_key_dim()));
        c.insert("output_shape".into(), self.output_shape.as_ref().map(|s| json!(s)).unwrap_or(Value::Null));
        c.insert("attention_axes".into(), self.config_axes());
        self.heads.config_into(&mut c);
        c
    }
}

named!(MultiHeadAttention);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equations_are_kerass() {
        assert_eq!(proj_equation(2, 1, 2), ("abc,cde->abde".into(), "de".into()));
        assert_eq!(proj_equation(2, 2, 1), ("abcd,cde->abe".into(), "e".into()));
        assert_eq!(attention_equations(4, &[1]), ("aecd,abcd->acbe".into(), "acbe,aecd->abcd".into(), 4));
        assert_eq!(attention_equations(5, &[1, 2]), ("afgde,abcde->adbcfg".into(), "adbcfg,afgde->abcde".into(), 6));
    }
}
