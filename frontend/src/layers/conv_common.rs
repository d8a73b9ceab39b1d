//! What every convolution layer has besides its kernels (Keras's `BaseConv`,
//! `BaseConvTranspose`, `BaseDepthwiseConv`, `BaseSeparableConv`): the geometry
//! arguments, the bias, the activation and the activity regularizer, their checks,
//! their config entries, and the builder methods (one macro for all four families).
use super::core::keras_shape;
use super::spatial::{channels_first, check_padding, expect_rank, known_axis, py_tuple, tuple_value, Ints};
use super::weights::{read, WeightSpec};
use super::CallCtx;
use crate::activations::{self, ActivationFn};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::regularizers::{RegArg, Regularizer};
use crate::tensor::Tensor;
use crate::variable::Variable;
use serde_json::json;

/// The arguments a convolution layer of `rank` spatial dims shares with the others.
#[derive(Clone, Debug)]
pub struct ConvArgs {
    pub rank: usize,
    pub kernel_size: Ints,
    pub strides: Ints,
    pub padding: String,
    pub data_format: String,
    pub dilation_rate: Ints,
    pub activation: String,
    pub use_bias: bool,
    pub bias: WeightSpec,
    pub activity_regularizer: Option<RegArg>,
}

/// The arguments checked and expanded to one value per spatial dim (at build).
#[derive(Clone, Debug)]
pub struct Geometry {
    pub kernel_size: Vec<usize>,
    pub strides: Vec<usize>,
    pub dilation_rate: Vec<usize>,
    pub channels_first: bool,
    pub act: ActivationFn,
}

impl ConvArgs {
    pub fn new(rank: usize, kernel_size: Ints) -> ConvArgs {
        ConvArgs {
            rank,
            kernel_size,
            strides: Ints(vec![1]),
            padding: "valid".into(),
            data_format: "channels_last".into(),
            dilation_rate: Ints(vec![1]),
            activation: "linear".into(),
            use_bias: true,
            bias: WeightSpec::new("zeros"),
            activity_regularizer: None,
        }
    }

    /// Keras's constructor checks, made at build (kc's builders cannot fail), with
    /// Keras's messages.
    pub fn resolve(&self, allow_causal: bool) -> Result<Geometry> {
        let n = self.rank;
        let kernel_size = self.kernel_size.tuple(n, "kernel_size", false)?;
        let strides = self.strides.tuple(n, "strides", false)?;
        let dilation_rate = self.dilation_rate.tuple(n, "dilation_rate", false)?;
        check_padding(&self.padding, allow_causal)?;
        let cf = channels_first(&self.data_format)?;
        if strides.iter().any(|&s| s > 1) && dilation_rate.iter().any(|&d| d > 1) {
            crate::bail!(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides={} and dilation_rate={}",
                py_tuple(&strides),
                py_tuple(&dilation_rate)
            );
        }
        if let Some(r) = &self.activity_regularizer {
            r.resolve()?;
        }
        Ok(Geometry { kernel_size, strides, dilation_rate, channels_first: cf, act: activations::get(&self.activation)? })
    }

    /// The input's channel count, after checking its rank (batch, `rank` spatial dims,
    /// channels).
    pub fn channels(&self, x: &Tensor, g: &Geometry) -> Result<usize> {
        expect_rank(x, self.rank + 2)?;
        known_axis(x, ops::channel_axis(x.rank(), g.channels_first), "channel")
    }

    /// That a built layer sees the channel count it was built for.
    pub fn check_channels(&self, x: &Tensor, g: &Geometry, want: usize) -> Result<()> {
        let c = self.channels(x, g)?;
        if c != want {
            let a: i64 = if g.channels_first { 1 } else { -1 };
            crate::bail!("Input 0 is incompatible with the layer: expected axis {a} of input shape to have value {want}, but received input with shape {}", keras_shape(&x.dims()));
        }
        Ok(())
    }

    /// With `valid` padding, a kernel (dilated) larger than the input would make an
    /// empty output; Keras refuses it when computing the output shape.
    pub fn check_fits(&self, x: &Tensor, g: &Geometry, padding: &str) -> Result<()> {
        if padding != "valid" {
            return Ok(());
        }
        let input = ops::spatial_extents(x, g.channels_first, "the convolution")?;
        let window: Vec<usize> = (0..self.rank).map(|i| (g.kernel_size[i] - 1) * g.dilation_rate[i] + 1).collect();
        if input.iter().zip(&window).any(|(&i, &w)| (i as usize) < w) {
            crate::bail!(
                "Computed output size would be zero or negative: the kernel {} with dilation_rate={} covers {} positions, more than the unpadded input's spatial dims {} (input shape {}, padding=\"valid\")",
                py_tuple(&g.kernel_size),
                py_tuple(&g.dilation_rate),
                py_tuple(&window),
                py_tuple(&input),
                keras_shape(&x.dims())
            );
        }
        Ok(())
    }

