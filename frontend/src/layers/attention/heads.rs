//! What `MultiHeadAttention` and `GroupedQueryAttention` share: their constructor
//! arguments (passed on to the EinsumDense projections), the call's inputs and flags,
//! the attention mask (explicit, causal, sliding window), and the attention itself on
//! projected heads: scaled scores, masked softmax, dropout, the weighted sum of values.
use super::einsum_dense::{EinsumDense, PartialShape};
use crate::config::Config;
use crate::error::Result;
use crate::layers::core::keras_shape;
use crate::layers::weights::WeightSpec;
use crate::layers::{unique_name, CallCtx};
use crate::ops;
use crate::regularizers::{self, RegArg};
use crate::seed_generator::SeedGenerator;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, DType, Dim, OpKind, Shape, TensorType};
use serde_json::{json, Value};

/// The arguments both multi-head layers take besides their head counts and sizes, and
/// the call flags kc sets on the layer (Keras passes them to each call).
#[derive(Clone, Debug)]
pub(crate) struct HeadsArgs {
    pub dropout: f64,
    pub use_bias: bool,
    pub use_gate: bool,
    pub sliding_window: Option<usize>,
    pub seed: Option<u32>,
    pub kernel: WeightSpec,
    pub bias: WeightSpec,
    pub activity_regularizer: Option<RegArg>,
    pub return_attention_scores: bool,
    pub use_causal_mask: bool,
}

impl HeadsArgs {
    pub fn new() -> HeadsArgs {
        HeadsArgs {
            dropout: 0.0,
            use_bias: true,
            use_gate: false,
            sliding_window: None,
            seed: None,
            kernel: WeightSpec::new("glorot_uniform"),
            bias: WeightSpec::new("zeros"),
            activity_regularizer: None,
            return_attention_scores: false,
            use_causal_mask: false,
        }
    }

    /// Keras's checks of the shared arguments.
    pub fn check(&self) -> Result<()> {
        if !(0.0..=1.0).contains(&self.dropout) {
            crate::bail!("Invalid value received for argument `dropout`. Expected a float value between 0 and 1. Received: dropout={}", self.dropout);
        }
        if self.sliding_window == Some(0) {
            crate::bail!("`sliding_window` must be `None` or a positive integer. Received: sliding_window=0");
        }
        if let Some(r) = &self.activity_regularizer {
            r.resolve()?;
        }
        Ok(())
    }

    /// A projection sublayer `parent/name` with the shared weight arguments.
    pub fn projection(&self, parent: &str, name: &str, equation: &str, output_shape: Vec<Option<usize>>, bias_axes: &str) -> EinsumDense {
        EinsumDense::sublayer(parent, name, equation, PartialShape(output_shape))
            .maybe_bias_axes(self.use_bias.then_some(bias_axes))
            .specs(&self.kernel, &self.bias, &self.activity_regularizer)
    }

    /// Keras builds a `Softmax` and a `Dropout` inside the layer (automatic names, and
    /// the dropout's seed generator when the rate is positive): the same names are used
    /// up here, so the layers made after this one are named as in Keras.
    pub fn build_internals(&self) -> Option<SeedGenerator> {
        unique_name("softmax");
        unique_name("dropout");
        (self.dropout > 0.0).then(|| SeedGenerator::new(self.seed, format!("{}/seed_generator_state", unique_name("seed_generator"))))
    }

    /// The shared config entries (Keras's keys).
    pub fn config_into(&self, c: &mut Config) {
        c.insert("dropout".into(), json!(self.dropout));
        c.insert("use_bias".into(), json!(self.use_bias));
        c.insert("use_gate".into(), json!(self.use_gate));
        c.insert("sliding_window".into(), self.sliding_window.map(|w| json!(w)).unwrap_or(Value::Null));
        self.kernel.config_into(c, "kernel");
        self.bias.config_into(c, "bias");
        c.insert("activity_regularizer".into(), regularizers::to_config_opt(&self.activity_regularizer));
        c.insert("seed".into(), self.seed.map(|s| json!(s)).unwrap_or(Value::Null));
    }
}

