//! `keras.layers.Normalization`: `(x - mean) / max(sqrt(variance), 1e-7)` per index of
//! the kept axes, with the statistics given or learned by `adapt`.
use super::adapt::AdaptData;
use crate::config::Config;
use crate::error::Result;
use crate::layers::core::keras_shape;
use crate::layers::weights::read;
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::{DType, Dim};
use kc_runtime::HostTensor;
use serde_json::{json, Value};

/// Keras's `backend.epsilon()`: the smallest standard deviation divided by.
const EPSILON: f64 = 1e-7;

/// A given `mean` or `variance`: a number or a (nested) list, as Keras takes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Stat {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

impl From<f64> for Stat {
    fn from(x: f64) -> Stat {
        Stat { shape: vec![], data: vec![x] }
    }
}
impl From<&[f64]> for Stat {
    fn from(v: &[f64]) -> Stat {
        Stat { shape: vec![v.len()], data: v.to_vec() }
    }
}
impl From<Vec<f64>> for Stat {
    fn from(v: Vec<f64>) -> Stat {
        Stat { shape: vec![v.len()], data: v }
    }
}
impl<const K: usize> From<[f64; K]> for Stat {
    fn from(v: [f64; K]) -> Stat {
        Stat { shape: vec![K], data: v.to_vec() }
    }
}

impl Stat {
    /// From Keras's config value (`np.array(mean).tolist()`: a number or nested lists).
    pub fn from_json(v: &Value) -> Result<Stat> {
        fn walk(v: &Value, depth: usize, shape: &mut Vec<usize>, data: &mut Vec<f64>) -> Result<()> {
            match v {
                Value::Number(n) => {
                    if depth != shape.len() {
                        crate::bail!("a ragged list");
                    }
                    data.push(n.as_f64().unwrap_or(f64::NAN));
                }
                Value::Array(a) => {
                    if depth == shape.len() && data.is_empty() {
                        shape.push(a.len());
                    } else if shape.get(depth) != Some(&a.len()) {
                        crate::bail!("a ragged list");
                    }
                    for x in a {
                        walk(x, depth + 1, shape, data)?;
                    }
                }
                other => crate::bail!("numbers, got {other}"),
            }
            Ok(())
        }
        let (mut shape, mut data) = (Vec::new(), Vec::new());
        walk(v, 0, &mut shape, &mut data).map_err(|e| crate::Error::msg(format!("mean and variance must be numbers or lists of numbers: {e} in {v}")))?;
        Ok(Stat { shape, data })
    }
    fn to_json(&self) -> Value {
        fn nest(shape: &[usize], data: &[f64]) -> Value {
            match shape.split_first() {
                None => json!(data[0]),
                Some((&n, rest)) => {
                    let step = rest.iter().product::<usize>();
                    Value::Array((0..n).map(|i| nest(rest, &data[i * step..(i + 1) * step])).collect())
                }
            }
        }
        nest(&self.shape, &self.data)
    }
}

/// What `build` decided from the input's shape.
#[derive(Clone)]
struct Built {
    rank: usize,
    /// The kept axes (sorted, non-negative) and their sizes.
    keep: Vec<usize>,
    sizes: Vec<usize>,
    /// The input's shape when built (for Keras's messages).
    input: Vec<Dim>,
    /// Given statistics, broadcast to the kept axes (1 elsewhere).
    given: Option<(Vec<f32>, Vec<f32>)>,
}

impl Built {
    /// The statistics' shape against the input: the kept axes' sizes, 1 elsewhere.
    fn broadcast(&self) -> Vec<usize> {
        (0..self.rank).map(|d| self.keep.iter().position(|&k| k == d).map_or(1, |i| self.sizes[i])).collect()
    }
    fn reduce(&self) -> Vec<usize> {
        (0..self.rank).filter(|d| !self.keep.contains(d)).collect()
    }
}

/// Normalizes each index of the kept axes (`axis`, default the last; none: one scalar
/// mean and variance) by a mean and variance that are either given (`mean`,
/// `variance`: constants, no weights) or learned with [`Normalization::adapt`] into the
/// non-trainable weights `mean` and `variance` (shaped like the kept axes) and `count`
/// (an int32 scalar Keras keeps for old saved models), in Keras's order. `invert` maps
/// normalized values back: `mean + x * max(sqrt(variance), 1e-7)`.
pub struct Normalization {
    name: String,
    built: bool,
    /// The kept axes; empty for Keras's `axis=None`.
    pub axis: Vec<i64>,
    pub mean: Option<Stat>,
    pub variance: Option<Stat>,
    pub invert: bool,
    state: Option<Built>,
    adapt_mean: Option<Variable>,
    adapt_variance: Option<Variable>,
    count: Option<Variable>,
}