    /// Bias, then activation (Keras's `call` after the convolution); the bias's
    /// penalty joins the call's losses.
    pub fn finish(&self, y: Tensor, bias: Option<&Variable>, g: &Geometry, cx: &CallCtx) -> Result<Tensor> {
        let y = match bias {
            Some(b) => {
                self.bias.penalty(b, &y, cx)?;
                let b = read(b, &y)?;
                let b = if g.channels_first {
                    // (F,) -> (F, 1, ...): lines up with the channel axis 1
                    let mut d = b.dims();
                    d.extend(std::iter::repeat_n(kc_ir::Dim::Known(1), self.rank));
                    ops::reshape_dims(&b, d)?
                } else {
                    b
                };
                ops::add(&y, &b)?
            }
            None => y,
        };
        (g.act)(&y)
    }

    pub fn activity(&self) -> Option<Regularizer> {
        self.activity_regularizer.as_ref().and_then(|r| r.resolve().ok())
    }

    /// The config entries of the shared arguments (the kernel's are the layer's).
    pub fn config_into(&self, c: &mut Config) {
        let n = self.rank;
        let t = |v: &Ints, name: &str, zero: bool| v.tuple(n, name, zero).map(|v| tuple_value(&v)).unwrap_or_else(|_| json!(v.0));
        c.insert("kernel_size".into(), t(&self.kernel_size, "kernel_size", false));
        c.insert("strides".into(), t(&self.strides, "strides", false));
        c.insert("padding".into(), json!(self.padding));
        c.insert("data_format".into(), json!(self.data_format));
        c.insert("dilation_rate".into(), t(&self.dilation_rate, "dilation_rate", false));
        c.insert("activation".into(), json!(self.activation));
        c.insert("use_bias".into(), json!(self.use_bias));
        c.insert("bias_initializer".into(), self.bias.initializer.to_config());
        c.insert("bias_regularizer".into(), crate::regularizers::to_config_opt(&self.bias.regularizer));
        c.insert("activity_regularizer".into(), crate::regularizers::to_config_opt(&self.activity_regularizer));
        c.insert("bias_constraint".into(), crate::constraints::to_config_opt(&self.bias.constraint));
    }
}

/// The builder methods every convolution layer has (`strides(2)`, `padding("same")`,
/// ...), for a generic layer struct with `name` and `args: ConvArgs` fields.
macro_rules! conv_builders {
    ($ty:ident) => {
        impl<const N: usize> $ty<N> {
            /// Keras's `name=`: the layer's name, prefixing its weights' paths.
            pub fn name(mut self, n: &str) -> Self {
                self.name = n.to_string();
                self
            }
            /// One stride for every spatial dim, or one per dim.
            pub fn strides(mut self, s: impl Into<$crate::layers::Ints>) -> Self {
                self.args.strides = s.into();
                self
            }
            /// `"valid"` or `"same"` (`"causal"` too for `Conv1D`).
            pub fn padding(mut self, p: &str) -> Self {
                self.args.padding = p.to_lowercase();
                self
            }
            /// `"channels_last"` (the default: (batch, spatial..., channels)) or
            /// `"channels_first"` ((batch, channels, spatial...)).
            pub fn data_format(mut self, f: &str) -> Self {
                self.args.data_format = f.to_lowercase();
                self
            }
            pub fn dilation_rate(mut self, d: impl Into<$crate::layers::Ints>) -> Self {
                self.args.dilation_rate = d.into();
                self
            }
            pub fn activation(mut self, a: &str) -> Self {
                self.args.activation = a.to_string();
                self
            }
            pub fn use_bias(mut self, b: bool) -> Self {
                self.args.use_bias = b;
                self
            }
            pub fn bias_initializer(mut self, i: impl Into<$crate::initializers::InitArg>) -> Self {
                self.args.bias.initializer = i.into();
                self
            }
            pub fn bias_regularizer(mut self, r: impl Into<$crate::regularizers::RegArg>) -> Self {
                self.args.bias.regularizer = Some(r.into());
                self
            }
            pub fn bias_constraint(mut self, c: impl Into<$crate::constraints::ConstraintArg>) -> Self {
                self.args.bias.constraint = Some(c.into());
                self
            }
            /// A penalty on the output, divided by the batch size.
            pub fn activity_regularizer(mut self, r: impl Into<$crate::regularizers::RegArg>) -> Self {
                self.args.activity_regularizer = Some(r.into());
                self
            }
        }
        impl<const N: usize> $crate::layers::Named for $ty<N> {
            fn with_name(self, n: &str) -> Self {
                self.name(n)
            }
        }
    };
}

/// The builder methods of one kernel weight (`kernel_initializer`, ... for `prefix`
/// `kernel`), for the `WeightSpec` field `$field`.
macro_rules! weight_builders {
    ($ty:ident, $field:ident, $init:ident, $reg:ident, $con:ident) => {
        impl<const N: usize> $ty<N> {
            pub fn $init(mut self, i: impl Into<$crate::initializers::InitArg>) -> Self {
                self.$field.initializer = i.into();
                self
            }
            /// A penalty on this weight added to the loss on each call.
            pub fn $reg(mut self, r: impl Into<$crate::regularizers::RegArg>) -> Self {
                self.$field.regularizer = Some(r.into());
                self
            }
            /// A projection of this weight after each optimizer step.
            pub fn $con(mut self, c: impl Into<$crate::constraints::ConstraintArg>) -> Self {
                self.$field.constraint = Some(c.into());
                self
            }
        }
    };
}
