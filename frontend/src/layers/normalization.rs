//! Per-sample normalization layers: `LayerNormalization`, `GroupNormalization`,
//! `UnitNormalization`, `RMSNormalization` (`BatchNormalization` has its own file).
//! Their statistics are over each sample's own entries, so training and inference are
//! the same and there is no state.
use super::core::keras_shape;
use super::weights::{read, WeightSpec};
use super::{base_config, unique_name, CallCtx, Layer};
use crate::config::{axes_value, Config};
use crate::constraints::ConstraintArg;
use crate::error::Result;
use crate::initializers::InitArg;
use crate::ops;
use crate::regularizers::RegArg;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::Dim;
use serde_json::{json, Value};

/// An `axis` argument: one axis (Keras's int) or several (its list).
#[derive(Clone, Debug, PartialEq)]
pub struct Axes {
    pub axes: Vec<i64>,
    pub list: bool,
}

impl Axes {
    fn one(a: i64) -> Axes {
        Axes { axes: vec![a], list: false }
    }
    fn many(a: &[i64]) -> Axes {
        Axes { axes: a.to_vec(), list: true }
    }
    /// As written in a config: an int for one axis given as an int, else a list.
    /// Keras's `LayerNormalization`/`RMSNormalization` turn theirs into a sorted list
    /// when built (`as_built`).
    fn value(&self, as_built: bool) -> Value {
        if as_built {
            let mut v = self.axes.clone();
            v.sort();
            json!(v)
        } else if self.list {
            json!(self.axes)
        } else {
            axes_value(&self.axes)
        }
    }
    /// Resolved against `x`'s rank (sorted, non-negative), with Keras's error.
    fn resolve(&self, x: &Tensor) -> Result<Vec<usize>> {
        let r = x.rank() as i64;
        let mut v = Vec::new();
        for &a in &self.axes {
            if a >= r || a < -r {
                crate::bail!("Axis {a} is out of bounds for input shape {}. Received: axis={}", keras_shape(&x.dims()), self.value(false));
            }
            v.push((if a < 0 { a + r } else { a }) as usize);
        }
        v.sort();
        v.dedup();
        Ok(v)
    }
}

/// The known extents of `x` at `axes` (a weight's shape).
fn extents(x: &Tensor, axes: &[usize]) -> Result<Vec<usize>> {
    let dims = x.dims();
    axes.iter()
        .map(|&a| dims[a].known().map(|n| n as usize).ok_or_else(|| crate::Error::msg(format!("axis {a} of the input {} must be known to build the weights", keras_shape(&dims)))))
        .collect()
}

/// A built layer sees inputs of its rank whose normalized axes have the built extents.
fn check_built(x: &Tensor, rank: usize, axes: &[usize], shape: &[usize]) -> Result<()> {
    let dims = x.dims();
    let ok = dims.len() == rank && axes.iter().zip(shape).all(|(&a, &n)| dims[a].known() == Some(n as u64));
    if !ok {
        crate::bail!("Input 0 is incompatible with the layer: it was built for rank {rank} with extents {shape:?} at axes {axes:?}, got {}", keras_shape(&dims));
    }
    Ok(())
}

/// The `beta`/`gamma` builder methods of a layer with `beta_spec`/`gamma_spec` fields.
macro_rules! beta_gamma_builders {
    ($ty:ident) => {
        impl $ty {
            pub fn beta_initializer(mut self, i: impl Into<InitArg>) -> Self {
                self.beta_spec.initializer = i.into();
                self
            }
            pub fn gamma_initializer(mut self, i: impl Into<InitArg>) -> Self {
                self.gamma_spec.initializer = i.into();
                self
            }
            pub fn beta_regularizer(mut self, r: impl Into<RegArg>) -> Self {
                self.beta_spec.regularizer = Some(r.into());
                self
            }
            pub fn gamma_regularizer(mut self, r: impl Into<RegArg>) -> Self {
                self.gamma_spec.regularizer = Some(r.into());
                self
            }
            pub fn beta_constraint(mut self, c: impl Into<ConstraintArg>) -> Self {
                self.beta_spec.constraint = Some(c.into());
                self
            }
            pub fn gamma_constraint(mut self, c: impl Into<ConstraintArg>) -> Self {
                self.gamma_spec.constraint = Some(c.into());
                self
            }
            /// Add the learned offset `beta`.
            pub fn center(mut self, c: bool) -> Self {
                self.center = c;
                self
            }
            /// Multiply by the learned `gamma`.
            pub fn scale(mut self, s: bool) -> Self {
                self.scale = s;
                self
            }
            pub fn epsilon(mut self, e: f64) -> Self {
                self.epsilon = e;
                self
            }
        }
    };
}