impl Normalization {
    pub fn new() -> Normalization {
        Normalization {
            name: unique_name("normalization"),
            built: false,
            axis: vec![-1],
            mean: None,
            variance: None,
            invert: false,
            state: None,
            adapt_mean: None,
            adapt_variance: None,
            count: None,
        }
    }
    /// One kept axis (Keras's `axis=-1` is the default).
    pub fn axis(mut self, a: i64) -> Self {
        self.axis = vec![a];
        self
    }
    /// Several kept axes; `&[]` is Keras's `axis=None` (one mean and variance for all).
    pub fn axes(mut self, a: &[i64]) -> Self {
        self.axis = a.to_vec();
        self
    }
    pub fn mean(mut self, m: impl Into<Stat>) -> Self {
        self.mean = Some(m.into());
        self
    }
    pub fn variance(mut self, v: impl Into<Stat>) -> Self {
        self.variance = Some(v.into());
        self
    }
    pub fn invert(mut self, i: bool) -> Self {
        self.invert = i;
        self
    }

    /// Keras's constructor checks of the given statistics.
    pub fn check(&self) -> Result<()> {
        match (&self.mean, &self.variance) {
            (None, None) => Ok(()),
            (Some(m), Some(v)) => {
                if m.shape != v.shape {
                    crate::bail!(
                        "When setting values directly, `mean` and `variance` must have the same shape. Received: mean shape {} and variance shape {}",
                        keras_tuple(&m.shape),
                        keras_tuple(&v.shape)
                    );
                }
                if m.shape.len() > self.axis.len() {
                    crate::bail!(
                        "The rank of `mean` must be less than or equal to the number of axes ({}). Received: mean shape {} for axis {}",
                        self.axis.len(),
                        keras_tuple(&m.shape),
                        keras_axes(&self.axis)
                    );
                }
                Ok(())
            }
            (m, v) => crate::bail!(
                "When setting values directly, both `mean` and `variance` must be set. Received: mean={} and variance={}",
                m.as_ref().map_or("None".into(), |s| s.to_json().to_string()),
                v.as_ref().map_or("None".into(), |s| s.to_json().to_string())
            ),
        }
    }

    /// The learned mean and variance (shaped like the kept axes), once built without
    /// given statistics.
    pub fn adapt_mean(&self) -> Option<&Variable> {
        self.adapt_mean.as_ref()
    }
    pub fn adapt_variance(&self) -> Option<&Variable> {
        self.adapt_variance.as_ref()
    }

    /// Keras's `build(input_shape)`: the kept axes (their sizes must be known), and the
    /// weights or the broadcast given statistics.
    fn build_dims(&mut self, dims: &[Dim]) -> Result<()> {
        self.check()?;
        let r = dims.len() as i64;
        if self.axis.iter().any(|&a| a < -r || a >= r) {
            crate::bail!("All `axis` values must be in the range [-ndim, ndim). Received inputs with ndim={r}, while axis={}", keras_axes(&self.axis));
        }
        let mut keep: Vec<usize> = self.axis.iter().map(|&a| if a < 0 { (a + r) as usize } else { a as usize }).collect();
        keep.sort_unstable();
        keep.dedup();
        let mut sizes = Vec::with_capacity(keep.len());
        for &d in &keep {
            match dims[d].known() {
                Some(n) => sizes.push(n as usize),
                None => crate::bail!(
                    "All `axis` values to be kept must have a known shape. Received axis={}, inputs.shape={}, with unknown axis at index {d}",
                    keras_axes(&self.axis),
                    keras_shape(dims)
                ),
            }
        }
        let mut b = Built { rank: dims.len(), keep, sizes, input: dims.to_vec(), given: None };
        match (&self.mean, &self.variance) {
            (Some(m), Some(v)) => b.given = Some((broadcast_stat(m, &b)?, broadcast_stat(v, &b)?)),
            _ => {
                let stat = |name: &str, init: f32| -> Result<Variable> {
                    let n = b.sizes.iter().product();
                    Ok(Variable::new(format!("{}/{name}", self.name), HostTensor::from_vec(b.sizes.clone(), vec![init; n])?, false))
                };
                self.adapt_mean = Some(stat("mean", 0.0)?);
                self.adapt_variance = Some(stat("variance", 1.0)?);
                self.count = Some(Variable::new(format!("{}/count", self.name), HostTensor::scalar(0i32), false));
            }
        }
        self.state = Some(b);
        self.built = true;
        Ok(())
    }

