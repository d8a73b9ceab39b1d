//! `keras.layers.EinsumDense`: `activation(einsum(equation, x, kernel) + bias)`, the
//! projection layer inside Keras's attention layers (their `query`, `key`, `value` and
//! `attention_output` sublayers are EinsumDense layers, whose weights kc lays out as
//! Keras does).
use crate::activations::{self, ActivationFn};
use crate::config::Config;
use crate::constraints::ConstraintArg;
use crate::error::Result;
use crate::initializers::InitArg;
use crate::layers::core::keras_shape;
use crate::layers::weights::WeightSpec;
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::regularizers::{self, RegArg, Regularizer};
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::Dim;
use serde_json::{json, Value};

/// Keras's `output_shape` of an `EinsumDense`: the output's extents after the batch axis
/// (and besides the axes an ellipsis stands for), `None` where the input gives it:
/// `4.into()`, `[None, Some(64)].into()`, `[2, 3].into()`.
#[derive(Clone, Debug, PartialEq)]
pub struct PartialShape(pub Vec<Option<usize>>);

impl From<usize> for PartialShape {
    fn from(n: usize) -> PartialShape {
        PartialShape(vec![Some(n)])
    }
}
impl<const K: usize> From<[Option<usize>; K]> for PartialShape {
    fn from(v: [Option<usize>; K]) -> PartialShape {
        PartialShape(v.to_vec())
    }
}
impl<const K: usize> From<[usize; K]> for PartialShape {
    fn from(v: [usize; K]) -> PartialShape {
        PartialShape(v.iter().map(|&n| Some(n)).collect())
    }
}
impl From<&[Option<usize>]> for PartialShape {
    fn from(v: &[Option<usize>]) -> PartialShape {
        PartialShape(v.to_vec())
    }
}
impl From<Vec<Option<usize>>> for PartialShape {
    fn from(v: Vec<Option<usize>>) -> PartialShape {
        PartialShape(v)
    }
}

/// What `_analyze_einsum_string` finds: the weights' shapes, and which kernel axes are
/// input and output units (for the initializer's fans).
#[derive(Debug, PartialEq)]
pub(crate) struct Analysis {
    pub kernel: Vec<usize>,
    pub bias: Option<Vec<usize>>,
    pub input_axes: Vec<usize>,
    pub output_axes: Vec<usize>,
}

/// The three forms Keras accepts: `X,Y->Z`, `...X,Y->...Z` (left) and `X...,Y->Z...`
/// (right, with at least two letters before the ellipsis).
fn split(equation: &str) -> Result<(String, String, String, Option<bool>)> {
    let bad = || {
        crate::Error::msg(format!(
            "Invalid einsum equation '{equation}'. Equations must be in the form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
        ))
    };
    let (lhs, out) = equation.split_once("->").ok_or_else(bad)?;
    let (inp, w) = lhs.split_once(',').ok_or_else(bad)?;
    let letters = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic());
    if !letters(w) {
        return Err(bad());
    }
    if let (Some(i), Some(o)) = (inp.strip_prefix("..."), out.strip_prefix("...")) {
        if letters(i) && letters(o) {
            return Ok((i.into(), w.into(), o.into(), Some(true)));
        }
    }
    if let (Some(i), Some(o)) = (inp.strip_suffix("..."), out.strip_suffix("...")) {
        if letters(i) && i.len() >= 2 && letters(o) {
            return Ok((i.into(), w.into(), o.into(), Some(false)));
        }
    }
    if letters(inp) && letters(out) {
        return Ok((inp.into(), w.into(), out.into(), None));
    }
    Err(bad())
}