/// The `beta`/`gamma` config entries.
fn beta_gamma_config(c: &mut Config, beta: &WeightSpec, gamma: &WeightSpec) {
    c.insert("beta_initializer".into(), beta.initializer.to_config());
    c.insert("gamma_initializer".into(), gamma.initializer.to_config());
    c.insert("beta_regularizer".into(), crate::regularizers::to_config_opt(&beta.regularizer));
    c.insert("gamma_regularizer".into(), crate::regularizers::to_config_opt(&gamma.regularizer));
    c.insert("beta_constraint".into(), crate::constraints::to_config_opt(&beta.constraint));
    c.insert("gamma_constraint".into(), crate::constraints::to_config_opt(&gamma.constraint));
}

/// `keras.layers.LayerNormalization`: each sample normalized over `axis` (the last by
/// default; several axes together), then `* gamma + beta` (weights shaped like those
/// axes). `rms_scaling` is Keras's deprecated variant (divide by the standard deviation
/// without centering, then `* gamma`; no `beta`).
pub struct LayerNormalization {
    name: String,
    built: bool,
    pub axis: Axes,
    pub epsilon: f64,
    pub center: bool,
    pub scale: bool,
    pub rms_scaling: bool,
    beta_spec: WeightSpec,
    gamma_spec: WeightSpec,
    rank: usize,
    axes: Vec<usize>,
    shape: Vec<usize>,
    gamma: Option<Variable>,
    beta: Option<Variable>,
}

impl LayerNormalization {
    pub fn new() -> LayerNormalization {
        LayerNormalization {
            name: unique_name("layer_normalization"),
            built: false,
            axis: Axes::one(-1),
            epsilon: 1e-3,
            center: true,
            scale: true,
            rms_scaling: false,
            beta_spec: WeightSpec::new("zeros"),
            gamma_spec: WeightSpec::new("ones"),
            rank: 0,
            axes: Vec::new(),
            shape: Vec::new(),
            gamma: None,
            beta: None,
        }
    }
    pub fn axis(mut self, a: i64) -> Self {
        self.axis = Axes::one(a);
        self
    }
    /// Normalize over several axes together.
    pub fn axes(mut self, a: &[i64]) -> Self {
        self.axis = Axes::many(a);
        self
    }
    pub fn rms_scaling(mut self, r: bool) -> Self {
        self.rms_scaling = r;
        self
    }
}

impl Default for LayerNormalization {
    fn default() -> LayerNormalization {
        LayerNormalization::new()
    }
}

beta_gamma_builders!(LayerNormalization);