/// The builder methods for the shared arguments and call flags, on a layer with a
/// `heads: HeadsArgs` field.
macro_rules! heads_builders {
    ($ty:ident) => {
        impl $ty {
            /// Dropout on the attention probabilities while training.
            pub fn dropout(mut self, rate: f64) -> Self {
                self.heads.dropout = rate;
                self
            }
            pub fn use_bias(mut self, b: bool) -> Self {
                self.heads.use_bias = b;
                self
            }
            /// Gate the attention output with a sigmoid projection of the query (Keras's
            /// `use_gate`, a `gate` sublayer).
            pub fn use_gate(mut self, g: bool) -> Self {
                self.heads.use_gate = g;
                self
            }
            /// Each query position attends only to key positions less than `w` away.
            pub fn sliding_window(mut self, w: usize) -> Self {
                self.heads.sliding_window = Some(w);
                self
            }
            /// The seed of the dropout's generator.
            pub fn seed(mut self, s: u32) -> Self {
                self.heads.seed = Some(s);
                self
            }
            pub fn kernel_initializer(mut self, i: impl Into<crate::initializers::InitArg>) -> Self {
                self.heads.kernel.initializer = i.into();
                self
            }
            pub fn bias_initializer(mut self, i: impl Into<crate::initializers::InitArg>) -> Self {
                self.heads.bias.initializer = i.into();
                self
            }
            pub fn kernel_regularizer(mut self, r: impl Into<crate::regularizers::RegArg>) -> Self {
                self.heads.kernel.regularizer = Some(r.into());
                self
            }
            pub fn bias_regularizer(mut self, r: impl Into<crate::regularizers::RegArg>) -> Self {
                self.heads.bias.regularizer = Some(r.into());
                self
            }
            /// A penalty on the projections' outputs (each projection sublayer's
            /// `activity_regularizer`, as Keras passes it on).
            pub fn activity_regularizer(mut self, r: impl Into<crate::regularizers::RegArg>) -> Self {
                self.heads.activity_regularizer = Some(r.into());
                self
            }
            pub fn kernel_constraint(mut self, c: impl Into<crate::constraints::ConstraintArg>) -> Self {
                self.heads.kernel.constraint = Some(c.into());
                self
            }
            pub fn bias_constraint(mut self, c: impl Into<crate::constraints::ConstraintArg>) -> Self {
                self.heads.bias.constraint = Some(c.into());
                self
            }
            /// Keras's call argument `return_attention_scores=True`: every call returns
            /// `[output, scores]` (the scores before dropout).
            pub fn return_attention_scores(mut self, r: bool) -> Self {
                self.heads.return_attention_scores = r;
                self
            }
            /// Keras's call argument `use_causal_mask=True`: query position `i` attends
            /// only to key positions `j <= i`.
            pub fn use_causal_mask(mut self, c: bool) -> Self {
                self.heads.use_causal_mask = c;
                self
            }
        }
    };
}
pub(crate) use heads_builders;

/// A call's tensors: `[query, value]`, `[query, value, key]` or `[query, value, key,
/// attention_mask]` (Keras's `key` defaults to `value`), and the Keras masks the query,
/// value and key carry (Keras's `__call__` fills `query_mask`, `value_mask` and
/// `key_mask` from them; the key's only when a key is given).
pub(crate) struct HeadsInputs {
    pub query: Tensor,
    pub value: Tensor,
    pub key: Tensor,
    pub mask: Option<Tensor>,
    pub query_mask: Option<Tensor>,
    pub value_mask: Option<Tensor>,
    pub key_mask: Option<Tensor>,
}

