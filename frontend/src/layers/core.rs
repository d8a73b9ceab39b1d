//! Core layers: Input, Dense, Activation, Identity, Lambda.
use super::weights::{reg_config, WeightSpec};
use super::{base_config, snake, unique_name, CallCtx, Layer};
use crate::activations::{self, ActivationFn};
use crate::config::Config;
use crate::constraints::ConstraintArg;
use crate::error::Result;
use crate::initializers::InitArg;
use crate::ops;
use crate::regularizers::{RegArg, Regularizer};
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::{DType, Dim};
use serde_json::json;
use std::rc::Rc;

/// Shape as Keras prints it: `(None, 784)`.
pub fn keras_shape(dims: &[Dim]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| match d {
        Dim::Known(n) => n.to_string(),
        Dim::Sym(_) => "None".to_string(),
    }).collect();
    if parts.len() == 1 {
        format!("({},)", parts[0])
    } else {
        format!("({})", parts.join(", "))
    }
}

/// `keras.Input`: declares the shape of one sample (without the batch dim) and checks it.
pub struct Input {
    name: String,
    built: bool,
    pub shape: Vec<Option<usize>>,
    pub dtype: DType,
    /// A fixed batch size (Keras's `batch_size=`), which a stateful recurrent layer needs
    /// to size its states; the traced steps keep a symbolic batch either way.
    pub batch_size: Option<usize>,
}

impl Input {
    pub fn new(shape: &[usize]) -> Input {
        Input::with_shape(&shape.iter().map(|&d| Some(d)).collect::<Vec<_>>())
    }
    /// A shape with unknown entries (`None`), e.g. a variable sequence length.
    pub fn with_shape(shape: &[Option<usize>]) -> Input {
        Input { name: unique_name("input_layer"), built: false, shape: shape.to_vec(), dtype: DType::F32, batch_size: None }
    }
    pub fn dtype(mut self, d: DType) -> Input {
        self.dtype = d;
        self
    }
    /// `keras.Input(shape, batch_size=b)`: the model is built for batches of `b` (what a
    /// `stateful` recurrent layer needs); fit still traces its steps for any batch size.
    pub fn batch_size(mut self, b: usize) -> Input {
        self.batch_size = Some(b);
        self
    }
    /// `keras.Input(shape)`: the symbolic tensor a Functional model starts from, with a
    /// batch axis `N` of any size.
    pub fn tensor(&self) -> Tensor {
        let mut dims = vec![Dim::sym("N")];
        dims.extend(self.shape.iter().map(|d| match d {
            Some(n) => Dim::Known(*n as u64),
            None => Dim::sym(&format!("{}_len", self.name)),
        }));
        crate::graph::Graph::functional().input(&self.name, kc_ir::TensorType::new(self.dtype, kc_ir::Shape(dims)))
    }
}

impl Layer for Input {
    layer_basics!("InputLayer");
    fn as_input(&self) -> Option<&Input> {
        Some(self)
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let dims = x.dims();
        let ok = dims.len() == self.shape.len() + 1
            && dims[1..].iter().zip(&self.shape).all(|(d, s)| s.is_none() || d.known() == s.map(|v| v as u64));
        if !ok {
            let want: Vec<String> = self.shape.iter().map(|s| s.map(|v| v.to_string()).unwrap_or("None".into())).collect();
            crate::bail!("expected input shape (None, {}), but received input with shape {}", want.join(", "), keras_shape(&dims));
        }
        Ok(vec![x.clone()])
    }
    fn get_config(&self) -> Config {
        let mut batch_shape = vec![self.batch_size.map(|b| json!(b)).unwrap_or(serde_json::Value::Null)];
        batch_shape.extend(self.shape.iter().map(|d| d.map(|v| json!(v)).unwrap_or(serde_json::Value::Null)));
        crate::config::config(&[
            ("batch_shape", json!(batch_shape)),
            ("dtype", json!(keras_dtype(self.dtype))),
            ("sparse", json!(false)),
            ("ragged", json!(false)),
            ("name", json!(self.name)),
            ("optional", json!(false)),
        ])
    }
}

