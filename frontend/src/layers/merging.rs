//! Merge layers: several inputs of one shape to one output. Add, Subtract, Multiply,
//! Average, Maximum, Minimum combine elementwise (numpy broadcasting; an input of lower
//! rank gets size-1 axes inserted after the batch axis first, as Keras does);
//! Concatenate joins along an axis; Dot contracts two inputs per sample.
use super::core::keras_shape;
use super::{base_config, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::tensor::Tensor;
use kc_ir::Dim;
use serde_json::json;

fn shapes(xs: &[Tensor]) -> String {
    format!("[{}]", xs.iter().map(|x| keras_shape(&x.dims())).collect::<Vec<_>>().join(", "))
}

/// Keras's checks and rank alignment for the elementwise merges.
fn aligned(xs: &[Tensor], class: &str) -> Result<Vec<Tensor>> {
    if xs.is_empty() {
        crate::bail!("A merge layer should be called on a list of at least 1 input. Received 0 inputs.");
    }
    let batches: Vec<u64> = xs.iter().filter_map(|x| x.dims().first().and_then(Dim::known)).collect();
    if batches.windows(2).any(|w| w[0] != w[1]) {
        crate::bail!("Cannot merge tensors with different batch sizes. Received tensors with shapes {}", shapes(xs));
    }
    if xs.iter().any(|x| x.rank() == 0) {
        crate::bail!("{class} needs inputs with a batch axis, got shapes {}", shapes(xs));
    }
    let max_rank = xs.iter().map(Tensor::rank).max().unwrap_or(0);
    let mut out = Vec::with_capacity(xs.len());
    for x in xs {
        let mut y = x.clone();
        for _ in y.rank()..max_rank {
            y = ops::expand_dims(&y, 1)?;
        }
        out.push(y);
    }
    // the sample shapes must broadcast together
    let mut acc: Vec<Dim> = out[0].dims()[1..].to_vec();
    for y in &out[1..] {
        acc = ops::broadcast_shapes(&acc, &y.dims()[1..])
            .map_err(|_| crate::Error::msg(format!("Inputs have incompatible shapes. Received shapes {}", shapes(xs))))?;
    }
    Ok(out)
}

fn fold(xs: &[Tensor], class: &str, f: fn(&Tensor, &Tensor) -> Result<Tensor>) -> Result<Tensor> {
    let xs = aligned(xs, class)?;
    let mut acc = xs[0].clone();
    for x in &xs[1..] {
        acc = f(&acc, x)?;
    }
    Ok(acc)
}

/// Keras's `Merge.compute_mask`: the inputs' masks or-ed together when every input
/// has one, else no mask.
fn or_of_masks(inputs: &[Tensor]) -> Result<Option<Tensor>> {
    let masks: Option<Vec<&Tensor>> = inputs.iter().map(|x| x.mask()).collect();
    let Some(masks) = masks else { return Ok(None) };
    let mut out = as_bool(masks[0])?;
    for m in &masks[1..] {
        out = ops::logical_or(&out, &as_bool(m)?)?;
    }
    Ok(Some(out))
}

fn as_bool(m: &Tensor) -> Result<Tensor> {
    if m.dtype() == kc_ir::DType::Bool {
        Ok(m.clone())
    } else {
        ops::not_equal(m, 0.0)
    }
}

/// The elementwise merge layers differ only in how two tensors combine.
macro_rules! elementwise_merge {
    ($(#[$doc:meta])* $ty:ident, $class:literal, $base:literal, $combine:expr) => {
        $(#[$doc])*
        pub struct $ty {
            name: String,
            built: bool,
        }
        impl $ty {
            pub fn new() -> $ty {
                $ty { name: unique_name($base), built: false }
            }
        }
        impl Default for $ty {
            fn default() -> $ty {
                $ty::new()
            }
        }
        impl Layer for $ty {
            layer_basics!($class);
            fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
                let f: fn(&[Tensor]) -> Result<Tensor> = $combine;
                Ok(vec![f(inputs)?])
            }
            fn supports_masking(&self) -> bool {
                true
            }
            fn compute_mask(&self, inputs: &[Tensor], _: Option<&Tensor>, outputs: usize) -> Result<Vec<Option<Tensor>>> {
                Ok(vec![or_of_masks(inputs)?; outputs])
            }
        }
    };
}

elementwise_merge!(
    /// `keras.layers.Add`: the sum of the inputs.
    Add, "Add", "add", |xs| fold(xs, "Add", |a, b| ops::add(a, b))
);
elementwise_merge!(
    /// `keras.layers.Subtract`: `inputs[0] - inputs[1]`, exactly two inputs.
    Subtract, "Subtract", "subtract", |xs| {
        if xs.len() != 2 {
            crate::bail!("A `Subtract` layer should be called on exactly 2 inputs. Received {} inputs", xs.len());
        }
        fold(xs, "Subtract", |a, b| ops::subtract(a, b))
    }
);
elementwise_merge!(
    /// `keras.layers.Multiply`: the elementwise product.
    Multiply, "Multiply", "multiply", |xs| fold(xs, "Multiply", |a, b| ops::multiply(a, b))
);
elementwise_merge!(
    /// `keras.layers.Average`: the sum divided by the number of inputs.
    Average, "Average", "average", |xs| {
        let s = fold(xs, "Average", |a, b| ops::add(a, b))?;
        ops::divide(&s, xs.len() as f64)
    }
);
elementwise_merge!(
    /// `keras.layers.Maximum`: the elementwise maximum.
    Maximum, "Maximum", "maximum", |xs| fold(xs, "Maximum", |a, b| ops::maximum(a, b))
);
elementwise_merge!(
    /// `keras.layers.Minimum`: the elementwise minimum.
    Minimum, "Minimum", "minimum", |xs| fold(xs, "Minimum", |a, b| ops::minimum(a, b))
);

/// `keras.layers.Concatenate(axis)`: join the inputs along `axis` (default -1); all
/// other axes must match.
pub struct Concatenate {
    name: String,
    built: bool,
    pub axis: i64,
}

impl Concatenate {
    pub fn new(axis: i64) -> Concatenate {
        Concatenate { name: unique_name("concatenate"), built: false, axis }
    }
}

impl Default for Concatenate {
    fn default() -> Concatenate {
        Concatenate::new(-1)
    }
}

impl Layer for Concatenate {
    layer_basics!("Concatenate");
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let Some(first) = inputs.first() else {
            crate::bail!("A `Concatenate` layer should be called on a list of at least 1 input. Received: 0 inputs");
        };
        let mismatch = || crate::Error::msg(format!(
            "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. Received: input_shape={}",
            shapes(inputs)
        ));
        let a = ops::axis(self.axis, first.rank()).map_err(|_| mismatch())?;
        for x in &inputs[1..] {
            let (d0, d) = (first.dims(), x.dims());
            if d.len() != d0.len() || (0..d.len()).any(|i| i != a && d[i] != d0[i]) {
                return Err(mismatch());
            }
        }
        Ok(vec![ops::concatenate(inputs, a as i64)?])
    }
    fn supports_masking(&self) -> bool {
        true
    }
    /// Keras's: each input's mask broadcast to the input's shape (all true where an
    /// input has none), concatenated along `axis`, then any over the last axis.
    fn compute_mask(&self, inputs: &[Tensor], _: Option<&Tensor>, outputs: usize) -> Result<Vec<Option<Tensor>>> {
        if inputs.iter().all(|x| x.mask().is_none()) {
            return Ok(vec![None; outputs]);
        }
        let full = |x: &Tensor| -> Result<Tensor> {
            Ok(match x.mask() {
                None => ops::cast(&ops::ones_like(x)?, kc_ir::DType::Bool)?,
                Some(m) if m.rank() < x.rank() => ops::logical_or(&ops::expand_dims(&as_bool(m)?, -1)?, &ops::cast(&ops::zeros_like(x)?, kc_ir::DType::Bool)?)?,
                Some(m) => as_bool(m)?,
            })
        };
        let masks: Vec<Tensor> = inputs.iter().map(full).collect::<Result<_>>()?;
        let joined = ops::concatenate(&masks, self.axis)?;
        Ok(vec![Some(ops::any(&joined, Some(&[-1]), false)?); outputs])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("axis".into(), json!(self.axis));
        c
    }
}

/// `keras.layers.Dot(axes, normalize)`: per sample, the dot product of two inputs along
/// `axes` (one axis for both, or one each; never the batch axis). With `normalize`, both
/// are L2-normalised along those axes first (cosine similarity). The result has the
/// first input's other axes, then the second's; two vectors give `(batch, 1)`.
pub struct Dot {
    name: String,
    built: bool,
    pub axes: (i64, i64),
    same_axis: bool,
    pub normalize: bool,
}

impl Dot {
    /// The same axis on both inputs.
    pub fn new(axes: i64) -> Dot {
        Dot { name: unique_name("dot"), built: false, axes: (axes, axes), same_axis: true, normalize: false }
    }
    /// One axis per input.
    pub fn pair(a: i64, b: i64) -> Dot {
        Dot { name: unique_name("dot"), built: false, axes: (a, b), same_axis: false, normalize: false }
    }
    pub fn normalize(mut self, n: bool) -> Dot {
        self.normalize = n;
        self
    }
}

impl Layer for Dot {
    layer_basics!("Dot");
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        if inputs.len() != 2 {
            crate::bail!("A `Dot` layer should be called on exactly 2 inputs. Received: {} inputs", inputs.len());
        }
        let (x, y) = (&inputs[0], &inputs[1]);
        if x.rank() < 2 || y.rank() < 2 {
            crate::bail!("Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes {} and {}.", keras_shape(&x.dims()), keras_shape(&y.dims()));
        }
        // Keras: a negative axis counts from the end of each input
        let resolve = |a: i64, r: usize| if a < 0 { a.rem_euclid(r as i64) } else { a };
        let (a0, a1) = (resolve(self.axes.0, x.rank()), resolve(self.axes.1, y.rank()));
        if a0 == 0 || a1 == 0 {
            crate::bail!("Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch dimension to your inputs using keras.ops.expand_dims(x, 0)");
        }
        if a0 as usize >= x.rank() || a1 as usize >= y.rank() {
            crate::bail!("Dot axes {:?} are out of range for inputs of shapes {} and {}", self.axes, keras_shape(&x.dims()), keras_shape(&y.dims()));
        }
        let (dx, dy) = (x.dims(), y.dims());
        if dx[0].known().is_some() && dy[0].known().is_some() && dx[0] != dy[0] {
            crate::bail!("Cannot do batch_dot on inputs with different batch sizes. Received inputs with shapes {} and {}.", keras_shape(&dx), keras_shape(&dy));
        }
        if dx[a0 as usize] != dy[a1 as usize] {
            crate::bail!(
                "Incompatible input shapes: axis values {} (at axis {a0}) != {} (at axis {a1}). Full input shapes: {}, {}",
                dx[a0 as usize],
                dy[a1 as usize],
                keras_shape(&dx),
                keras_shape(&dy)
            );
        }
        let (x, y) = if self.normalize { (ops::normalize(x, a0)?, ops::normalize(y, a1)?) } else { (x.clone(), y.clone()) };
        let at = kc_ir::attrs(&[
            ("lhs_batch", kc_ir::Attr::Ints(vec![0])),
            ("rhs_batch", kc_ir::Attr::Ints(vec![0])),
            ("lhs_contracting", kc_ir::Attr::Ints(vec![a0])),
            ("rhs_contracting", kc_ir::Attr::Ints(vec![a1])),
        ]);
        let out = ops::apply1(kc_ir::OpKind::DotGeneral, &[&x, &y], at, None)?;
        if out.rank() == 1 {
            return Ok(vec![ops::expand_dims(&out, 1)?]);
        }
        Ok(vec![out])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        let axes = if self.same_axis { json!(self.axes.0) } else { json!([self.axes.0, self.axes.1]) };
        c.insert("axes".into(), axes);
        c.insert("normalize".into(), json!(self.normalize));
        c
    }
}

named!(Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot);
