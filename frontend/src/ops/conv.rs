//! Convolutions (`keras.ops.conv`, `conv_transpose`, `depthwise_conv`,
//! `separable_conv`; pooling is in `pool.rs`) on the IR's general `convolution`, with Keras's layouts: inputs
//! `channels_last` (N, spatial..., C) or `channels_first` (N, C, spatial...), kernels
//! (spatial..., in, out) — transposed kernels (spatial..., out, in), depthwise kernels
//! (spatial..., in, multiplier). The IR op takes the layouts as dimension attributes, so
//! nothing is transposed at run time.
//!
//! Padding follows JAX (`lax.padtype_to_pads`): `same` pads `max(0, (out - 1) * stride +
//! window - in)` with the odd element at the end, where `out = ceil(in / stride)` and
//! `window` is the dilated kernel. That is what Keras's JAX backend computes, so outputs
//! line up element for element.
use super::{apply1, lift};
use crate::error::Result;
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, Attrs, Dim, OpKind};

/// `true` for `channels_first`, `false` for `channels_last`; anything else is Keras's
/// error.
pub fn channels_first(data_format: &str) -> Result<bool> {
    match data_format {
        "channels_last" => Ok(false),
        "channels_first" => Ok(true),
        other => crate::bail!("The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. Received: data_format={other}"),
    }
}

/// The axes of the spatial dims of a rank-`rank` input.
pub fn spatial_axes(rank: usize, cf: bool) -> Vec<usize> {
    if cf {
        (2..rank).collect()
    } else {
        (1..rank - 1).collect()
    }
}

/// The channel axis of a rank-`rank` input.
pub fn channel_axis(rank: usize, cf: bool) -> usize {
    if cf {
        1
    } else {
        rank - 1
    }
}

/// `v` for `n` spatial dims: one value repeated, or exactly `n`.
pub(crate) fn per_dim(v: &[usize], n: usize, what: &str) -> Result<Vec<i64>> {
    match v.len() {
        1 => Ok(vec![v[0] as i64; n]),
        k if k == n => Ok(v.iter().map(|&x| x as i64).collect()),
        k => crate::bail!("`{what}` has {k} entries for {n} spatial dims"),
    }
}

/// The known extents of `x`'s spatial dims (an error naming `what` for a symbolic one).
pub fn spatial_extents(x: &Tensor, cf: bool, what: &str) -> Result<Vec<i64>> {
    let dims = x.dims();
    spatial_axes(dims.len(), cf)
        .into_iter()
        .map(|a| match dims[a] {
            Dim::Known(n) => Ok(n as i64),
            Dim::Sym(_) => crate::bail!("{what}: the spatial dims of {} must be known (only the batch axis may be unknown)", x.ty()),
        })
        .collect()
}

/// JAX's `same` padding of one dim: `(low, high)`.
pub fn same_padding(input: i64, window: i64, stride: i64) -> (i64, i64) {
    let out = (input + stride - 1) / stride;
    let total = ((out - 1) * stride + window - input).max(0);
    (total / 2, total - total / 2)
}

/// `(k - 1) * d + 1`: the extent a dilated kernel covers.
fn dilated(k: i64, d: i64) -> i64 {
    (k - 1) * d + 1
}

/// Padding per spatial dim for `padding` (`valid` or `same`).
pub(crate) fn pads(padding: &str, input: &[i64], window: &[i64], strides: &[i64]) -> Result<Vec<(i64, i64)>> {
    match padding {
        "valid" => Ok(vec![(0, 0); input.len()]),
        "same" => Ok((0..input.len()).map(|i| same_padding(input[i], window[i], strides[i])).collect()),
        other => crate::bail!("The `padding` argument must be one of 'valid', 'same'. Received: padding={other}"),
    }
}