/// Keras's `_analyze_einsum_string` for an input of `input` dims.
pub(crate) fn analyze(equation: &str, bias_axes: Option<&str>, input: &[Dim], output_shape: &[Option<usize>]) -> Result<Analysis> {
    let (ispec, wspec, ospec, ellipsis) = split(equation)?;
    let left = ellipsis == Some(true);
    let rank = input.len();
    let named = ispec.len();
    if rank < named || (ellipsis.is_none() && rank != named) {
        crate::bail!("the equation '{equation}' names {named} input axes but the input has shape {} (rank {rank})", keras_shape(input));
    }
    let elided = rank - named;
    let dim = |d: &Dim| d.known().map(|n| n as usize);
    // the full output shape: the batch dim, the elided dims, the given extents
    let expected = if left && elided > 0 { ospec.len() } else { ospec.len() - 1 };
    if output_shape.len() != expected {
        crate::bail!(
            "`output_shape` {} must give {expected} extents for the equation '{equation}' (the output axes `{ospec}` besides the batch axis), got {}",
            partial_str(output_shape),
            output_shape.len()
        );
    }
    let mut out: Vec<Option<usize>> = output_shape.to_vec();
    out.insert(0, dim(&input[0]));
    if elided > 0 && left {
        for d in &input[1..elided] {
            out.insert(1, dim(d));
        }
    } else if elided > 0 {
        out.extend(input[rank - elided..].iter().map(dim));
    }
    let in_at = |i: usize| if left { i + elided } else { i };
    let out_at = |i: usize| if left { i + elided } else { i };
    for (i, c) in ispec.chars().enumerate() {
        if let Some(j) = ospec.find(c) {
            let (o, x) = (out[out_at(j)], dim(&input[in_at(i)]));
            if o.is_some() && o != x {
                crate::bail!(
                    "Input shape and output shape do not match at shared dimension '{c}'. Input shape is {}, and output shape is {}.",
                    x.map(|n| n.to_string()).unwrap_or("None".into()),
                    o.map(|n| n.to_string()).unwrap_or("None".into())
                );
            }
        }
    }
    for c in ospec.chars() {
        if !ispec.contains(c) && !wspec.contains(c) {
            crate::bail!("Dimension '{c}' was specified in the output '{ospec}' but has no corresponding dim in the input spec '{ispec}' or weight spec '{wspec}'");
        }
    }
    let (mut kernel, mut input_axes, mut output_axes) = (Vec::new(), Vec::new(), Vec::new());
    for (i, c) in wspec.chars().enumerate() {
        let n = if let Some(j) = ospec.find(c) {
            output_axes.push(i);
            out[out_at(j)]
        } else if let Some(j) = ispec.find(c) {
            input_axes.push(i);
            dim(&input[in_at(j)])
        } else {
            crate::bail!(
                "Weight dimension '{c}' did not have a match in either the input spec '{ispec}' or the output spec '{ospec}'. For this layer, the weight must be fully specified."
            );
        };
        let Some(n) = n else {
            crate::bail!("the extent of weight dimension '{c}' is unknown: give it in `output_shape` or in the input shape (got {})", keras_shape(input));
        };
        kernel.push(n);
    }
    let bias = match bias_axes {
        None => None,
        Some(b) => {
            let skip = if left { elided } else { 0 };
            for c in b.chars() {
                if !ospec.contains(c) {
                    crate::bail!("Bias dimension '{c}' was requested, but is not part of the output spec '{ospec}'");
                }
            }
            let Some(first) = b.chars().filter_map(|c| ospec.find(c)).min() else {
                crate::bail!("`bias_axes` must name at least one output axis, got '{b}'");
            };
            let mut shape = Vec::new();
            for (i, c) in ospec.chars().enumerate().skip(first) {
                if b.contains(c) {
                    let Some(n) = out[i + skip] else { crate::bail!("the extent of bias dimension '{c}' is unknown: give it in `output_shape`") };
                    shape.push(n);
                } else {
                    shape.push(1);
                }
            }
            if !left {
                shape.extend(std::iter::repeat_n(1, elided));
            }
            Some(shape)
        }
    };
    Ok(Analysis { kernel, bias, input_axes, output_axes })
}

