//! `ConvLSTM1D`, `ConvLSTM2D`, `ConvLSTM3D`: an LSTM whose gates are convolutions, over
//! sequences of images (`(batch, time, spatial..., channels)`).
//!
//! Keras builds these as `RNN(ConvLSTMCell)`; kc writes the layer out here because its
//! states are feature maps, not the `(batch, units)` rows `Recurrent` carries. The loop
//! is the same: one `ops::scan` (an IR `while`) over the time axis, so a symbolic number
//! of timesteps traces once. The gate equations, weight layout (`kernel` `(*kernel_size,
//! channels, 4 filters)`, `recurrent_kernel` `(*kernel_size, filters, 4 filters)`, `bias`
//! `(4 filters,)`, gates `i, f, c, o`), dropout masks and masking are Keras's.
use super::base::{check_mask, zeros_typed};
use super::cell::{CellCore, HasCore};
use crate::config::Config;
use crate::error::Result;
use crate::layers::core::keras_shape;
use crate::layers::spatial::{channels_first, check_padding, py_tuple, tuple_value, Ints};
use crate::layers::{base_config, unique_name, CallCtx, Layer};
use crate::ops;
use crate::regularizers::{RegArg, Regularizer};
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::{DType, Dim, Shape, TensorType};
use serde_json::json;

/// A convolutional LSTM over `N` spatial dims.
pub struct ConvLSTM<const N: usize> {
    name: String,
    built: bool,
    core: CellCore,
    pub kernel_size: Ints,
    pub strides: Ints,
    pub padding: String,
    pub data_format: String,
    pub dilation_rate: Ints,
    pub unit_forget_bias: bool,
    pub return_sequences: bool,
    pub return_state: bool,
    pub go_backwards: bool,
    pub stateful: bool,
    pub unroll: bool,
    pub zero_output_for_mask: bool,
    activity_regularizer: Option<RegArg>,
    /// Resolved at build: kernel size, strides, dilation per spatial dim.
    geometry: Option<(Vec<usize>, Vec<usize>, Vec<usize>)>,
    /// `(spatial..., channels)` of a step, as built.
    step_shape: Vec<usize>,
}

/// `keras.layers.ConvLSTM1D`: sequences of `(steps, channels)`.
pub type ConvLSTM1D = ConvLSTM<1>;
/// `keras.layers.ConvLSTM2D`: sequences of images `(rows, cols, channels)`.
pub type ConvLSTM2D = ConvLSTM<2>;
/// `keras.layers.ConvLSTM3D`: sequences of volumes.
pub type ConvLSTM3D = ConvLSTM<3>;