/// A dtype by Keras's name (`float32`, `int32`, ...).
pub fn keras_dtype(d: DType) -> &'static str {
    match d {
        DType::F32 => "float32",
        DType::F64 => "float64",
        DType::F16 => "float16",
        DType::BF16 => "bfloat16",
        DType::I8 => "int8",
        DType::I32 => "int32",
        DType::I64 => "int64",
        DType::U8 => "uint8",
        DType::U32 => "uint32",
        DType::Bool => "bool",
    }
}

/// `keras.layers.Dense`: `activation(x @ kernel + bias)` on the last axis (inputs of
/// rank > 2 are multiplied on their last axis).
pub struct Dense {
    name: String,
    built: bool,
    pub units: usize,
    activation: String,
    act: Option<ActivationFn>,
    pub use_bias: bool,
    kernel_spec: WeightSpec,
    bias_spec: WeightSpec,
    activity_regularizer: Option<RegArg>,
    kernel: Option<Variable>,
    bias: Option<Variable>,
}

impl Dense {
    pub fn new(units: usize) -> Dense {
        Dense {
            name: unique_name("dense"),
            built: false,
            units,
            activation: "linear".into(),
            act: None,
            use_bias: true,
            kernel_spec: WeightSpec::new("glorot_uniform"),
            bias_spec: WeightSpec::new("zeros"),
            activity_regularizer: None,
            kernel: None,
            bias: None,
        }
    }
    pub fn activation(mut self, a: &str) -> Dense {
        self.activation = a.to_string();
        self
    }
    pub fn use_bias(mut self, b: bool) -> Dense {
        self.use_bias = b;
        self
    }
    pub fn kernel_initializer(mut self, i: impl Into<InitArg>) -> Dense {
        self.kernel_spec.initializer = i.into();
        self
    }
    pub fn bias_initializer(mut self, i: impl Into<InitArg>) -> Dense {
        self.bias_spec.initializer = i.into();
        self
    }
    /// A penalty on the kernel added to the loss on each call (`"l2"`, `Regularizer::l1(0.1)?`).
    pub fn kernel_regularizer(mut self, r: impl Into<RegArg>) -> Dense {
        self.kernel_spec.regularizer = Some(r.into());
        self
    }
    pub fn bias_regularizer(mut self, r: impl Into<RegArg>) -> Dense {
        self.bias_spec.regularizer = Some(r.into());
        self
    }
    /// A penalty on the output, divided by the batch size.
    pub fn activity_regularizer(mut self, r: impl Into<RegArg>) -> Dense {
        self.activity_regularizer = Some(r.into());
        self
    }
    /// A projection of the kernel after each optimizer step (`"max_norm"`, `"non_neg"`, ...).
    pub fn kernel_constraint(mut self, c: impl Into<ConstraintArg>) -> Dense {
        self.kernel_spec.constraint = Some(c.into());
        self
    }
    pub fn bias_constraint(mut self, c: impl Into<ConstraintArg>) -> Dense {
        self.bias_spec.constraint = Some(c.into());
        self
    }
    pub fn kernel(&self) -> Option<&Variable> {
        self.kernel.as_ref()
    }
    pub fn bias(&self) -> Option<&Variable> {
        self.bias.as_ref()
    }
}