/// The `convolution` op with the input and output in Keras's layout and the kernel's
/// input/output feature dims at `kernel_io` (spatial dims first, as Keras stores them).
#[allow(clippy::too_many_arguments)]
fn convolution(
    x: &Tensor,
    kernel: &Tensor,
    cf: bool,
    kernel_io: (usize, usize),
    strides: &[i64],
    pads: &[(i64, i64)],
    lhs_dilation: &[i64],
    rhs_dilation: &[i64],
    groups: i64,
) -> Result<Tensor> {
    let r = x.rank();
    let n = r - 2;
    let io: Vec<i64> = [0, channel_axis(r, cf)].into_iter().chain(spatial_axes(r, cf)).map(|a| a as i64).collect();
    let kd: Vec<i64> = [kernel_io.0, kernel_io.1].into_iter().chain(0..n).map(|a| a as i64).collect();
    let v = |x: &[i64]| Attr::Ints(x.to_vec());
    let a: Attrs = attrs(&[
        ("window_strides", v(strides)),
        ("padding_low", v(&pads.iter().map(|p| p.0).collect::<Vec<_>>())),
        ("padding_high", v(&pads.iter().map(|p| p.1).collect::<Vec<_>>())),
        ("lhs_dilation", v(lhs_dilation)),
        ("rhs_dilation", v(rhs_dilation)),
        ("feature_group_count", Attr::Int(groups)),
        ("input_dims", v(&io)),
        ("kernel_dims", v(&kd)),
        ("output_dims", v(&io)),
    ]);
    // a kernel that is a weight is read inside the input's trace
    let kernel = lift(kernel, x)?;
    apply1(OpKind::Convolution, &[x, &kernel], a, None)
}

/// Checks shared by the convolutions: ranks, a float dtype, and the kernel's extent.
fn check(x: &Tensor, kernel: &Tensor, what: &str) -> Result<usize> {
    let r = x.rank();
    if r < 3 || kernel.rank() != r {
        crate::bail!("{what}: the input {} and the kernel {} need one rank >= 3 (batch, spatial dims, channels)", x.ty(), kernel.ty());
    }
    if x.dtype() != kernel.dtype() {
        crate::bail!("{what}: the input {} and the kernel {} must have one dtype", x.ty(), kernel.ty());
    }
    if kernel.shape().is_none() {
        crate::bail!("{what}: the kernel {} must have a known shape", kernel.ty());
    }
    Ok(r - 2)
}

fn known_channels(x: &Tensor, cf: bool, what: &str) -> Result<i64> {
    match x.dims()[channel_axis(x.rank(), cf)] {
        Dim::Known(c) => Ok(c as i64),
        Dim::Sym(_) => crate::bail!("{what}: the channel axis of {} must be known", x.ty()),
    }
}

/// `keras.ops.conv`: N-d cross-correlation of `x` with `kernel` (spatial..., in / groups,
/// out); the number of groups is `channels / kernel in`, as Keras infers it.
pub fn conv(x: &Tensor, kernel: &Tensor, strides: &[usize], padding: &str, data_format: &str, dilation_rate: &[usize]) -> Result<Tensor> {
    let n = check(x, kernel, "conv")?;
    let cf = channels_first(data_format)?;
    let ks: Vec<i64> = kernel.shape().unwrap_or_default().iter().map(|&d| d as i64).collect();
    let c = known_channels(x, cf, "conv")?;
    let kin = ks[n];
    if kin == 0 || c % kin != 0 {
        crate::bail!("The number of input channels must be evenly divisible by kernel's in_channels. Received input channels {c} and kernel in_channels {kin}.");
    }
    let (s, d) = (per_dim(strides, n, "strides")?, per_dim(dilation_rate, n, "dilation_rate")?);
    let input = spatial_extents(x, cf, "conv")?;
    let window: Vec<i64> = (0..n).map(|i| dilated(ks[i], d[i])).collect();
    let p = pads(padding, &input, &window, &s)?;
    convolution(x, kernel, cf, (n, n + 1), &s, &p, &vec![1; n], &d, c / kin)
}

/// `keras.ops.depthwise_conv`: each input channel convolved with its own
/// `multiplier` filters; `kernel` is (spatial..., channels, multiplier) and output
/// channel `c * multiplier + m` is channel `c`'s `m`-th filter.
pub fn depthwise_conv(x: &Tensor, kernel: &Tensor, strides: &[usize], padding: &str, data_format: &str, dilation_rate: &[usize]) -> Result<Tensor> {
    let n = check(x, kernel, "depthwise_conv")?;
    let cf = channels_first(data_format)?;
    let ks: Vec<u64> = kernel.shape().unwrap_or_default().iter().map(|&d| d as u64).collect();
    let c = known_channels(x, cf, "depthwise_conv")?;
    if ks[n] as i64 != c {
        crate::bail!(
            "The number of input channels must match the kernel's input channels. Received input channels {c} and kernel in_channels {} (kernel {})",
            ks[n],
            kernel.ty()
        );
    }
    // (spatial..., C, M) -> (spatial..., 1, C·M): one group per channel, whose M outputs
    // are that channel's filters, in Keras's (c, m) order.
    let mut grouped: Vec<Dim> = ks[..n].iter().map(|&d| Dim::Known(d)).collect();
    grouped.extend([Dim::Known(1), Dim::Known(ks[n] * ks[n + 1])]);
    let k = super::reshape_dims(&lift(kernel, x)?, grouped)?;
    let (s, d) = (per_dim(strides, n, "strides")?, per_dim(dilation_rate, n, "dilation_rate")?);
    let input = spatial_extents(x, cf, "depthwise_conv")?;
    let window: Vec<i64> = (0..n).map(|i| dilated(ks[i] as i64, d[i])).collect();
    let p = pads(padding, &input, &window, &s)?;
    convolution(x, &k, cf, (n, n + 1), &s, &p, &vec![1; n], &d, c)
}