impl<const N: usize> ConvLSTM<N> {
    const CLASS: &'static str = match N {
        1 => "ConvLSTM1D",
        2 => "ConvLSTM2D",
        _ => "ConvLSTM3D",
    };

    /// `filters` output channels, a `kernel_size` window (one int for every dim, or one
    /// per dim).
    pub fn new(filters: usize, kernel_size: impl Into<Ints>) -> ConvLSTM<N> {
        let name = unique_name(&crate::layers::snake(Self::CLASS));
        ConvLSTM {
            name,
            built: false,
            core: CellCore::new("conv_lstm_cell".into(), filters),
            kernel_size: kernel_size.into(),
            strides: Ints(vec![1]),
            padding: "valid".into(),
            data_format: "channels_last".into(),
            dilation_rate: Ints(vec![1]),
            unit_forget_bias: true,
            return_sequences: false,
            return_state: false,
            go_backwards: false,
            stateful: false,
            unroll: false,
            zero_output_for_mask: false,
            activity_regularizer: None,
            geometry: None,
            step_shape: Vec::new(),
        }
    }
    pub fn name(mut self, n: &str) -> Self {
        self.name = n.to_string();
        self
    }
    pub fn strides(mut self, s: impl Into<Ints>) -> Self {
        self.strides = s.into();
        self
    }
    /// `"valid"` or `"same"` (of the input convolutions; the recurrent ones are always
    /// `"same"`, as in Keras).
    pub fn padding(mut self, p: &str) -> Self {
        self.padding = p.to_lowercase();
        self
    }
    pub fn data_format(mut self, f: &str) -> Self {
        self.data_format = f.to_lowercase();
        self
    }
    pub fn dilation_rate(mut self, d: impl Into<Ints>) -> Self {
        self.dilation_rate = d.into();
        self
    }
    pub fn recurrent_activation(mut self, a: &str) -> Self {
        self.core.recurrent_activation = a.to_string();
        self
    }
    /// Start the forget gate's bias at 1 (Keras's default).
    pub fn unit_forget_bias(mut self, b: bool) -> Self {
        self.unit_forget_bias = b;
        self
    }
    pub fn return_sequences(mut self, b: bool) -> Self {
        self.return_sequences = b;
        self
    }
    pub fn return_state(mut self, b: bool) -> Self {
        self.return_state = b;
        self
    }
    pub fn go_backwards(mut self, b: bool) -> Self {
        self.go_backwards = b;
        self
    }
    /// Keras's `stateful`: kept in the config; kc refuses `true` when the layer is built
    /// (not implemented for the convolutional states yet).
    pub fn stateful(mut self, b: bool) -> Self {
        self.stateful = b;
        self
    }
    /// Kept in the config; kc always runs one loop.
    pub fn unroll(mut self, b: bool) -> Self {
        self.unroll = b;
        self
    }
    pub fn zero_output_for_mask(mut self, b: bool) -> Self {
        self.zero_output_for_mask = b;
        self
    }
    pub fn activity_regularizer(mut self, r: impl Into<RegArg>) -> Self {
        self.activity_regularizer = Some(r.into());
        self
    }
    pub fn filters(&self) -> usize {
        self.core.units
    }

    fn channels_first(&self) -> Result<bool> {
        channels_first(&self.data_format)
    }

    /// The spatial dims of an output (or state) for a step of `spatial` dims: Keras's
    /// `compute_conv_output_shape`.
    fn out_spatial(&self, spatial: &[usize]) -> Result<Vec<usize>> {
        let (k, s, d) = self.geometry.as_ref().ok_or_else(|| crate::Error::msg("the layer is not built"))?;
        (0..N)
            .map(|i| {
                let window = (k[i] - 1) * d[i] + 1;
                if self.padding == "same" {
                    Ok(spatial[i].div_ceil(s[i]))
                } else if spatial[i] < window {
                    crate::bail!(
                        "Computed output size would be zero or negative: the kernel {} with dilation_rate={} is larger than the unpadded input's spatial dims {} (padding=\"valid\")",
                        py_tuple(k),
                        py_tuple(d),
                        py_tuple(spatial)
                    )
                } else {
                    Ok((spatial[i] - window) / s[i] + 1)
                }
            })
            .collect()
    }

    /// The first input checked (rank, known spatial dims and channels, float), and its
    /// step's `(spatial..., channels)` in channels-last order.
    fn check_input(&self, x: &Tensor) -> Result<(Vec<usize>, usize)> {
        if x.rank() != N + 3 {
            crate::bail!("Input 0 is incompatible with the layer: expected ndim={}, found ndim={}. Full shape received: {}", N + 3, x.rank(), keras_shape(&x.dims()));
        }
        if !x.dtype().is_float() {
            crate::bail!("the inputs must be floats, got {}", x.ty());
        }
        let cf = self.channels_first()?;
        let dims = x.dims();
        let step = &dims[2..];
        let (spatial, channels) = if cf { (&step[1..], &step[0]) } else { (&step[..N], &step[N]) };
        let spatial: Option<Vec<usize>> = spatial.iter().map(|d| d.known().map(|n| n as usize)).collect();
        let Some(spatial) = spatial else {
            crate::bail!("ConvLSTM layers only support static input shapes for the spatial dimension. Received invalid input shape: input_shape={}", keras_shape(&dims));
        };
        let Some(c) = channels.known() else {
            crate::bail!("The channel dimension of the inputs (last axis) should be defined. Found None. Full input shape received: input_shape={}", keras_shape(&dims));
        };
        if !self.step_shape.is_empty() && (self.step_shape[..N] != spatial[..] || self.step_shape[N] != c as usize) {
            crate::bail!("Input 0 is incompatible with the layer: it was built for steps of shape {} (spatial dims, channels), got input of shape {}", py_tuple(&self.step_shape), keras_shape(&dims));
        }
        if self.unroll && dims[1].known().is_none() {
            crate::bail!("Cannot unroll a RNN if the time dimension is undefined. Received input with shape {}", keras_shape(&dims));
        }
        Ok((spatial, c as usize))
    }

    /// The type of a state (and of a step's output): `(batch, out spatial..., filters)`,
    /// channels where the data format puts them.
    fn state_type(&self, x: &Tensor) -> Result<TensorType> {
        let out = self.out_spatial(&self.step_shape[..N])?;
        let mut dims = vec![x.dims()[0].clone()];
        let f = Dim::Known(self.core.units as u64);
        let sp = out.iter().map(|&n| Dim::Known(n as u64));
        if self.channels_first()? {
            dims.push(f);
            dims.extend(sp);
        } else {
            dims.extend(sp);
            dims.push(f);
        }
        Ok(TensorType::new(x.dtype(), Shape(dims)))
    }

    /// The input convolution of one gate: `x * kernel` with the layer's geometry, plus
    /// the gate's bias on the channel axis.
    fn input_conv(&self, x: &Tensor, kernel: &Tensor, bias: Option<Tensor>) -> Result<Tensor> {
        let (_, s, d) = self.geometry.as_ref().ok_or_else(|| crate::Error::msg("the layer is not built"))?;
        let y = ops::conv(x, kernel, s, &self.padding, &self.data_format, d)?;
        match bias {
            Some(b) if self.channels_first()? => {
                let mut dims = b.dims();
                dims.extend(std::iter::repeat_n(Dim::Known(1), N));
                ops::add(&y, &ops::reshape_dims(&b, dims)?)
            }
            Some(b) => ops::add(&y, &b),
            None => Ok(y),
        }
    }

    /// The recurrent convolution: stride 1, `"same"` padding, no dilation (Keras's).
    fn recurrent_conv(&self, h: &Tensor, kernel: &Tensor) -> Result<Tensor> {
        ops::conv(h, kernel, &[1; N], "same", &self.data_format, &[1; N])
    }

    /// One step: Keras's `ConvLSTMCell.call`. `consts` are the dropout masks (input
    /// masks first), one per gate.
    fn step(&self, x: &Tensor, h: &Tensor, c_prev: &Tensor, consts: &[Tensor]) -> Result<(Tensor, Tensor)> {
        let core = &self.core;
        let f = core.units as u64;
        let (dp, rec_dp) = core.split_masks(consts, 4);
        let kernel = core.kernel()?.tensor();
        let recurrent = core.recurrent_kernel()?.tensor();
        let bias = core.bias_w.as_ref().map(|b| b.tensor());
        let gate = |t: &Tensor, k: u64| ops::slice_axis(t, -1, k * f, (k + 1) * f);
        let z: Vec<Tensor> = if dp.is_empty() && rec_dp.is_empty() {
            // the same input for every gate: one convolution each way, then split
            let zx = self.input_conv(x, &kernel, bias)?;
            let z = ops::add(&zx, &self.recurrent_conv(h, &recurrent)?)?;
            let axis = if self.channels_first()? { 1 } else { -1 };
            (0..4).map(|k| ops::slice_axis(&z, axis, k * f, (k + 1) * f)).collect::<Result<_>>()?
        } else {
            (0..4u64)
                .map(|k| {
                    let xk = match dp.get(k as usize) {
                        Some(m) => ops::multiply(x, m)?,
                        None => x.clone(),
                    };
                    let hk = match rec_dp.get(k as usize) {
                        Some(m) => ops::multiply(h, m)?,
                        None => h.clone(),
                    };
                    let bk = bias.as_ref().map(|b| gate(b, k)).transpose()?;
                    ops::add(&self.input_conv(&xk, &gate(&kernel, k)?, bk)?, &self.recurrent_conv(&hk, &gate(&recurrent, k)?)?)
                })
                .collect::<Result<_>>()?
        };
        let i = core.rec_act(&z[0])?;
        let fg = core.rec_act(&z[1])?;
        let c = ops::add(&ops::multiply(&fg, c_prev)?, &ops::multiply(&i, &core.act(&z[2])?)?)?;
        let o = core.rec_act(&z[3])?;
        let h = ops::multiply(&o, &core.act(&c)?)?;
        Ok((h, c))
    }

    fn config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("return_sequences".into(), json!(self.return_sequences));
        c.insert("return_state".into(), json!(self.return_state));
        c.insert("go_backwards".into(), json!(self.go_backwards));
        c.insert("stateful".into(), json!(self.stateful));
        c.insert("unroll".into(), json!(self.unroll));
        c.insert("zero_output_for_mask".into(), json!(self.zero_output_for_mask));
        c.insert("filters".into(), json!(self.core.units));
        let t = |v: &Ints, name: &str| v.tuple(N, name, false).map(|v| tuple_value(&v)).unwrap_or_else(|_| json!(v.0));
        c.insert("kernel_size".into(), t(&self.kernel_size, "kernel_size"));
        c.insert("strides".into(), t(&self.strides, "strides"));
        c.insert("padding".into(), json!(self.padding));
        c.insert("data_format".into(), json!(self.data_format));
        c.insert("dilation_rate".into(), t(&self.dilation_rate, "dilation_rate"));
        // the cell's keys (Keras's `units` is `filters` here)
        let mut cell = Config::new();
        self.core.config_into(&mut cell, true);
        cell.remove("units");
        c.extend(cell);
        c.insert("unit_forget_bias".into(), json!(self.unit_forget_bias));
        c.insert("activity_regularizer".into(), crate::regularizers::to_config_opt(&self.activity_regularizer));
        c
    }
}

