//! Convolution layers: `Conv1D`/`Conv2D`/`Conv3D` (`Conv<N>`) and the transposed
//! `Conv1DTranspose`/`Conv2DTranspose`/`Conv3DTranspose` (`ConvTranspose<N>`), with
//! Keras's weights: `kernel` (spatial..., in / groups, filters) — transposed:
//! (spatial..., filters, in) — and `bias` (filters,).
use super::conv_common::{ConvArgs, Geometry};
use super::spatial::{py_tuple, tuple_value, Ints};
use super::weights::WeightSpec;
use super::{base_config, snake, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::regularizers::Regularizer;
use crate::tensor::Tensor;
use crate::variable::Variable;
use serde_json::{json, Value};

/// `keras.layers.Conv{N}D(filters, kernel_size)`: cross-correlation over `N` spatial
/// dims, optionally in `groups` (each group of `in / groups` channels gets
/// `filters / groups` filters). `Conv1D` also takes `padding("causal")`: the input is
/// padded on the left by `dilation * (kernel - 1)`, so output `t` sees only inputs
/// `<= t`.
pub struct Conv<const N: usize> {
    name: String,
    built: bool,
    pub filters: usize,
    pub groups: usize,
    args: ConvArgs,
    kernel_spec: WeightSpec,
    geometry: Option<Geometry>,
    in_channels: usize,
    kernel: Option<Variable>,
    bias: Option<Variable>,
}

pub type Conv1D = Conv<1>;
pub type Conv2D = Conv<2>;
pub type Conv3D = Conv<3>;

impl<const N: usize> Conv<N> {
    const CLASS: &'static str = match N {
        1 => "Conv1D",
        2 => "Conv2D",
        _ => "Conv3D",
    };

    /// `filters` output channels from a kernel of `kernel_size` (one size or one per
    /// spatial dim).
    pub fn new(filters: usize, kernel_size: impl Into<Ints>) -> Conv<N> {
        Conv {
            name: unique_name(&snake(Self::CLASS)),
            built: false,
            filters,
            groups: 1,
            args: ConvArgs::new(N, kernel_size.into()),
            kernel_spec: WeightSpec::new("glorot_uniform"),
            geometry: None,
            in_channels: 0,
            kernel: None,
            bias: None,
        }
    }
    /// Split the channels into `groups` independent convolutions.
    pub fn groups(mut self, g: usize) -> Conv<N> {
        self.groups = g;
        self
    }
    pub fn kernel(&self) -> Option<&Variable> {
        self.kernel.as_ref()
    }
    pub fn bias(&self) -> Option<&Variable> {
        self.bias.as_ref()
    }
}

conv_builders!(Conv);
weight_builders!(Conv, kernel_spec, kernel_initializer, kernel_regularizer, kernel_constraint);

impl<const N: usize> Layer for Conv<N> {
    layer_basics!(Self::CLASS);
    fn build(&mut self, x: &Tensor) -> Result<()> {
        let g = self.args.resolve(N == 1)?;
        if self.filters == 0 {
            crate::bail!("Invalid value for argument `filters`. Expected a strictly positive value. Received filters=0.");
        }
        if self.groups == 0 {
            crate::bail!("The number of groups must be a positive integer. Received: groups=0.");
        }
        if !self.filters.is_multiple_of(self.groups) {
            crate::bail!("The number of filters must be evenly divisible by the number of groups. Received: groups={}, filters={}.", self.groups, self.filters);
        }
        let c = self.args.channels(x, &g)?;
        if c % self.groups != 0 {
            crate::bail!(
                "The number of input channels must be evenly divisible by the number of groups. Received groups={}, but the input has {c} channels (full input shape is {}).",
                self.groups,
                super::keras_shape(&x.dims())
            );
        }
        let mut shape = g.kernel_size.clone();
        shape.extend([c / self.groups, self.filters]);
        self.kernel = Some(self.kernel_spec.make(&self.name, "kernel", &shape, true)?);
        if self.args.use_bias {
            self.bias = Some(self.args.bias.make(&self.name, "bias", &[self.filters], true)?);
        }
        self.in_channels = c;
        self.geometry = Some(g);
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let (Some(g), Some(kernel)) = (&self.geometry, &self.kernel) else { crate::bail!("not built") };
        let x = &inputs[0];
        self.args.check_channels(x, g, self.in_channels)?;
        let (x, padding) = if self.args.padding == "causal" {
            // Keras pads the time axis on the left and convolves with `valid`
            let left = g.dilation_rate[0] * (g.kernel_size[0] - 1);
            let mut pads = vec![(0, 0); 3];
            pads[if g.channels_first { 2 } else { 1 }] = (left, 0);
            (ops::pad(x, &pads, 0.0)?, "valid")
        } else {
            (x.clone(), self.args.padding.as_str())
        };
        self.args.check_fits(&x, g, padding)?;
        let y = ops::conv(&x, &kernel.tensor(), &g.strides, padding, &self.args.data_format, &g.dilation_rate)?;
        self.kernel_spec.penalty(kernel, &x, cx)?;
        Ok(vec![self.args.finish(y, self.bias.as_ref(), g, cx)?])
    }
    fn weights(&self) -> Vec<Variable> {
        self.kernel.iter().chain(self.bias.iter()).cloned().collect()
    }
    fn activity_regularizer(&self) -> Option<Regularizer> {
        self.args.activity()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("filters".into(), json!(self.filters));
        self.args.config_into(&mut c);
        c.insert("groups".into(), json!(self.groups));
        self.kernel_spec.config_into(&mut c, "kernel");
        c
    }
}