    /// Learn the mean and variance of `data` (Keras's `adapt`): an array is reduced over
    /// the axes not kept at once (Keras's NumPy path: `np.mean`, `np.var`); batches (a
    /// `Vec` or a [`crate::data::Dataset`]) are merged one by one with Keras's running
    /// formula (each batch's mean and variance weighted by its share of the count so
    /// far). The layer is built from the data's shape if it is not built yet. Errors
    /// (empty data, a batch whose kept axes differ, statistics that were given) name the
    /// layer.
    pub fn adapt<'a>(&mut self, data: impl Into<AdaptData<'a>>) -> Result<()> {
        let data = data.into();
        self.adapt_inner(data).map_err(|e| e.context(format!("layer \"{}\" (Normalization)", self.name)))
    }

    fn adapt_inner(&mut self, data: AdaptData) -> Result<()> {
        if self.mean.is_some() || self.variance.is_some() {
            crate::bail!("adapt() cannot learn the statistics of a layer built with `mean` and `variance`");
        }
        let array = data.is_array();
        let batches = data.batches()?;
        let Some(first) = batches.first() else {
            crate::bail!("adapt() received an empty iterable (no batches). Expected at least one batch.");
        };
        let dims: Vec<Dim> = first.shape().iter().map(|&n| Dim::Known(n as u64)).collect();
        if !self.built {
            self.build_dims(&dims)?;
        }
        let b = self.state.clone().ok_or_else(|| crate::Error::msg("not built"))?;
        let n: usize = b.sizes.iter().product();
        let (mut mean, mut var) = (vec![0f64; n], vec![0f64; n]);
        let mut total = 0usize;
        for (i, h) in batches.iter().enumerate() {
            let ok = h.rank() == b.rank && b.keep.iter().zip(&b.sizes).all(|(&d, &s)| h.shape()[d] == s);
            if !ok {
                let which = if array { "adapt() is being called with data with an incompatible shape, data.shape=".to_string() } else { format!("adapt() yielded a batch (batch {i}) with incompatible shape: got ") };
                crate::bail!("The layer was built with input_shape={}, but {which}{}", keras_shape(&b.input), keras_tuple(h.shape()));
            }
            let (m, v, count) = moments(h, &b);
            if count == 0 {
                crate::bail!("adapt() received empty data (shape {}): there is nothing to compute a mean and variance of", keras_tuple(h.shape()));
            }
            total += count;
            // Keras's lack-of-fit sum of squares update
            let w = count as f64 / total as f64;
            let keep = 1.0 - w;
            for k in 0..n {
                let new_mean = mean[k] * keep + m[k] * w;
                var[k] = (var[k] + (mean[k] - new_mean).powi(2)) * keep + (v[k] + (m[k] - new_mean).powi(2)) * w;
                mean[k] = new_mean;
            }
        }
        let f32s = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        let (Some(am), Some(av)) = (&self.adapt_mean, &self.adapt_variance) else { crate::bail!("not built") };
        am.assign(HostTensor::from_vec(b.sizes.clone(), f32s(&mean))?)?;
        av.assign(HostTensor::from_vec(b.sizes.clone(), f32s(&var))?)?;
        Ok(())
    }
}