impl Layer for LayerNormalization {
    layer_basics!("LayerNormalization");
    pass_masks!();
    fn build(&mut self, x: &Tensor) -> Result<()> {
        self.axes = self.axis.resolve(x)?;
        self.shape = extents(x, &self.axes)?;
        self.rank = x.rank();
        if self.scale || self.rms_scaling {
            self.gamma = Some(self.gamma_spec.make(&self.name, "gamma", &self.shape, true)?);
        }
        if self.center && !self.rms_scaling {
            self.beta = Some(self.beta_spec.make(&self.name, "beta", &self.shape, true)?);
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        check_built(x, self.rank, &self.axes, &self.shape)?;
        for (w, spec) in [(&self.gamma, &self.gamma_spec), (&self.beta, &self.beta_spec)] {
            if let Some(w) = w {
                spec.penalty(w, x, cx)?;
            }
        }
        let gamma = self.gamma.as_ref().map(|g| g.tensor());
        let beta = self.beta.as_ref().map(|b| b.tensor());
        let axes: Vec<i64> = self.axes.iter().map(|&a| a as i64).collect();
        Ok(vec![ops::layer_normalization(x, gamma.as_ref(), beta.as_ref(), &axes, self.epsilon, self.rms_scaling)?])
    }
    fn weights(&self) -> Vec<Variable> {
        self.gamma.iter().chain(self.beta.iter()).cloned().collect()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("axis".into(), self.axis.value(self.built));
        c.insert("epsilon".into(), json!(self.epsilon));
        c.insert("center".into(), json!(self.center));
        c.insert("scale".into(), json!(self.scale));
        c.insert("rms_scaling".into(), json!(self.rms_scaling));
        beta_gamma_config(&mut c, &self.beta_spec, &self.gamma_spec);
        c
    }
}

/// `keras.layers.GroupNormalization(groups)`: the channels (`axis`) split into
/// `groups`, each sample normalized over each group's channels and all other non-batch
/// axes, then `* gamma + beta` per channel. `groups = -1` is instance normalization
/// (one group per channel); `groups = 1` normalizes each sample as a whole.
pub struct GroupNormalization {
    name: String,
    built: bool,
    pub groups: i64,
    pub axis: i64,
    pub epsilon: f64,
    pub center: bool,
    pub scale: bool,
    beta_spec: WeightSpec,
    gamma_spec: WeightSpec,
    rank: usize,
    channels: usize,
    gamma: Option<Variable>,
    beta: Option<Variable>,
}

impl GroupNormalization {
    pub fn new(groups: i64) -> GroupNormalization {
        GroupNormalization {
            name: unique_name("group_normalization"),
            built: false,
            groups,
            axis: -1,
            epsilon: 1e-3,
            center: true,
            scale: true,
            beta_spec: WeightSpec::new("zeros"),
            gamma_spec: WeightSpec::new("ones"),
            rank: 0,
            channels: 0,
            gamma: None,
            beta: None,
        }
    }
    /// The channel axis.
    pub fn axis(mut self, a: i64) -> Self {
        self.axis = a;
        self
    }
}

/// Keras's default: 32 groups.
impl Default for GroupNormalization {
    fn default() -> GroupNormalization {
        GroupNormalization::new(32)
    }
}

beta_gamma_builders!(GroupNormalization);

impl Layer for GroupNormalization {
    layer_basics!("GroupNormalization");
    pass_masks!();
    fn build(&mut self, x: &Tensor) -> Result<()> {
        if self.groups == 0 || self.groups < -1 {
            crate::bail!(
                "Received an invalid value for argument `groups`, expected a positive integer (or `-1` for instance normalization). Received: groups={}",
                self.groups
            );
        }
        let a = Axes::one(self.axis).resolve(x)?[0];
        let Some(dim) = x.dims()[a].known() else {
            crate::bail!("Axis {} of input tensor should have a defined dimension but the layer received an input with shape {}.", self.axis, keras_shape(&x.dims()));
        };
        let dim = dim as i64;
        if self.groups == -1 {
            self.groups = dim;
        }
        if dim < self.groups {
            crate::bail!("Number of groups ({}) cannot be more than the number of channels ({dim}).", self.groups);
        }
        if dim % self.groups != 0 {
            crate::bail!("Number of groups ({}) must be a multiple of the number of channels ({dim}).", self.groups);
        }
        if self.scale {
            self.gamma = Some(self.gamma_spec.make(&self.name, "gamma", &[dim as usize], true)?);
        }
        if self.center {
            self.beta = Some(self.beta_spec.make(&self.name, "beta", &[dim as usize], true)?);
        }
        self.rank = x.rank();
        self.channels = dim as usize;
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let a = ops::axis(self.axis, self.rank)?;
        check_built(x, self.rank, &[a], &[self.channels])?;
        let g = self.groups as u64;
        let per = self.channels as u64 / g;
        // (..., C, ...) -> (..., G, C / G, ...): the group axis at `a`
        let dims = x.dims();
        let mut grouped: Vec<Dim> = dims.clone();
        grouped.splice(a..=a, [Dim::Known(g), Dim::Known(per)]);
        let xg = ops::reshape_dims(x, grouped)?;
        let axes: Vec<i64> = (1..=self.rank as i64).filter(|&d| d != a as i64).collect();
        let (mean, var) = ops::moments(&xg, &axes, true)?;
        // a per-channel weight, shaped to broadcast against the grouped input
        let mut wshape = vec![Dim::Known(1); self.rank + 1];
        wshape[a] = Dim::Known(g);
        wshape[a + 1] = Dim::Known(per);
        let mut inv = ops::rsqrt(&ops::add(&var, self.epsilon)?)?;
        if let Some(gm) = &self.gamma {
            self.gamma_spec.penalty(gm, x, cx)?;
            inv = ops::multiply(&inv, &ops::reshape_dims(&read(gm, x)?, wshape.clone())?)?;
        }
        let mut res = ops::multiply(&ops::negative(&mean)?, &inv)?;
        if let Some(b) = &self.beta {
            self.beta_spec.penalty(b, x, cx)?;
            res = ops::add(&res, &ops::reshape_dims(&read(b, x)?, wshape)?)?;
        }
        let y = ops::add(&ops::multiply(&xg, &inv)?, &res)?;
        Ok(vec![ops::reshape_dims(&y, dims)?])
    }
    fn weights(&self) -> Vec<Variable> {
        self.gamma.iter().chain(self.beta.iter()).cloned().collect()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("groups".into(), json!(self.groups));
        c.insert("axis".into(), json!(self.axis));
        c.insert("epsilon".into(), json!(self.epsilon));
        c.insert("center".into(), json!(self.center));
        c.insert("scale".into(), json!(self.scale));
        beta_gamma_config(&mut c, &self.beta_spec, &self.gamma_spec);
        c
    }
}

/// `keras.layers.UnitNormalization`: each sample scaled to unit L2 norm over `axis`,
/// `x * min(rsqrt(sum(x^2)), 1e12)` (so an all-zero slice stays zero).
pub struct UnitNormalization {
    name: String,
    built: bool,
    pub axis: Axes,
}

impl UnitNormalization {
    pub fn new() -> UnitNormalization {
        UnitNormalization { name: unique_name("unit_normalization"), built: false, axis: Axes::one(-1) }
    }
    pub fn axis(mut self, a: i64) -> Self {
        self.axis = Axes::one(a);
        self
    }
    pub fn axes(mut self, a: &[i64]) -> Self {
        self.axis = Axes::many(a);
        self
    }
}

impl Default for UnitNormalization {
    fn default() -> UnitNormalization {
        UnitNormalization::new()
    }
}

impl Layer for UnitNormalization {
    layer_basics!("UnitNormalization");
    pass_masks!();
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let axes: Vec<i64> = self.axis.resolve(x)?.into_iter().map(|a| a as i64).collect();
        // Keras's `ops.normalize(x, axis, order=2, epsilon=1e-12)`
        let inv = ops::rsqrt(&ops::sum(&ops::square(x)?, Some(&axes), true)?)?;
        Ok(vec![ops::multiply(x, &ops::minimum(&inv, 1e12)?)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("axis".into(), self.axis.value(false));
        c
    }
}

/// `keras.layers.RMSNormalization`: `x * rsqrt(mean(x^2 over axis) + epsilon) *
/// scale`, with a learned `scale` shaped like the normalized axes (which must be the
/// trailing ones for it to broadcast, as in Keras).
pub struct RMSNormalization {
    name: String,
    built: bool,
    pub axis: Axes,
    pub epsilon: f64,
    rank: usize,
    axes: Vec<usize>,
    shape: Vec<usize>,
    scale: Option<Variable>,
}

impl RMSNormalization {
    pub fn new() -> RMSNormalization {
        RMSNormalization { name: unique_name("rms_normalization"), built: false, axis: Axes::one(-1), epsilon: 1e-6, rank: 0, axes: Vec::new(), shape: Vec::new(), scale: None }
    }
    pub fn axis(mut self, a: i64) -> Self {
        self.axis = Axes::one(a);
        self
    }
    pub fn axes(mut self, a: &[i64]) -> Self {
        self.axis = Axes::many(a);
        self
    }
    pub fn epsilon(mut self, e: f64) -> Self {
        self.epsilon = e;
        self
    }
}

impl Default for RMSNormalization {
    fn default() -> RMSNormalization {
        RMSNormalization::new()
    }
}

impl Layer for RMSNormalization {
    layer_basics!("RMSNormalization");
    fn build(&mut self, x: &Tensor) -> Result<()> {
        self.axes = self.axis.resolve(x)?;
        self.shape = extents(x, &self.axes)?;
        self.rank = x.rank();
        self.scale = Some(WeightSpec::new("ones").make(&self.name, "scale", &self.shape, true)?);
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        check_built(x, self.rank, &self.axes, &self.shape)?;
        let axes: Vec<i64> = self.axes.iter().map(|&a| a as i64).collect();
        let scale = self.scale.as_ref().map(|s| s.tensor());
        Ok(vec![ops::rms_normalization(x, scale.as_ref(), &axes, self.epsilon)?])
    }
    fn weights(&self) -> Vec<Variable> {
        self.scale.iter().cloned().collect()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("axis".into(), self.axis.value(self.built));
        c.insert("epsilon".into(), json!(self.epsilon));
        c
    }
}

named!(LayerNormalization, GroupNormalization, UnitNormalization, RMSNormalization);