/// `keras.layers.Conv{N}DTranspose(filters, kernel_size)`: the transpose of a
/// convolution (the gradient of one with respect to its input), which upsamples by
/// `strides`. `output_padding` adds that many rows at the end of each spatial dim
/// (less than the stride); without it the output is `in * stride` (`same`) or
/// `(in - 1) * stride + max(kernel, stride)` (`valid`).
pub struct ConvTranspose<const N: usize> {
    name: String,
    built: bool,
    pub filters: usize,
    pub output_padding: Option<Ints>,
    args: ConvArgs,
    kernel_spec: WeightSpec,
    geometry: Option<Geometry>,
    output_pad: Option<Vec<usize>>,
    in_channels: usize,
    kernel: Option<Variable>,
    bias: Option<Variable>,
}

pub type Conv1DTranspose = ConvTranspose<1>;
pub type Conv2DTranspose = ConvTranspose<2>;
pub type Conv3DTranspose = ConvTranspose<3>;

impl<const N: usize> ConvTranspose<N> {
    const CLASS: &'static str = match N {
        1 => "Conv1DTranspose",
        2 => "Conv2DTranspose",
        _ => "Conv3DTranspose",
    };

    pub fn new(filters: usize, kernel_size: impl Into<Ints>) -> ConvTranspose<N> {
        ConvTranspose {
            name: unique_name(&snake(Self::CLASS)),
            built: false,
            filters,
            output_padding: None,
            args: ConvArgs::new(N, kernel_size.into()),
            kernel_spec: WeightSpec::new("glorot_uniform"),
            geometry: None,
            output_pad: None,
            in_channels: 0,
            kernel: None,
            bias: None,
        }
    }
    /// Extra output rows at the end of each spatial dim (each less than its stride).
    pub fn output_padding(mut self, p: impl Into<Ints>) -> ConvTranspose<N> {
        self.output_padding = Some(p.into());
        self
    }
    pub fn kernel(&self) -> Option<&Variable> {
        self.kernel.as_ref()
    }
    pub fn bias(&self) -> Option<&Variable> {
        self.bias.as_ref()
    }
}

conv_builders!(ConvTranspose);
weight_builders!(ConvTranspose, kernel_spec, kernel_initializer, kernel_regularizer, kernel_constraint);

impl<const N: usize> Layer for ConvTranspose<N> {
    layer_basics!(Self::CLASS);
    fn build(&mut self, x: &Tensor) -> Result<()> {
        let g = self.args.resolve(false)?;
        if self.filters == 0 {
            crate::bail!("Invalid value for argument `filters`. Expected a strictly positive value. Received filters=0.");
        }
        if let Some(op) = &self.output_padding {
            let op = op.tuple(N, "output_padding", true)?;
            if let Some(i) = (0..N).find(|&i| op[i] >= g.strides[i]) {
                crate::bail!(
                    "`output_padding` must be strictly less than `strides` for all dimensions. At dimension {i}, `output_padding` is {} but `strides` is {}. Received: output_padding={}, strides={}",
                    op[i],
                    g.strides[i],
                    py_tuple(&op),
                    py_tuple(&g.strides)
                );
            }
            self.output_pad = Some(op);
        }
        let c = self.args.channels(x, &g)?;
        let mut shape = g.kernel_size.clone();
        shape.extend([self.filters, c]);
        self.kernel = Some(self.kernel_spec.make(&self.name, "kernel", &shape, true)?);
        if self.args.use_bias {
            self.bias = Some(self.args.bias.make(&self.name, "bias", &[self.filters], true)?);
        }
        self.in_channels = c;
        self.geometry = Some(g);
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let (Some(g), Some(kernel)) = (&self.geometry, &self.kernel) else { crate::bail!("not built") };
        let x = &inputs[0];
        self.args.check_channels(x, g, self.in_channels)?;
        ops::spatial_extents(x, g.channels_first, "the transposed convolution")?;
        let y = ops::conv_transpose(x, &kernel.tensor(), &g.strides, &self.args.padding, self.output_pad.as_deref(), &self.args.data_format, &g.dilation_rate)?;
        self.kernel_spec.penalty(kernel, x, cx)?;
        Ok(vec![self.args.finish(y, self.bias.as_ref(), g, cx)?])
    }
    fn weights(&self) -> Vec<Variable> {
        self.kernel.iter().chain(self.bias.iter()).cloned().collect()
    }
    fn activity_regularizer(&self) -> Option<Regularizer> {
        self.args.activity()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("filters".into(), json!(self.filters));
        self.args.config_into(&mut c);
        let op = self.output_padding.as_ref().map(|p| p.tuple(N, "output_padding", true).map(|v| tuple_value(&v)).unwrap_or_else(|_| json!(p.0)));
        c.insert("output_padding".into(), op.unwrap_or(Value::Null));
        self.kernel_spec.config_into(&mut c, "kernel");
        c
    }
}