/// The mean and (population) variance of each kept index of `h` over the other axes,
/// and how many values each is over.
fn moments(h: &HostTensor, b: &Built) -> (Vec<f64>, Vec<f64>, usize) {
    let shape = h.shape();
    let values = h.to_f64_vec();
    let n: usize = b.sizes.iter().product();
    let count: usize = b.reduce().iter().map(|&d| shape[d]).product();
    // the flat index of each value's kept position
    let strides: Vec<usize> = (0..shape.len()).map(|d| shape[d + 1..].iter().product()).collect();
    let slot = |flat: usize| b.keep.iter().fold(0, |acc, &d| acc * shape[d] + (flat / strides[d]) % shape[d]);
    let mut sum = vec![0f64; n];
    for (i, x) in values.iter().enumerate() {
        sum[slot(i)] += x;
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / count.max(1) as f64).collect();
    let mut sq = vec![0f64; n];
    for (i, x) in values.iter().enumerate() {
        let k = slot(i);
        sq[k] += (x - mean[k]).powi(2);
    }
    (mean, sq.iter().map(|s| s / count.max(1) as f64).collect(), count)
}

/// A given statistic broadcast against the kept axes as Keras does: a scalar
/// everywhere, otherwise its axes lined up with the last kept axes.
fn broadcast_stat(s: &Stat, b: &Built) -> Result<Vec<f32>> {
    let target = b.broadcast();
    let mut expanded = vec![1usize; b.rank];
    for i in 1..=s.shape.len() {
        expanded[b.keep[b.keep.len() - i]] = s.shape[s.shape.len() - i];
    }
    for (d, (&e, &t)) in expanded.iter().zip(&target).enumerate() {
        if e != t && e != 1 {
            crate::bail!("the given mean/variance of shape {} does not broadcast to {} (axis {d}: {e} vs {t})", keras_tuple(&s.shape), keras_tuple(&target));
        }
    }
    let total: usize = target.iter().product();
    let src_strides: Vec<usize> = (0..b.rank).map(|d| if expanded[d] == 1 { 0 } else { expanded[d + 1..].iter().product() }).collect();
    let out = (0..total)
        .map(|flat| {
            let (mut rest, mut src) = (flat, 0);
            for d in (0..b.rank).rev() {
                src += (rest % target[d]) * src_strides[d];
                rest /= target[d];
            }
            s.data[src] as f32
        })
        .collect();
    Ok(out)
}

fn keras_tuple(s: &[usize]) -> String {
    match s {
        [a] => format!("({a},)"),
        _ => format!("({})", s.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

fn keras_axes(a: &[i64]) -> String {
    match a {
        [x] => format!("({x},)"),
        _ => format!("({})", a.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

impl Default for Normalization {
    fn default() -> Normalization {
        Normalization::new()
    }
}

impl Layer for Normalization {
    layer_basics!("Normalization");
    pass_masks!();
    fn build(&mut self, x: &Tensor) -> Result<()> {
        self.build_dims(&x.dims())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let Some(b) = self.state.clone() else { crate::bail!("not built") };
        let x = &inputs[0];
        let dims = x.dims();
        let fits = dims.len() == b.rank && b.keep.iter().zip(&b.sizes).all(|(&d, &s)| dims[d].known() == Some(s as u64));
        if !fits {
            crate::bail!(
                "Input 0 is incompatible with the layer: it was built for inputs shaped {} (axes {:?} kept), received {}",
                keras_shape(&b.input),
                b.keep,
                keras_shape(&dims)
            );
        }
        let x = ops::cast(x, DType::F32)?;
        let shape = b.broadcast();
        let (mean, variance) = match (&b.given, &self.adapt_mean, &self.adapt_variance) {
            (Some((m, v)), _, _) => (Tensor::from_f32(&shape, m.clone())?, Tensor::from_f32(&shape, v.clone())?),
            (None, Some(m), Some(v)) => {
                let s: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
                (ops::reshape(&read(m, &x)?, &s)?, ops::reshape(&read(v, &x)?, &s)?)
            }
            _ => crate::bail!("not built"),
        };
        let std = ops::maximum(&ops::sqrt(&variance)?, EPSILON)?;
        let y = if self.invert { ops::add(&mean, &ops::multiply(&x, &std)?)? } else { ops::divide(&ops::subtract(&x, &mean)?, &std)? };
        Ok(vec![y])
    }
    fn weights(&self) -> Vec<Variable> {
        [&self.adapt_mean, &self.adapt_variance, &self.count].into_iter().flatten().cloned().collect()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("axis".into(), json!(self.axis));
        c.insert("invert".into(), json!(self.invert));
        c.insert("mean".into(), self.mean.as_ref().map_or(Value::Null, Stat::to_json));
        c.insert("variance".into(), self.variance.as_ref().map_or(Value::Null, Stat::to_json));
        c
    }
}

named!(Normalization);
