//! Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax.
use super::weights::{read, WeightSpec};
use super::{base_config, snake, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::constraints::ConstraintArg;
use crate::error::Result;
use crate::initializers::InitArg;
use crate::ops;
use crate::regularizers::RegArg;
use crate::tensor::Tensor;
use crate::variable::Variable;
use serde_json::{json, Value};

/// `keras.layers.ReLU(max_value, negative_slope, threshold)`:
/// `min(x, max_value)` for `x >= threshold`, `negative_slope * (x - threshold)` below.
pub struct ReLU {
    name: String,
    built: bool,
    pub max_value: Option<f64>,
    pub negative_slope: f64,
    pub threshold: f64,
}

impl ReLU {
    pub fn new() -> ReLU {
        ReLU { name: unique_name(&snake("ReLU")), built: false, max_value: None, negative_slope: 0.0, threshold: 0.0 }
    }
    pub fn max_value(mut self, m: f64) -> ReLU {
        self.max_value = Some(m);
        self
    }
    pub fn negative_slope(mut self, s: f64) -> ReLU {
        self.negative_slope = s;
        self
    }
    pub fn threshold(mut self, t: f64) -> ReLU {
        self.threshold = t;
        self
    }
}

impl Default for ReLU {
    fn default() -> ReLU {
        ReLU::new()
    }
}

/// Keras's `activations.relu` with all three arguments, step for step (so the result,
/// and which branch a gradient takes at the thresholds, is Keras's).
pub fn relu_general(x: &Tensor, negative_slope: f64, max_value: Option<f64>, threshold: f64) -> Result<Tensor> {
    let negative_part = if negative_slope != 0.0 {
        if max_value.is_none() && threshold == 0.0 {
            return ops::leaky_relu(x, negative_slope);
        }
        Some(ops::relu(&ops::add(&ops::negative(x)?, threshold)?)?)
    } else {
        None
    };
    let mut clip_max = max_value;
    let mut y = if threshold != 0.0 {
        ops::where_(&ops::greater(x, threshold)?, x, 0.0)?
    } else if max_value == Some(6.0) {
        clip_max = None;
        ops::relu6(x)?
    } else {
        ops::relu(x)?
    };
    if let Some(m) = clip_max {
        y = ops::clip(&y, 0.0, m)?;
    }
    if let Some(n) = negative_part {
        y = ops::subtract(&y, &ops::multiply(&n, negative_slope)?)?;
    }
    Ok(y)
}

impl Layer for ReLU {
    layer_basics!("ReLU");
    pass_masks!();
    fn build(&mut self, _: &Tensor) -> Result<()> {
        if let Some(m) = self.max_value.filter(|m| *m < 0.0) {
            crate::bail!("max_value of a ReLU layer cannot be a negative value. Received: max_value={m}");
        }
        if !(self.negative_slope >= 0.0) {
            crate::bail!("negative_slope of a ReLU layer cannot be None or a negative value. Received: negative_slope={}", self.negative_slope);
        }
        if !(self.threshold >= 0.0) {
            crate::bail!("threshold of a ReLU layer cannot be None or a negative value. Received: threshold={}", self.threshold);
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        Ok(vec![relu_general(&inputs[0], self.negative_slope, self.max_value, self.threshold)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("max_value".into(), self.max_value.map(|m| json!(m)).unwrap_or(Value::Null));
        c.insert("negative_slope".into(), json!(self.negative_slope));
        c.insert("threshold".into(), json!(self.threshold));
        c
    }
}

/// `keras.layers.LeakyReLU(negative_slope=0.3)`: `x` for `x >= 0`, else `slope * x`.
pub struct LeakyReLU {
    name: String,
    built: bool,
    pub negative_slope: f64,
}

impl LeakyReLU {
    pub fn new() -> LeakyReLU {
        LeakyReLU { name: unique_name(&snake("LeakyReLU")), built: false, negative_slope: 0.3 }
    }
    pub fn negative_slope(mut self, s: f64) -> LeakyReLU {
        self.negative_slope = s;
        self
    }
}

impl Default for LeakyReLU {
    fn default() -> LeakyReLU {
        LeakyReLU::new()
    }
}

impl Layer for LeakyReLU {
    layer_basics!("LeakyReLU");
    pass_masks!();
    fn build(&mut self, _: &Tensor) -> Result<()> {
        if !(self.negative_slope >= 0.0) {
            crate::bail!(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative value. Expected a float. Received: negative_slope={}",
                self.negative_slope
            );
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        Ok(vec![ops::leaky_relu(&inputs[0], self.negative_slope)?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("negative_slope".into(), json!(self.negative_slope));
        c
    }
}

/// `keras.layers.PReLU`: a leaky ReLU whose slope `alpha` is learned per element of the
/// sample shape, or shared along `shared_axes` (1-based: `[1, 2]` for one slope per
/// channel of an image). `relu(x) - alpha * relu(-x)`.
pub struct PReLU {
    name: String,
    built: bool,
    pub shared_axes: Option<Vec<usize>>,
    spec: WeightSpec,
    alpha: Option<Variable>,
}

impl PReLU {
    pub fn new() -> PReLU {
        PReLU { name: unique_name(&snake("PReLU")), built: false, shared_axes: None, spec: WeightSpec::new("Zeros"), alpha: None }
    }
    pub fn shared_axes(mut self, axes: &[usize]) -> PReLU {
        self.shared_axes = Some(axes.to_vec());
        self
    }
    pub fn alpha_initializer(mut self, i: impl Into<InitArg>) -> PReLU {
        self.spec.initializer = i.into();
        self
    }
    pub fn alpha_regularizer(mut self, r: impl Into<RegArg>) -> PReLU {
        self.spec.regularizer = Some(r.into());
        self
    }
    pub fn alpha_constraint(mut self, c: impl Into<ConstraintArg>) -> PReLU {
        self.spec.constraint = Some(c.into());
        self
    }
    pub fn alpha(&self) -> Option<&Variable> {
        self.alpha.as_ref()
    }
}

impl Default for PReLU {
    fn default() -> PReLU {
        PReLU::new()
    }
}

impl Layer for PReLU {
    layer_basics!("PReLU");
    pass_masks!();
    fn build(&mut self, x: &Tensor) -> Result<()> {
        let dims = x.dims();
        if dims.len() < 2 {
            crate::bail!("PReLU needs inputs with a batch axis and at least one more, got {}", super::keras_shape(&dims));
        }
        let mut shape = Vec::with_capacity(dims.len() - 1);
        for (i, d) in dims.iter().enumerate().skip(1) {
            let shared = self.shared_axes.as_ref().is_some_and(|s| s.contains(&i));
            match (shared, d.known()) {
                (true, _) => shape.push(1),
                (false, Some(n)) => shape.push(n as usize),
                (false, None) => crate::bail!("PReLU: axis {i} of {} is unknown; share it (shared_axes) or give it a size", super::keras_shape(&dims)),
            }
        }
        if let Some(bad) = self.shared_axes.iter().flatten().find(|&&a| a == 0 || a >= dims.len()) {
            crate::bail!("PReLU: shared axis {bad} is not one of the input's non-batch axes 1..{}", dims.len() - 1);
        }
        self.alpha = Some(self.spec.make(&self.name, "alpha", &shape, true)?);
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let Some(alpha) = &self.alpha else { crate::bail!("not built") };
        let shape: Vec<u64> = alpha.shape().iter().map(|&d| d as u64).collect();
        if x.rank() != shape.len() + 1 || x.dims()[1..].iter().zip(&shape).any(|(d, &a)| a != 1 && d.known() != Some(a)) {
            crate::bail!("Input 0 is incompatible with the layer: expected sample shape {:?} (1 = shared), got {}", shape, super::keras_shape(&x.dims()));
        }
        self.spec.penalty(alpha, x, cx)?;
        let pos = ops::relu(x)?;
        let alpha = read(alpha, x)?;
        let neg = ops::multiply(&ops::negative(&alpha)?, &ops::relu(&ops::negative(x)?)?)?;
        Ok(vec![ops::add(&pos, &neg)?])
    }
    fn weights(&self) -> Vec<Variable> {
        self.alpha.iter().cloned().collect()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        self.spec.config_into(&mut c, "alpha");
        c.insert("shared_axes".into(), self.shared_axes.as_ref().map(|s| json!(s)).unwrap_or(Value::Null));
        c
    }
}

/// `keras.layers.ELU(alpha=1.0)`: `x` for `x > 0`, else `alpha * (e^x - 1)`.
pub struct ELU {
    name: String,
    built: bool,
    pub alpha: f64,
}

impl ELU {
    pub fn new() -> ELU {
        ELU { name: unique_name(&snake("ELU")), built: false, alpha: 1.0 }
    }
    pub fn alpha(mut self, a: f64) -> ELU {
        self.alpha = a;
        self
    }
}

impl Default for ELU {
    fn default() -> ELU {
        ELU::new()
    }
}

impl Layer for ELU {
    layer_basics!("ELU");
    pass_masks!();
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        Ok(vec![ops::elu(&inputs[0], self.alpha)?])
    }
    /// Keras 3 leaves `alpha` out of ELU's config; kc writes it so the config recreates
    /// the layer.
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("alpha".into(), json!(self.alpha));
        c
    }
}

/// `keras.layers.Softmax(axis=-1)`: normalised exponentials along `axis` (or along
/// several axes together).
pub struct Softmax {
    name: String,
    built: bool,
    pub axes: Vec<i64>,
}

impl Softmax {
    pub fn new(axis: i64) -> Softmax {
        Softmax::over(&[axis])
    }
    /// Softmax over several axes at once.
    pub fn over(axes: &[i64]) -> Softmax {
        Softmax { name: unique_name("softmax"), built: false, axes: axes.to_vec() }
    }
}

impl Default for Softmax {
    fn default() -> Softmax {
        Softmax::new(-1)
    }
}

impl Softmax {
    /// Keras's `mask` argument (a second input, else the Keras mask the input carries),
    /// checked to broadcast to the input and made boolean (`> 0.5` when numeric).
    fn mask(x: &Tensor, inputs: &[Tensor]) -> Result<Option<Tensor>> {
        let Some(m) = inputs.get(1).or(x.mask()) else { return Ok(None) };
        let (md, xd) = (m.dims(), x.dims());
        let fits = md.len() <= xd.len()
            && md.iter().rev().zip(xd.iter().rev()).all(|(a, b)| match (a.known(), b.known()) {
                (Some(a), Some(b)) => a == 1 || a == b,
                _ => true,
            });
        if !fits {
            crate::bail!(
                "The `mask` must be broadcastable to `inputs`: each mask dimension must be 1 or match the corresponding input dimension, and it must not have more dimensions. Received: inputs.shape={}, mask.shape={}",
                crate::layers::keras_shape(&xd),
                crate::layers::keras_shape(&md)
            );
        }
        Ok(Some(if m.dtype() == kc_ir::DType::Bool { m.clone() } else { ops::greater(m, 0.5)? }))
    }
}

impl Layer for Softmax {
    layer_basics!("Softmax");
    pass_masks!();
    /// `[x]` or `[x, mask]`: masked positions (false, or `<= 0.5`) take -1e9 (-3e4 in
    /// float16) before the softmax and 0 after it, as Keras's `Softmax(x, mask=...)`.
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        if inputs.len() > 2 {
            crate::bail!("Softmax takes [inputs] or [inputs, mask], got {} tensors", inputs.len());
        }
        let x0 = &inputs[0];
        let mask = Self::mask(x0, inputs)?;
        let x = match &mask {
            Some(m) => ops::where_(m, x0, if x0.dtype() == kc_ir::DType::F16 { -3e4 } else { -1e9 })?,
            None => x0.clone(),
        };
        let out = if let [a] = self.axes[..] {
            ops::softmax(&x, a)?
        } else {
            if self.axes.is_empty() {
                crate::bail!("Softmax needs at least one axis");
            }
            let m = ops::max(&x, Some(&self.axes), true)?;
            let e = ops::exp(&ops::subtract(&x, &m)?)?;
            ops::divide(&e, &ops::sum(&e, Some(&self.axes), true)?)?
        };
        // a fully masked axis gives zeros, not a uniform distribution
        Ok(vec![match &mask {
            Some(m) => ops::where_(m, &out, 0.0)?,
            None => out,
        }])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("axis".into(), crate::config::axes_value(&self.axes));
        c
    }
}

named!(ReLU, LeakyReLU, PReLU, ELU, Softmax);