impl HeadsInputs {
    pub fn of(inputs: &[Tensor], class: &str) -> Result<HeadsInputs> {
        let (query, value) = match inputs {
            [q, v, ..] => (q.clone(), v.clone()),
            _ => crate::bail!("{class} takes [query, value], [query, value, key] or [query, value, key, attention_mask]; got {} input(s)", inputs.len()),
        };
        if inputs.len() > 4 {
            crate::bail!("{class} takes [query, value], [query, value, key] or [query, value, key, attention_mask]; got {} inputs", inputs.len());
        }
        for (what, t) in [("query", &query), ("value", &value)].into_iter().chain(inputs.get(2).map(|k| ("key", k))) {
            if !t.dtype().is_float() {
                crate::bail!("the {what} must be a float tensor, got {} {}", t.dtype(), keras_shape(&t.dims()));
            }
        }
        let key = inputs.get(2).cloned().unwrap_or_else(|| value.clone());
        for (what, t) in [("query", &query), ("value", &value), ("key", &key)] {
            if t.rank() < 3 {
                crate::bail!("{class} needs query, value and key of rank 3 or more (batch, positions..., features); the {what} has shape {}", keras_shape(&t.dims()));
            }
        }
        if value.rank() != key.rank() || value.dims()[1..value.rank() - 1] != key.dims()[1..key.rank() - 1] {
            crate::bail!(
                "All dimensions of `value` and `key`, except the last one, must be equal. Received: value_shape={} and key_shape={}",
                keras_shape(&value.dims()),
                keras_shape(&key.dims())
            );
        }
        let query_mask = query.mask().cloned();
        let value_mask = value.mask().cloned();
        let key_mask = inputs.get(2).and_then(|k| k.mask().cloned());
        Ok(HeadsInputs { query, value, key, mask: inputs.get(3).cloned(), query_mask, value_mask, key_mask })
    }
}

/// A mask as booleans: Keras casts masks to `bool` (non-zero is true).
pub(crate) fn as_bool(m: &Tensor) -> Result<Tensor> {
    if m.dtype() == DType::Bool {
        Ok(m.clone())
    } else {
        ops::not_equal(m, 0.0)
    }
}

/// `[1, T, S]` positions along `dimension` (1: the query's, 2: the key's), where `T` and
/// `S` are axis 1 of the query and of the value (as Keras's masks take them).
fn positions(query: &Tensor, value: &Tensor, dimension: i64) -> Result<Tensor> {
    let (t, s) = (query.dims()[1].clone(), value.dims()[1].clone());
    let ty = TensorType::new(DType::I32, Shape(vec![Dim::Known(1), t, s]));
    let like = if query.is_symbolic() { query } else { value };
    ops::apply1_like(like, OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(dimension))]), Some(ty))
}

/// Keras's causal mask `[1, T, S]`: query position `i` sees key positions `j <= i`.
pub(crate) fn causal_mask(query: &Tensor, value: &Tensor) -> Result<Tensor> {
    ops::greater_equal(&positions(query, value, 1)?, &positions(query, value, 2)?)
}

/// Keras's sliding-window mask `[1, T, S]`: `|i - j| < window`.
pub(crate) fn sliding_window_mask(query: &Tensor, value: &Tensor, window: usize) -> Result<Tensor> {
    let d = ops::subtract(&positions(query, value, 1)?, &positions(query, value, 2)?)?;
    ops::less(&ops::abs(&d)?, window as f64)
}

/// The mask of a call (Keras's `_compute_attention_mask`): the explicit
/// `attention_mask` and-ed with the masks the query, value and key carry and the causal
/// and sliding-window masks the layer asks for.
pub(crate) fn combined_mask(args: &HeadsArgs, inp: &HeadsInputs) -> Result<Option<Tensor>> {
    let (query, value) = (&inp.query, &inp.value);
    let mut auto: Option<Tensor> = None;
    let and = |m: Tensor, acc: Option<Tensor>| -> Result<Option<Tensor>> {
        Ok(Some(match acc {
            None => m,
            Some(a) => ops::logical_and(&a, &m)?,
        }))
    };
    // Keras's `_compute_attention_mask`: the query's mask as (B, T, 1), the value's and
    // the key's as (B, 1, S)
    if let Some(m) = &inp.query_mask {
        auto = and(ops::expand_dims(&as_bool(m)?, -1)?, auto)?;
    }
    for m in [&inp.value_mask, &inp.key_mask].into_iter().flatten() {
        auto = and(ops::expand_dims(&as_bool(m)?, -2)?, auto)?;
    }
    if args.use_causal_mask {
        auto = and(causal_mask(query, value)?, auto)?;
    }
    if let Some(w) = args.sliding_window {
        auto = and(sliding_window_mask(query, value, w)?, auto)?;
    }
    let explicit = inp.mask.as_ref().map(as_bool).transpose()?;
    match (explicit, auto) {
        (None, a) => Ok(a),
        (Some(e), None) => Ok(Some(e)),
        (Some(e), Some(a)) => Ok(Some(ops::logical_and(&e, &a)?)),
    }
}

