//! Depthwise and separable convolutions: `DepthwiseConv1D`/`DepthwiseConv2D`
//! (`DepthwiseConv<N>`: weights `kernel` (spatial..., in, depth_multiplier) and `bias`
//! (in * depth_multiplier,)) and `SeparableConv1D`/`SeparableConv2D`
//! (`SeparableConv<N>`: `depthwise_kernel` (spatial..., in, depth_multiplier),
//! `pointwise_kernel` (1..., in * depth_multiplier, filters), `bias` (filters,)), named
//! and shaped as Keras names and shapes them.
use super::conv_common::{ConvArgs, Geometry};
use super::spatial::Ints;
use super::weights::WeightSpec;
use super::{base_config, snake, unique_name, CallCtx, Layer};
use crate::config::Config;
use crate::error::Result;
use crate::ops;
use crate::regularizers::Regularizer;
use crate::tensor::Tensor;
use crate::variable::Variable;
use serde_json::json;

fn check_multiplier(m: usize) -> Result<()> {
    if m == 0 {
        crate::bail!("Invalid value for argument `depth_multiplier`. Expected a strictly positive value. Received depth_multiplier=0.");
    }
    Ok(())
}

/// `keras.layers.DepthwiseConv{N}D(kernel_size)`: each input channel convolved with
/// its own `depth_multiplier` filters (no mixing between channels); output channel
/// `c * depth_multiplier + m` is channel `c`'s `m`-th filter.
pub struct DepthwiseConv<const N: usize> {
    name: String,
    built: bool,
    pub depth_multiplier: usize,
    args: ConvArgs,
    depthwise_spec: WeightSpec,
    geometry: Option<Geometry>,
    in_channels: usize,
    kernel: Option<Variable>,
    bias: Option<Variable>,
}

pub type DepthwiseConv1D = DepthwiseConv<1>;
pub type DepthwiseConv2D = DepthwiseConv<2>;

impl<const N: usize> DepthwiseConv<N> {
    const CLASS: &'static str = match N {
        1 => "DepthwiseConv1D",
        _ => "DepthwiseConv2D",
    };

    pub fn new(kernel_size: impl Into<Ints>) -> DepthwiseConv<N> {
        DepthwiseConv {
            name: unique_name(&snake(Self::CLASS)),
            built: false,
            depth_multiplier: 1,
            args: ConvArgs::new(N, kernel_size.into()),
            depthwise_spec: WeightSpec::new("glorot_uniform"),
            geometry: None,
            in_channels: 0,
            kernel: None,
            bias: None,
        }
    }
    /// Filters per input channel.
    pub fn depth_multiplier(mut self, m: usize) -> DepthwiseConv<N> {
        self.depth_multiplier = m;
        self
    }
    pub fn kernel(&self) -> Option<&Variable> {
        self.kernel.as_ref()
    }
}

conv_builders!(DepthwiseConv);
weight_builders!(DepthwiseConv, depthwise_spec, depthwise_initializer, depthwise_regularizer, depthwise_constraint);

impl<const N: usize> Layer for DepthwiseConv<N> {
    layer_basics!(Self::CLASS);
    fn build(&mut self, x: &Tensor) -> Result<()> {
        let g = self.args.resolve(false)?;
        check_multiplier(self.depth_multiplier)?;
        let c = self.args.channels(x, &g)?;
        let mut shape = g.kernel_size.clone();
        shape.extend([c, self.depth_multiplier]);
        // Keras names the depthwise layer's kernel `kernel` (the separable layer's is
        // `depthwise_kernel`)
        self.kernel = Some(self.depthwise_spec.make(&self.name, "kernel", &shape, true)?);
        if self.args.use_bias {
            self.bias = Some(self.args.bias.make(&self.name, "bias", &[c * self.depth_multiplier], true)?);
        }
        self.in_channels = c;
        self.geometry = Some(g);
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let (Some(g), Some(kernel)) = (&self.geometry, &self.kernel) else { crate::bail!("not built") };
        let x = &inputs[0];
        self.args.check_channels(x, g, self.in_channels)?;
        self.args.check_fits(x, g, &self.args.padding)?;
        let y = ops::depthwise_conv(x, &kernel.tensor(), &g.strides, &self.args.padding, &self.args.data_format, &g.dilation_rate)?;
        self.depthwise_spec.penalty(kernel, x, cx)?;
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
        c.insert("depth_multiplier".into(), json!(self.depth_multiplier));
        self.args.config_into(&mut c);
        self.depthwise_spec.config_into(&mut c, "depthwise");
        c
    }
}