impl<const N: usize> HasCore for ConvLSTM<N> {
    fn core(&self) -> &CellCore {
        &self.core
    }
    fn core_mut(&mut self) -> &mut CellCore {
        &mut self.core
    }
}

impl<const N: usize> Layer for ConvLSTM<N> {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        Self::CLASS
    }
    fn built(&self) -> bool {
        self.built
    }
    fn set_built(&mut self) {
        self.built = true;
    }
    fn build(&mut self, x: &Tensor) -> Result<()> {
        if self.core.units == 0 {
            crate::bail!("Received an invalid value for argument `filters`, expected a positive integer, got 0.");
        }
        let k = self.kernel_size.tuple(N, "kernel_size", false)?;
        let s = self.strides.tuple(N, "strides", true)?;
        let d = self.dilation_rate.tuple(N, "dilation_rate", false)?;
        check_padding(&self.padding, false)?;
        if s.iter().any(|&v| v > 1) && d.iter().any(|&v| v > 1) {
            crate::bail!(
                "Specifying `strides > 1` is not compatible with `dilation_rate > 1`. Please provide `strides=1` or `dilation_rate=1`. Received: strides={} and dilation_rate={}",
                py_tuple(&s),
                py_tuple(&d)
            );
        }
        if s.contains(&0) {
            crate::bail!("The `strides` argument must be positive, received strides={}", py_tuple(&s));
        }
        if self.stateful {
            crate::bail!("`stateful=True` is not supported by kc's {} yet", Self::CLASS);
        }
        self.geometry = Some((k.clone(), s, d));
        let (spatial, channels) = self.check_input(x)?;
        self.out_spatial(&spatial)?;
        if let Some(r) = &self.activity_regularizer {
            r.resolve()?;
        }
        let f = self.core.units;
        let path = format!("{}/{}", self.name, self.core.name);
        let core = &mut self.core;
        core.act = Some(crate::activations::get(&core.activation)?);
        core.rec_act = Some(crate::activations::get(&core.recurrent_activation)?);
        let mut kshape = k.clone();
        kshape.extend([channels, 4 * f]);
        let mut rshape = k;
        rshape.extend([f, 4 * f]);
        core.kernel_w = Some(core.kernel.make(&path, "kernel", &kshape, true)?);
        core.recurrent_w = Some(core.recurrent.make(&path, "recurrent_kernel", &rshape, true)?);
        if core.use_bias {
            let init = core.bias.initializer.resolve()?;
            let value = if self.unit_forget_bias {
                let parts = [init.sample(&[f], DType::F32)?, kc_runtime::HostTensor::from_vec(vec![f], vec![1.0f32; f])?, init.sample(&[2 * f], DType::F32)?];
                ops::concatenate(&parts.map(Tensor::from_host), 0)?.host()?
            } else {
                init.sample(&[4 * f], DType::F32)?
            };
            core.bias_w = Some(core.bias.make_with(&path, "bias", value, true)?);
        }
        core.make_generator();
        self.step_shape = spatial;
        self.step_shape.push(channels);
        Ok(())
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        self.check_input(x)?;
        let st = self.state_type(x)?;
        let mask = check_mask(x, x.mask())?;
        let init: Vec<Tensor> = match &inputs[1..] {
            [] => vec![zeros_typed(x, st.clone())?, zeros_typed(x, st.clone())?],
            [h, c] => {
                for (k, s) in [h, c].into_iter().enumerate() {
                    let ok = s.rank() == st.shape.0.len() && s.dims()[1..] == st.shape.0[1..] && (s.dims()[0] == st.shape.0[0] || s.dims()[0].known().is_none());
                    if !ok {
                        crate::bail!("initial state {k} has shape {}, expected {} for inputs of shape {}", keras_shape(&s.dims()), keras_shape(&st.shape.0), keras_shape(&x.dims()));
                    }
                }
                vec![ops::cast(&ops::lift(h, x)?, x.dtype())?, ops::cast(&ops::lift(c, x)?, x.dtype())?]
            }
            given => crate::bail!("{} takes the sequence and optionally 2 initial states [h, c]; got {} initial state(s)", Self::CLASS, given.len()),
        };
        // a step's shape, for the dropout masks
        let mut step_dims = vec![x.dims()[0].clone()];
        step_dims.extend(x.dims()[2..].iter().cloned());
        let x0 = zeros_typed(x, TensorType::new(x.dtype(), Shape(step_dims)))?;
        let consts = self.core.prepare(&x0, &init[0], cx, 4)?;
        // time-major, in the order processed
        let mut perm: Vec<i64> = vec![1, 0];
        perm.extend(2..(N as i64 + 3));
        let mut seq = ops::transpose(x, Some(&perm))?;
        // the mask as (time, batch, 1, ...) to select whole feature maps
        let mut mask_t = match &mask {
            Some(m) => {
                let mut m = ops::transpose(m, Some(&[1, 0]))?;
                for _ in 0..N + 1 {
                    m = ops::expand_dims(&m, -1)?;
                }
                Some(m)
            }
            None => None,
        };
        if self.go_backwards {
            seq = ops::flip(&seq, Some(0))?;
            mask_t = mask_t.map(|m| ops::flip(&m, Some(0))).transpose()?;
        }
        let mut carry = init;
        if !self.return_sequences {
            carry.push(zeros_typed(x, st.clone())?);
        }
        let mut xs = vec![seq];
        xs.extend(mask_t);
        let (keep_all, zero_out) = (self.return_sequences, self.zero_output_for_mask);
        let this = &*self;
        let step = |carry: &[Tensor], x_t: &[Tensor], consts: &[Tensor]| -> Result<(Vec<Tensor>, Vec<Tensor>)> {
            let (h, c) = (&carry[0], &carry[1]);
            let (mut h_new, mut c_new) = this.step(&x_t[0], h, c, consts)?;
            let mut out = h_new.clone();
            if let Some(m) = x_t.get(1) {
                h_new = ops::where_(m, &h_new, h)?;
                c_new = ops::where_(m, &c_new, c)?;
                out = if zero_out { ops::where_(m, &out, 0.0)? } else { h_new.clone() };
            }
            if keep_all {
                Ok((vec![h_new, c_new], vec![out]))
            } else {
                Ok((vec![h_new, c_new, out], Vec::new()))
            }
        };
        let (finals, ys) = ops::scan(step, &carry, &xs, &consts, false)?;
        let output = match ys.into_iter().next() {
            Some(seq) => ops::transpose(&seq, Some(&perm))?,
            None => finals[2].clone(),
        };
        let mut outs = vec![output];
        if self.return_state {
            outs.extend(finals[..2].iter().cloned());
        }
        Ok(outs)
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn compute_mask(&self, _: &[Tensor], previous: Option<&Tensor>, outputs: usize) -> Result<Vec<Option<Tensor>>> {
        let mut v = vec![if self.return_sequences { previous.cloned() } else { None }];
        v.resize(outputs, None);
        Ok(v)
    }
    fn weights(&self) -> Vec<Variable> {
        self.core.weights()
    }
    fn activity_regularizer(&self) -> Option<Regularizer> {
        self.activity_regularizer.as_ref().and_then(|r| r.resolve().ok())
    }
    fn get_config(&self) -> Config {
        self.config()
    }
}

impl<const N: usize> crate::layers::Named for ConvLSTM<N> {
    fn with_name(self, n: &str) -> Self {
        self.name(n)
    }
}

cell_builders!(ConvLSTM<1>);
cell_builders!(ConvLSTM<2>);
cell_builders!(ConvLSTM<3>);
