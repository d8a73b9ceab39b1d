//! A convolution with few input channels written out as a sum over its taps: for each
//! kernel position and input channel, a strided slice of the (padded) input broadcast
//! over the output channels, times that tap's kernel row broadcast over the rest.
//!
//! Why: the CPU plugin's `stablehlo.convolution` needs channels to amortize its
//! GEMM-like kernel. A first layer on images (1 or 3 channels) is its worst case: a
//! 1-channel 3x3 convolution to 32 channels over 128x28x28 images runs at about
//! 6 GFLOP/s there, while the same arithmetic as one fused elementwise loop is 2.5-3x
//! faster, and it fuses with the bias, activation and pooling after it. With 8 input
//! channels the convolution wins again (measured with `examples/time_stablehlo.rs`; see
//! docs/xla.md), hence the limits below. Only the forward convolution of an image
//! layer meets them: the gradient convolutions contract over the batch or the output
//! channels.
use super::text::{Ty, Writer, V};
use kc_ir::DType;

/// At most this many input channels...
const MAX_INPUT_CHANNELS: u64 = 4;
/// ...and this many taps (input channels times kernel positions).
const MAX_TAPS: u64 = 32;

/// The convolution's layout and window, as the StableHLO op takes them.
pub struct Conv<'a> {
    /// Input dims: batch, feature, spatial...
    pub input: &'a [i64],
    /// Kernel dims: input feature, output feature, spatial...
    pub kernel: &'a [i64],
    /// Output dims: batch, feature, spatial...
    pub output: &'a [i64],
    pub strides: &'a [i64],
    pub pad_low: &'a [i64],
    pub pad_high: &'a [i64],
    pub lhs_dilation: &'a [i64],
    pub rhs_dilation: &'a [i64],
    pub groups: i64,
}

impl Conv<'_> {
    /// Whether writing out the taps is the faster program for these operands.
    pub fn by_taps(&self, x: &Ty, k: &Ty) -> bool {
        let channels = x.dims[self.input[1] as usize];
        let positions: u64 = self.kernel[2..].iter().map(|&d| k.dims[d as usize]).product();
        matches!(x.dtype, DType::F32 | DType::F64)
            && self.groups == 1
            && self.lhs_dilation.iter().all(|&d| d == 1)
            && channels <= MAX_INPUT_CHANNELS
            && channels * positions <= MAX_TAPS
            && positions > 0
    }

    /// `sum over taps (position p, channel c) of x_padded[b, c, p*dilation + o*stride] *
    /// k[c, f, p]`, in the output's layout.
    pub fn lower_by_taps(&self, w: &mut Writer, x: &V, k: &V, out: &Ty) -> V {
        let n = self.input.len() - 2;
        let rank = n + 2;
        // zero padding first, so every tap is an in-bounds strided slice
        let x = if self.pad_low.iter().chain(self.pad_high).any(|&p| p != 0) {
            let (mut low, mut high) = (vec![0i64; rank], vec![0i64; rank]);
            let mut dims = x.ty.dims.clone();
            for i in 0..n {
                let d = self.input[2 + i] as usize;
                low[d] = self.pad_low[i];
                high[d] = self.pad_high[i];
                dims[d] = (dims[d] as i64 + low[d] + high[d]) as u64;
            }
            let zero = w.splat(&Ty::scalar(x.ty.dtype), 0.0);
            let attrs = [
                ("edge_padding_low", super::text::i64_array(&low)),
                ("edge_padding_high", super::text::i64_array(&high)),
                ("interior_padding", super::text::i64_array(&vec![0; rank])),
            ];
            w.op("stablehlo.pad", &[x, &zero], &attrs, Ty::new(x.ty.dtype, dims))
        } else {
            x.clone()
        };
        let channels = x.ty.dims[self.input[1] as usize] as i64;
        let features = out.dims[self.output[1] as usize];
        let sizes: Vec<i64> = self.kernel[2..].iter().map(|&d| k.ty.dims[d as usize] as i64).collect();
        let out_sizes: Vec<i64> = self.output[2..].iter().map(|&d| out.dims[d as usize] as i64).collect();
        // an input slice keeps the input's layout; its dim input[j] becomes output[j]
        let mut to_output = vec![0i64; rank];
        for j in 0..rank {
            to_output[self.input[j] as usize] = self.output[j];
        }
        let row_ty = Ty::new(k.ty.dtype, vec![features]);
        let mut acc: Option<V> = None;
        let positions: i64 = sizes.iter().product();
        for pos in 0..positions {
            // the kernel position as a multi-index, last spatial dim fastest
            let mut p = vec![0i64; n];
            let mut rest = pos;
            for i in (0..n).rev() {
                p[i] = rest % sizes[i];
                rest /= sizes[i];
            }
            for c in 0..channels {
                let (mut start, mut limit, mut step) = (vec![0i64; rank], x.ty.dims.iter().map(|&d| d as i64).collect::<Vec<_>>(), vec![1i64; rank]);
                start[self.input[1] as usize] = c;
                limit[self.input[1] as usize] = c + 1;
                for i in 0..n {
                    let d = self.input[2 + i] as usize;
                    start[d] = p[i] * self.rhs_dilation[i];
                    limit[d] = start[d] + (out_sizes[i] - 1) * self.strides[i] + 1;
                    step[d] = self.strides[i];
                }
                let window = w.slice(&x, &start, &limit, &step);
                let window = w.broadcast(&window, &to_output, out);
                let (mut kstart, mut klimit) = (vec![0i64; rank], k.ty.dims.iter().map(|&d| d as i64).collect::<Vec<_>>());
                kstart[self.kernel[0] as usize] = c;
                klimit[self.kernel[0] as usize] = c + 1;
                for i in 0..n {
                    let d = self.kernel[2 + i] as usize;
                    kstart[d] = p[i];
                    klimit[d] = p[i] + 1;
                }
                let tap = w.slice(k, &kstart, &klimit, &vec![1; rank]);
                let tap = w.op("stablehlo.reshape", &[&tap], &[], row_ty.clone());
                let tap = w.broadcast(&tap, &[self.output[1]], out);
                let term = w.binary("stablehlo.multiply", &window, &tap);
                acc = Some(match acc {
                    None => term,
                    Some(a) => w.binary("stablehlo.add", &a, &term),
                });
            }
        }
        acc.unwrap_or_else(|| w.splat(out, 0.0))
    }
}