fn partial_str(s: &[Option<usize>]) -> String {
    let parts: Vec<String> = s.iter().map(|d| d.map(|n| n.to_string()).unwrap_or("None".into())).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

/// An einsum of the input with a kernel, plus an optional bias over `bias_axes` of the
/// output, then the activation. The kernel's shape comes from the equation: each kernel
/// letter takes its extent from the output (`output_shape`) or else the input, so
/// `EinsumDense::new("abc,cde->abde", [None, Some(2), Some(3)])` on `(batch, 4, 6)`
/// has a `(6, 2, 3)` kernel, as Keras's.
pub struct EinsumDense {
    name: String,
    /// The prefix of the weights' paths: the name, or `parent/name` for a sublayer.
    path: String,
    built: bool,
    pub equation: String,
    pub output_shape: PartialShape,
    pub bias_axes: Option<String>,
    activation: String,
    act: Option<ActivationFn>,
    kernel_spec: WeightSpec,
    bias_spec: WeightSpec,
    activity_regularizer: Option<RegArg>,
    rank: usize,
    kernel: Option<Variable>,
    bias: Option<Variable>,
}

impl EinsumDense {
    pub fn new(equation: &str, output_shape: impl Into<PartialShape>) -> EinsumDense {
        EinsumDense::named(unique_name("einsum_dense"), equation, output_shape.into())
    }

    fn named(name: String, equation: &str, output_shape: PartialShape) -> EinsumDense {
        EinsumDense {
            path: name.clone(),
            name,
            built: false,
            equation: equation.to_string(),
            output_shape,
            bias_axes: None,
            activation: "linear".into(),
            act: None,
            kernel_spec: WeightSpec::new("glorot_uniform"),
            bias_spec: WeightSpec::new("zeros"),
            activity_regularizer: None,
            rank: 0,
            kernel: None,
            bias: None,
        }
    }

    /// A sublayer of `parent` named `name` (no automatic name is used up, as Keras's
    /// attention layers name theirs): its weights are `parent/name/kernel` and so on.
    pub(crate) fn sublayer(parent: &str, name: &str, equation: &str, output_shape: PartialShape) -> EinsumDense {
        let mut e = EinsumDense::named(name.to_string(), equation, output_shape);
        e.path = format!("{parent}/{name}");
        e
    }

    /// The sublayer's weight arguments (its parent's).
    pub(crate) fn specs(mut self, kernel: &WeightSpec, bias: &WeightSpec, activity: &Option<RegArg>) -> EinsumDense {
        self.kernel_spec = kernel.clone();
        self.bias_spec = bias.clone();
        self.activity_regularizer = activity.clone();
        self
    }

    /// The output axes (letters of the equation's output) that get a bias.
    pub fn bias_axes(mut self, axes: &str) -> EinsumDense {
        self.bias_axes = Some(axes.to_string());
        self
    }
    pub(crate) fn maybe_bias_axes(mut self, axes: Option<&str>) -> EinsumDense {
        self.bias_axes = axes.map(str::to_string);
        self
    }
    pub fn activation(mut self, a: &str) -> EinsumDense {
        self.activation = a.to_string();
        self
    }
    pub fn kernel_initializer(mut self, i: impl Into<InitArg>) -> EinsumDense {
        self.kernel_spec.initializer = i.into();
        self
    }
    pub fn bias_initializer(mut self, i: impl Into<InitArg>) -> EinsumDense {
        self.bias_spec.initializer = i.into();
        self
    }
    pub fn kernel_regularizer(mut self, r: impl Into<RegArg>) -> EinsumDense {
        self.kernel_spec.regularizer = Some(r.into());
        self
    }
    pub fn bias_regularizer(mut self, r: impl Into<RegArg>) -> EinsumDense {
        self.bias_spec.regularizer = Some(r.into());
        self
    }
    pub fn activity_regularizer(mut self, r: impl Into<RegArg>) -> EinsumDense {
        self.activity_regularizer = Some(r.into());
        self
    }
    pub fn kernel_constraint(mut self, c: impl Into<ConstraintArg>) -> EinsumDense {
        self.kernel_spec.constraint = Some(c.into());
        self
    }
    pub fn bias_constraint(mut self, c: impl Into<ConstraintArg>) -> EinsumDense {
        self.bias_spec.constraint = Some(c.into());
        self
    }
    pub fn kernel(&self) -> Option<&Variable> {
        self.kernel.as_ref()
    }
    pub fn bias(&self) -> Option<&Variable> {
        self.bias.as_ref()
    }

    /// Build for an input of `dims` (the batch axis may be symbolic).
    pub(crate) fn build_dims(&mut self, dims: &[Dim]) -> Result<()> {
        let a = analyze(&self.equation, self.bias_axes.as_deref(), dims, &self.output_shape.0)?;
        self.act = Some(activations::get(&self.activation)?);
        if let Some(r) = &self.activity_regularizer {
            r.resolve()?;
        }
        self.kernel = Some(self.kernel_spec.make_axes(&self.path, "kernel", &a.kernel, &a.input_axes, &a.output_axes)?);
        self.bias = match &a.bias {
            Some(shape) => Some(self.bias_spec.make(&self.path, "bias", shape, true)?),
            None => None,
        };
        self.rank = dims.len();
        self.built = true;
        Ok(())
    }
}

impl Layer for EinsumDense {
    layer_basics!("EinsumDense");
    fn build(&mut self, x: &Tensor) -> Result<()> {
        self.build_dims(&x.dims())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let Some(kernel) = &self.kernel else { crate::bail!("not built") };
        if x.rank() != self.rank {
            crate::bail!("Input 0 is incompatible with the layer: expected ndim={}, found ndim={}. Full shape received: {}", self.rank, x.rank(), keras_shape(&x.dims()));
        }
        let mut y = ops::einsum(&self.equation, &[x.clone(), kernel.tensor()])?;
        self.kernel_spec.penalty(kernel, x, cx)?;
        if let Some(b) = &self.bias {
            y = ops::add(&y, &b.tensor())?;
            self.bias_spec.penalty(b, x, cx)?;
        }
        let act = self.act.unwrap_or(|x| Ok(x.clone()));
        Ok(vec![act(&y)?])
    }
    fn weights(&self) -> Vec<Variable> {
        self.kernel.iter().chain(self.bias.iter()).cloned().collect()
    }
    fn activity_regularizer(&self) -> Option<Regularizer> {
        self.activity_regularizer.as_ref().and_then(|r| r.resolve().ok())
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("output_shape".into(), json!(self.output_shape.0));
        c.insert("equation".into(), json!(self.equation));
        c.insert("activation".into(), json!(self.activation));
        c.insert("bias_axes".into(), self.bias_axes.as_ref().map(|b| json!(b)).unwrap_or(Value::Null));
        c.insert("kernel_initializer".into(), self.kernel_spec.initializer.to_config());
        c.insert("bias_initializer".into(), self.bias_spec.initializer.to_config());
        c.insert("kernel_regularizer".into(), regularizers::to_config_opt(&self.kernel_spec.regularizer));
        c.insert("bias_regularizer".into(), regularizers::to_config_opt(&self.bias_spec.regularizer));
        c.insert("activity_regularizer".into(), regularizers::to_config_opt(&self.activity_regularizer));
        c.insert("kernel_constraint".into(), crate::constraints::to_config_opt(&self.kernel_spec.constraint));
        c.insert("bias_constraint".into(), crate::constraints::to_config_opt(&self.bias_spec.constraint));
        c.insert("quantization_config".into(), Value::Null);
        c
    }
}

impl EinsumDense {
    /// Set the layer's name (Keras's `name=`); it is also its weights' path prefix.
    pub fn name(mut self, n: &str) -> EinsumDense {
        if self.path == self.name {
            self.path = n.to_string();
        }
        self.name = n.to_string();
        self
    }
}

impl crate::layers::Named for EinsumDense {
    fn with_name(self, n: &str) -> EinsumDense {
        self.name(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(d: &[u64]) -> Vec<Dim> {
        d.iter().map(|&n| Dim::Known(n)).collect()
    }

    #[test]
    fn shapes_follow_kerass_analysis() {
        let a = analyze("abc,cde->abde", Some("de"), &[Dim::sym("N"), Dim::Known(4), Dim::Known(6)], &[None, Some(2), Some(3)]).unwrap();
        assert_eq!(a, Analysis { kernel: vec![6, 2, 3], bias: Some(vec![2, 3]), input_axes: vec![0], output_axes: vec![1, 2] });
        let a = analyze("abc,cde->abde", Some("d"), &known(&[2, 4, 6]), &[None, Some(2), Some(3)]).unwrap();
        assert_eq!(a.bias, Some(vec![2, 1]));
        let a = analyze("...b,bc->...c", Some("c"), &known(&[2, 3, 4, 5]), &[Some(3)]).unwrap();
        assert_eq!((a.kernel, a.bias), (vec![5, 3], Some(vec![3])));
        let a = analyze("ab...,bc->ac...", Some("c"), &known(&[2, 4, 5]), &[Some(3)]).unwrap();
        assert_eq!((a.kernel, a.bias), (vec![4, 3], Some(vec![3, 1])));
        let e = analyze("ab,bc->ac", None, &known(&[2, 4]), &[Some(3), Some(4)]).unwrap_err().to_string();
        assert!(e.contains("must give 1 extents"), "{e}");
        let e = analyze("ab->ac", None, &known(&[2, 4]), &[Some(3)]).unwrap_err().to_string();
        assert!(e.contains("Invalid einsum equation"), "{e}");
        let e = analyze("ab,bd->ac", None, &known(&[2, 4]), &[Some(3)]).unwrap_err().to_string();
        assert!(e.contains("Dimension 'c' was specified in the output"), "{e}");
        let e = analyze("abc,cd->abd", None, &known(&[2, 4, 6]), &[Some(5), Some(3)]).unwrap_err().to_string();
        assert!(e.contains("do not match at shared dimension 'b'"), "{e}");
    }
}