impl Layer for Dense {
    layer_basics!("Dense");
    pass_masks!();
    fn build(&mut self, x: &Tensor) -> Result<()> {
        if self.units == 0 {
            crate::bail!("Received an invalid value for `units`, expected a positive integer. Received: units=0");
        }
        if x.rank() < 2 {
            crate::bail!("Input 0 is incompatible with the layer: expected min_ndim=2, found ndim={}. Full shape received: {}", x.rank(), keras_shape(&x.dims()));
        }
        let Some(Dim::Known(k)) = x.dims().last().cloned() else {
            crate::bail!("the last axis of the input {} must be known to build the kernel", keras_shape(&x.dims()));
        };
        self.act = Some(activations::get(&self.activation)?);
        if let Some(r) = &self.activity_regularizer {
            r.resolve()?;
        }
        self.kernel = Some(self.kernel_spec.make(&self.name, "kernel", &[k as usize, self.units], true)?);
        if self.use_bias {
            self.bias = Some(self.bias_spec.make(&self.name, "bias", &[self.units], true)?);
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let Some(kernel) = &self.kernel else { crate::bail!("not built") };
        let rows = kernel.shape()[0] as u64;
        if x.rank() < 2 || x.dims().last().and_then(|d| d.known()) != Some(rows) {
            crate::bail!(
                "Input 0 is incompatible with the layer: expected axis -1 of input shape to have value {rows}, but received input with shape {}",
                keras_shape(&x.dims())
            );
        }
        let mut y = ops::matmul(x, &kernel.tensor())?;
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
        c.insert("units".into(), json!(self.units));
        c.insert("activation".into(), json!(self.activation));
        c.insert("use_bias".into(), json!(self.use_bias));
        c.insert("kernel_initializer".into(), self.kernel_spec.initializer.to_config());
        c.insert("bias_initializer".into(), self.bias_spec.initializer.to_config());
        c.insert("kernel_regularizer".into(), reg_config(&self.kernel_spec.regularizer));
        c.insert("bias_regularizer".into(), reg_config(&self.bias_spec.regularizer));
        c.insert("kernel_constraint".into(), crate::constraints::to_config_opt(&self.kernel_spec.constraint));
        c.insert("bias_constraint".into(), crate::constraints::to_config_opt(&self.bias_spec.constraint));
        c.insert("quantization_config".into(), serde_json::Value::Null);
        if self.activity_regularizer.is_some() {
            c.insert("activity_regularizer".into(), reg_config(&self.activity_regularizer));
        }
        c
    }
}

/// `keras.layers.Activation`.
pub struct Activation {
    name: String,
    built: bool,
    activation: String,
}

impl Activation {
    pub fn new(activation: &str) -> Activation {
        Activation { name: unique_name(&snake("Activation")), built: false, activation: activation.to_string() }
    }
}

impl Layer for Activation {
    layer_basics!("Activation");
    pass_masks!();
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        Ok(vec![activations::get(&self.activation)?(&inputs[0])?])
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("activation".into(), json!(self.activation));
        c
    }
}

/// `keras.layers.Identity`: returns its input.
pub struct Identity {
    name: String,
    built: bool,
}

impl Identity {
    pub fn new() -> Identity {
        Identity { name: unique_name("identity"), built: false }
    }
}

impl Default for Identity {
    fn default() -> Identity {
        Identity::new()
    }
}

impl Layer for Identity {
    layer_basics!("Identity");
    pass_masks!();
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        Ok(inputs.to_vec())
    }
}

/// What a `Lambda` computes: tensors in, tensors out.
pub type LambdaFn = Rc<dyn Fn(&[Tensor]) -> Result<Vec<Tensor>>>;

/// `keras.layers.Lambda`: a Rust closure as a layer (no weights). It is traced like any
/// layer, so it must be written with `kc::ops`.
pub struct Lambda {
    name: String,
    built: bool,
    function: LambdaFn,
}

impl Lambda {
    /// A single-input, single-output function.
    pub fn new(f: impl Fn(&Tensor) -> Result<Tensor> + 'static) -> Lambda {
        Lambda::multi(move |xs: &[Tensor]| Ok(vec![f(&xs[0])?]))
    }
    /// A function of all inputs, returning any number of outputs.
    pub fn multi(f: impl Fn(&[Tensor]) -> Result<Vec<Tensor>> + 'static) -> Lambda {
        Lambda { name: unique_name("lambda"), built: false, function: Rc::new(f) }
    }
}

impl Layer for Lambda {
    layer_basics!("Lambda");
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        (self.function)(inputs)
    }
    /// The closure cannot be serialized: the config says so in place of Keras's
    /// marshalled Python function.
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("function".into(), json!({"class_name": "__rust_closure__", "config": null}));
        c.insert("arguments".into(), json!({}));
        c
    }
}

named!(Input, Dense, Activation, Identity, Lambda);