/// `keras.layers.SeparableConv{N}D(filters, kernel_size)`: a depthwise convolution
/// (`depth_multiplier` filters per channel, with the layer's strides, padding and
/// dilation) followed by a pointwise (1×…×1) convolution to `filters` channels.
pub struct SeparableConv<const N: usize> {
    name: String,
    built: bool,
    pub filters: usize,
    pub depth_multiplier: usize,
    args: ConvArgs,
    depthwise_spec: WeightSpec,
    pointwise_spec: WeightSpec,
    geometry: Option<Geometry>,
    in_channels: usize,
    depthwise_kernel: Option<Variable>,
    pointwise_kernel: Option<Variable>,
    bias: Option<Variable>,
}

pub type SeparableConv1D = SeparableConv<1>;
pub type SeparableConv2D = SeparableConv<2>;

impl<const N: usize> SeparableConv<N> {
    const CLASS: &'static str = match N {
        1 => "SeparableConv1D",
        _ => "SeparableConv2D",
    };

    pub fn new(filters: usize, kernel_size: impl Into<Ints>) -> SeparableConv<N> {
        SeparableConv {
            name: unique_name(&snake(Self::CLASS)),
            built: false,
            filters,
            depth_multiplier: 1,
            args: ConvArgs::new(N, kernel_size.into()),
            depthwise_spec: WeightSpec::new("glorot_uniform"),
            pointwise_spec: WeightSpec::new("glorot_uniform"),
            geometry: None,
            in_channels: 0,
            depthwise_kernel: None,
            pointwise_kernel: None,
            bias: None,
        }
    }
    /// Depthwise filters per input channel.
    pub fn depth_multiplier(mut self, m: usize) -> SeparableConv<N> {
        self.depth_multiplier = m;
        self
    }
}

conv_builders!(SeparableConv);
weight_builders!(SeparableConv, depthwise_spec, depthwise_initializer, depthwise_regularizer, depthwise_constraint);
weight_builders!(SeparableConv, pointwise_spec, pointwise_initializer, pointwise_regularizer, pointwise_constraint);

impl<const N: usize> Layer for SeparableConv<N> {
    layer_basics!(Self::CLASS);
    fn build(&mut self, x: &Tensor) -> Result<()> {
        let g = self.args.resolve(false)?;
        check_multiplier(self.depth_multiplier)?;
        if self.filters == 0 {
            crate::bail!("Invalid value for argument `filters`. Expected a strictly positive value. Received filters=0.");
        }
        let c = self.args.channels(x, &g)?;
        let mut dw = g.kernel_size.clone();
        dw.extend([c, self.depth_multiplier]);
        let mut pw = vec![1; N];
        pw.extend([c * self.depth_multiplier, self.filters]);
        self.depthwise_kernel = Some(self.depthwise_spec.make(&self.name, "depthwise_kernel", &dw, true)?);
        self.pointwise_kernel = Some(self.pointwise_spec.make(&self.name, "pointwise_kernel", &pw, true)?);
        if self.args.use_bias {
            self.bias = Some(self.args.bias.make(&self.name, "bias", &[self.filters], true)?);
        }
        self.in_channels = c;
        self.geometry = Some(g);
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let (Some(g), Some(dk), Some(pk)) = (&self.geometry, &self.depthwise_kernel, &self.pointwise_kernel) else { crate::bail!("not built") };
        let x = &inputs[0];
        self.args.check_channels(x, g, self.in_channels)?;
        self.args.check_fits(x, g, &self.args.padding)?;
        let y = ops::separable_conv(x, &dk.tensor(), &pk.tensor(), &g.strides, &self.args.padding, &self.args.data_format, &g.dilation_rate)?;
        self.depthwise_spec.penalty(dk, x, cx)?;
        self.pointwise_spec.penalty(pk, x, cx)?;
        Ok(vec![self.args.finish(y, self.bias.as_ref(), g, cx)?])
    }
    fn weights(&self) -> Vec<Variable> {
        self.depthwise_kernel.iter().chain(self.pointwise_kernel.iter()).chain(self.bias.iter()).cloned().collect()
    }
    fn activity_regularizer(&self) -> Option<Regularizer> {
        self.args.activity()
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("depth_multiplier".into(), json!(self.depth_multiplier));
        c.insert("filters".into(), json!(self.filters));
        self.args.config_into(&mut c);
        self.depthwise_spec.config_into(&mut c, "depthwise");
        self.pointwise_spec.config_into(&mut c, "pointwise");
        c
    }
}