/// How the attention of projected heads is computed: Keras's einsum equations for the
/// layer's rank and attention axes.
pub(crate) struct Attend {
    /// `(key, query) -> scores`.
    pub dot: String,
    /// `(scores, value) -> output`.
    pub combine: String,
    /// The scores' axes the softmax normalizes over (the key's attention axes).
    pub norm_axes: Vec<i64>,
    /// Where a mask of lower rank than the scores gets its size-1 axes.
    pub mask_axis: i64,
    /// `1 / sqrt(key_dim)`, applied to the projected query.
    pub scale: f64,
    /// What the scores' axes are, for errors.
    pub scores_axes: &'static str,
}

impl Attend {
    /// `(output, scores)` of projected `query`, `key`, `value`. `zero_masked`: masked
    /// probabilities are set to 0 after the softmax (Keras's `Softmax` layer, used when
    /// the scores are returned or dropped out, or the heads are not rank 4), else they are
    /// what the softmax gives (JAX's `dot_product_attention`, Keras's other path: a query
    /// that may attend to nothing then attends to every key alike).
    #[allow(clippy::too_many_arguments)]
    pub fn run(&self, query: &Tensor, key: &Tensor, value: &Tensor, mask: Option<&Tensor>, zero_masked: bool, dropout: Option<(f64, &SeedGenerator)>, cx: &CallCtx) -> Result<(Tensor, Tensor)> {
        let q = ops::multiply(query, self.scale as f32 as f64)?;
        let scores = ops::einsum(&self.dot, &[key.clone(), q])?;
        let mask = match mask {
            Some(m) => Some(self.expand_mask(m, &scores)?),
            None => None,
        };
        let probs = masked_softmax(&scores, mask.as_ref(), &self.norm_axes, zero_masked)?;
        let dropped = match dropout {
            Some((rate, g)) if cx.training => {
                let k = g.next(&probs, cx)?;
                ops::dropout(&probs, rate, None, &k)?
            }
            _ => probs.clone(),
        };
        Ok((ops::einsum(&self.combine, &[dropped, value.clone()])?, probs))
    }

    /// The mask with size-1 axes inserted at `mask_axis` up to the scores' rank, checked
    /// to broadcast against them.
    fn expand_mask(&self, mask: &Tensor, scores: &Tensor) -> Result<Tensor> {
        let (sd, md) = (scores.dims(), mask.dims());
        let bad = || {
            crate::Error::msg(format!(
                "the attention_mask of shape {} does not broadcast to the attention scores of shape {} ({}): the `mask` must be broadcastable to `inputs`",
                keras_shape(&md),
                keras_shape(&sd),
                self.scores_axes
            ))
        };
        if md.len() > sd.len() {
            return Err(bad());
        }
        let mut m = mask.clone();
        for _ in md.len()..sd.len() {
            m = ops::expand_dims(&m, self.mask_axis)?;
        }
        let ok = m.dims().iter().zip(&sd).all(|(a, b)| *a == Dim::Known(1) || a == b);
        if !ok {
            return Err(bad());
        }
        Ok(m)
    }
}

/// Keras's `Softmax` over `axes` with a mask: masked scores become -1e9 before the
/// softmax, and (with `zero_masked`) masked probabilities 0 after it.
pub(crate) fn masked_softmax(scores: &Tensor, mask: Option<&Tensor>, axes: &[i64], zero_masked: bool) -> Result<Tensor> {
    let x = match mask {
        Some(m) => ops::where_(m, scores, -1e9)?,
        None => scores.clone(),
    };
    let p = if axes.len() == 1 {
        ops::softmax(&x, axes[0])?
    } else {
        // exp(x - logsumexp(x)), logsumexp as jax.scipy's (shifted by the max)
        let m = ops::max(&x, Some(axes), true)?;
        let lse = ops::add(&ops::log(&ops::sum(&ops::exp(&ops::subtract(&x, &m)?)?, Some(axes), true)?)?, &m)?;
        ops::exp(&ops::subtract(&x, &lse)?)?
    };
    match mask {
        Some(m) if zero_masked => ops::where_(m, &p, 0.0),
        _ => Ok(p),
    }
}
