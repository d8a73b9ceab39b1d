//! What `Attention` and `AdditiveAttention` share (Keras's `AdditiveAttention` is a
//! subclass of `Attention`): the inputs and masks of a call, the score mask (value mask,
//! causal mask), the softmax over the keys, dropout and the query mask.
use super::heads::{as_bool, causal_mask};
use crate::error::Result;
use crate::layers::core::keras_shape;
use crate::layers::CallCtx;
use crate::ops;
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;

/// A call's tensors: `[query, value]`, `[query, value, key]` or `[query, value, key,
/// query_mask, value_mask]` (Keras's `inputs` list and `mask=[query_mask,
/// value_mask]`; the key defaults to the value). Without explicit masks, the Keras masks
/// the query and value carry are used, as Keras's `__call__` fills `mask`.
pub(crate) struct ScoredInputs {
    pub query: Tensor,
    pub value: Tensor,
    pub key: Tensor,
    pub query_mask: Option<Tensor>,
    pub value_mask: Option<Tensor>,
}

impl ScoredInputs {
    pub fn of(inputs: &[Tensor], class: &str) -> Result<ScoredInputs> {
        let (query, value, key) = match inputs.len() {
            2 | 3 | 5 => (inputs[0].clone(), inputs[1].clone(), inputs.get(2).unwrap_or(&inputs[1]).clone()),
            n => crate::bail!(
                "{class} layer accepts inputs list of length 2 or 3, namely [query, value] or [query, value, key], and kc's [query, value, key, query_mask, value_mask]. Received length: {n}."
            ),
        };
        for (what, t) in [("query", &query), ("value", &value), ("key", &key)] {
            if t.rank() != 3 || !t.dtype().is_float() {
                crate::bail!("{class}: the {what} must be a float tensor (batch, positions, features), got {} {}", t.dtype(), keras_shape(&t.dims()));
            }
        }
        if value.dims()[..value.rank() - 1] != key.dims()[..key.rank() - 1] {
            crate::bail!("{class}: the value {} and the key {} must agree on every axis but the last", keras_shape(&value.dims()), keras_shape(&key.dims()));
        }
        // given explicitly, or Keras's `mask=[query_mask, value_mask]` filled from the
        // masks the query and value carry
        let (query_mask, value_mask) = match inputs {
            [.., qm, vm] if inputs.len() == 5 => (Some(qm.clone()), Some(vm.clone())),
            _ => (query.mask().cloned(), value.mask().cloned()),
        };
        for (what, m, of) in [("query_mask", &query_mask, &query), ("value_mask", &value_mask, &value)] {
            if let Some(m) = m {
                let want = &of.dims()[..of.rank() - 1];
                if m.dims() != want {
                    crate::bail!(
                        "{class}: the {what} of shape {} must have the shape of the {} without its last axis, {}",
                        keras_shape(&m.dims()),
                        &what[..what.len() - 5],
                        keras_shape(want)
                    );
                }
            }
        }
        Ok(ScoredInputs { query, value, key, query_mask: query_mask.map(|m| as_bool(&m)).transpose()?, value_mask: value_mask.map(|m| as_bool(&m)).transpose()? })
    }
}

/// Keras's `_calculate_score_mask`, `_apply_scores` and the query mask: scores at
/// masked positions lowered by 1e9, softmax over the keys, dropout (training), the
/// weighted sum of values, zeroed at masked queries. Returns the output and the
/// (dropped-out) weights.
pub(crate) fn apply_scores(scores: &Tensor, inp: &ScoredInputs, causal: bool, dropout: Option<(f64, &SeedGenerator)>, cx: &CallCtx) -> Result<(Tensor, Tensor)> {
    let v_mask = match &inp.value_mask {
        Some(m) => Some(ops::expand_dims(m, -2)?),
        None => None,
    };
    let mask = if causal {
        let c = causal_mask(&inp.query, &inp.key)?;
        Some(match v_mask {
            Some(v) => ops::logical_and(&v, &c)?,
            None => c,
        })
    } else {
        v_mask
    };
    let scores = match mask {
        Some(m) => ops::where_(&ops::logical_not(&m)?, &ops::subtract(scores, 1e9)?, scores)?,
        None => scores.clone(),
    };
    let mut weights = ops::softmax(&scores, -1)?;
    if let Some((rate, g)) = dropout {
        if cx.training {
            let k = g.next(&weights, cx)?;
            weights = ops::dropout(&weights, rate, None, &k)?;
        }
    }
    let mut out = ops::matmul(&weights, &inp.value)?;
    if let Some(q) = &inp.query_mask {
        out = ops::where_(&ops::expand_dims(q, -1)?, &out, 0.0)?;
    }
    Ok((out, weights))
}