/// `keras.ops.separable_conv`: a depthwise convolution, then a 1×…×1 convolution with
/// `pointwise_kernel` (1..., channels · multiplier, out) mixing the channels.
#[allow(clippy::too_many_arguments)]
pub fn separable_conv(
    x: &Tensor,
    depthwise_kernel: &Tensor,
    pointwise_kernel: &Tensor,
    strides: &[usize],
    padding: &str,
    data_format: &str,
    dilation_rate: &[usize],
) -> Result<Tensor> {
    let y = depthwise_conv(x, depthwise_kernel, strides, padding, data_format, dilation_rate)?;
    conv(&y, pointwise_kernel, &[1], "valid", data_format, dilation_rate)
}

/// Keras's padding of a transposed convolution for one dim, as JAX takes it
/// (`_convert_conv_transpose_padding_args_from_keras_to_jax`). The output has
/// `(in - 1) * stride + 1 + low + high - (window - 1)` elements: `in * stride` for
/// `same` and `(in - 1) * stride + max(window, stride)` for `valid` unless
/// `output_padding` is given (then it sets the extra elements at the end).
pub fn conv_transpose_padding(kernel: i64, stride: i64, dilation: i64, padding: &str, output_padding: Option<i64>) -> Result<(i64, i64)> {
    let k = dilated(kernel, dilation);
    match padding {
        "valid" => {
            let extra = output_padding.unwrap_or(k.max(stride) - k);
            Ok((k - 1, k - 1 + extra))
        }
        "same" => {
            let total = match output_padding {
                None => stride + k - 2,
                Some(op) => k + k % 2 - 2 + op,
            };
            let low = (total / 2 + total % 2).min(k - 1);
            Ok((low, total - low))
        }
        other => crate::bail!("The `padding` argument must be one of 'valid', 'same'. Received: padding={other}"),
    }
}

/// `keras.ops.conv_transpose`: the gradient of a convolution with respect to its input,
/// as a layer. `kernel` is (spatial..., out, in). It is the convolution of the input
/// dilated by `strides` with the spatially flipped kernel (JAX's `conv_transpose` with
/// `transpose_kernel=True`).
pub fn conv_transpose(
    x: &Tensor,
    kernel: &Tensor,
    strides: &[usize],
    padding: &str,
    output_padding: Option<&[usize]>,
    data_format: &str,
    dilation_rate: &[usize],
) -> Result<Tensor> {
    let n = check(x, kernel, "conv_transpose")?;
    let cf = channels_first(data_format)?;
    let ks: Vec<i64> = kernel.shape().unwrap_or_default().iter().map(|&d| d as i64).collect();
    let c = known_channels(x, cf, "conv_transpose")?;
    if ks[n + 1] != c {
        crate::bail!(
            "The number of input channels must match the kernel's in_channels (its last axis). Received input channels {c} and kernel {}",
            kernel.ty()
        );
    }
    let (s, d) = (per_dim(strides, n, "strides")?, per_dim(dilation_rate, n, "dilation_rate")?);
    let op = match output_padding {
        Some(v) => Some(per_dim(v, n, "output_padding")?),
        None => None,
    };
    let p = (0..n).map(|i| conv_transpose_padding(ks[i], s[i], d[i], padding, op.as_ref().map(|v| v[i]))).collect::<Result<Vec<_>>>()?;
    let flip: Vec<i64> = (0..n as i64).collect();
    let k = apply1(OpKind::Reverse, &[&lift(kernel, x)?], attrs(&[("dimensions", Attr::Ints(flip))]), None)?;
    // the kernel's last axis (in) meets the input's channels; its axis n (out) is the output's
    convolution(x, &k, cf, (n + 1, n), &vec![1; n], &p, &s, &d, 1)
}
