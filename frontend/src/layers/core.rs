//! Core layers: Input, Dense, Activation, Flatten.
use super::{snake, unique_name, CallCtx, Layer};
use crate::activations::{self, ActivationFn};
use crate::error::Result;
use crate::initializers::InitArg;
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::{DType, Dim};

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

macro_rules! layer_basics {
    ($class:literal) => {
        fn name(&self) -> &str {
            &self.name
        }
        fn class_name(&self) -> &'static str {
            $class
        }
        fn built(&self) -> bool {
            self.built
        }
        fn set_built(&mut self) {
            self.built = true;
        }
    };
}

/// `keras.Input`: declares the shape of one sample (without the batch dim) and checks it.
pub struct Input {
    name: String,
    built: bool,
    pub shape: Vec<Option<usize>>,
    pub dtype: DType,
}

impl Input {
    pub fn new(shape: &[usize]) -> Input {
        Input::with_shape(&shape.iter().map(|&d| Some(d)).collect::<Vec<_>>())
    }
    /// A shape with unknown entries (`None`), e.g. a variable sequence length.
    pub fn with_shape(shape: &[Option<usize>]) -> Input {
        Input { name: unique_name("input_layer"), built: false, shape: shape.to_vec(), dtype: DType::F32 }
    }
    pub fn dtype(mut self, d: DType) -> Input {
        self.dtype = d;
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
}

/// `keras.layers.Dense`: `activation(x @ kernel + bias)` on the last axis.
pub struct Dense {
    name: String,
    built: bool,
    pub units: usize,
    activation: String,
    act: Option<ActivationFn>,
    pub use_bias: bool,
    kernel_initializer: InitArg,
    bias_initializer: InitArg,
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
            kernel_initializer: "glorot_uniform".into(),
            bias_initializer: "zeros".into(),
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
        self.kernel_initializer = i.into();
        self
    }
    pub fn bias_initializer(mut self, i: impl Into<InitArg>) -> Dense {
        self.bias_initializer = i.into();
        self
    }
    pub fn name(mut self, n: &str) -> Dense {
        self.name = n.to_string();
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
    fn build(&mut self, x: &Tensor) -> Result<()> {
        let Some(Dim::Known(k)) = x.dims().last().cloned() else {
            crate::bail!("the last axis of the input {} must be known to build the kernel", keras_shape(&x.dims()));
        };
        self.act = Some(activations::get(&self.activation)?);
        let kinit = self.kernel_initializer.resolve()?;
        let kernel = kinit.sample(&[k as usize, self.units], DType::F32)?;
        self.kernel = Some(Variable::new(format!("{}/kernel", self.name), kernel, true));
        if self.use_bias {
            let b = self.bias_initializer.resolve()?.sample(&[self.units], DType::F32)?;
            self.bias = Some(Variable::new(format!("{}/bias", self.name), b, true));
        }
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let Some(kernel) = &self.kernel else { crate::bail!("not built") };
        let rows = kernel.shape()[0] as u64;
        if x.dims().last().and_then(|d| d.known()) != Some(rows) {
            crate::bail!(
                "Input 0 is incompatible with the layer: expected axis -1 of input shape to have value {rows}, but received input with shape {}",
                keras_shape(&x.dims())
            );
        }
        let mut y = ops::matmul(x, &kernel.tensor())?;
        if let Some(b) = &self.bias {
            y = ops::add(&y, &b.tensor())?;
        }
        let act = self.act.unwrap_or(|x| Ok(x.clone()));
        Ok(vec![act(&y)?])
    }
    fn weights(&self) -> Vec<Variable> {
        self.kernel.iter().chain(self.bias.iter()).cloned().collect()
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
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        Ok(vec![activations::get(&self.activation)?(&inputs[0])?])
    }
}

/// `keras.layers.Flatten`: keep the batch axis, flatten the rest.
pub struct Flatten {
    name: String,
    built: bool,
}

impl Flatten {
    pub fn new() -> Flatten {
        Flatten { name: unique_name("flatten"), built: false }
    }
}

impl Default for Flatten {
    fn default() -> Flatten {
        Flatten::new()
    }
}

impl Layer for Flatten {
    layer_basics!("Flatten");
    fn call(&mut self, inputs: &[Tensor], _: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let dims = x.dims();
        if dims.is_empty() {
            crate::bail!("cannot flatten a scalar");
        }
        let mut n = 1u64;
        for d in &dims[1..] {
            match d.known() {
                Some(k) => n *= k,
                None => crate::bail!("cannot flatten {}: only the batch axis may be unknown", keras_shape(&dims)),
            }
        }
        Ok(vec![ops::reshape_dims(x, vec![dims[0].clone(), Dim::Known(n)])?])
    }
}
