//! Convolution against a naive direct convolution written here. The reference builds the
//! dilated and padded input and the dilated kernel explicitly as arrays and then slides
//! one over the other, a different route from the interpreter's tap arithmetic.
use crate::*;
use kc_ir::{Attr, DType, DType::*, OpKind::*};

#[derive(Clone, Copy, Debug)]
struct Spec {
    stride: [usize; 2],
    lo: [i64; 2],
    hi: [i64; 2],
    lhs_dil: [usize; 2],
    rhs_dil: [usize; 2],
    groups: usize,
}

impl Spec {
    fn attrs(&self) -> Vec<(&'static str, Attr)> {
        let u = |v: [usize; 2]| ints(&[v[0] as i64, v[1] as i64]);
        vec![
            ("window_strides", u(self.stride)),
            ("padding_low", ints(&self.lo)),
            ("padding_high", ints(&self.hi)),
            ("lhs_dilation", u(self.lhs_dil)),
            ("rhs_dilation", u(self.rhs_dil)),
            ("feature_group_count", Attr::Int(self.groups as i64)),
        ]
    }
}

/// Direct 2-D convolution, NCHW input [n, c, h, w] and OIHW kernel [o, i, kh, kw].
fn naive_conv(x: &[f64], xs: [usize; 4], k: &[f64], ks: [usize; 4], sp: Spec) -> ([usize; 4], Vec<f64>) {
    let [n, c, h, w] = xs;
    let [o, ig, kh, kw] = ks;
    // The input with lhs dilation (zeros between elements) and padding (negative cuts).
    let dil = |len: usize, d: usize| if len == 0 { 0 } else { (len - 1) * d + 1 };
    let ph = (dil(h, sp.lhs_dil[0]) as i64 + sp.lo[0] + sp.hi[0]) as usize;
    let pw = (dil(w, sp.lhs_dil[1]) as i64 + sp.lo[1] + sp.hi[1]) as usize;
    let mut xp = vec![0.0; n * c * ph * pw];
    for b in 0..n {
        for ch in 0..c {
            for i in 0..h {
                for j in 0..w {
                    let (p, q) = ((i * sp.lhs_dil[0]) as i64 + sp.lo[0], (j * sp.lhs_dil[1]) as i64 + sp.lo[1]);
                    if p >= 0 && q >= 0 && (p as usize) < ph && (q as usize) < pw {
                        xp[((b * c + ch) * ph + p as usize) * pw + q as usize] = x[((b * c + ch) * h + i) * w + j];
                    }
                }
            }
        }
    }
    // The kernel with rhs dilation.
    let (dh, dw) = (dil(kh, sp.rhs_dil[0]), dil(kw, sp.rhs_dil[1]));
    let mut kd = vec![0.0; o * ig * dh * dw];
    for a in 0..o {
        for ch in 0..ig {
            for u in 0..kh {
                for v in 0..kw {
                    kd[((a * ig + ch) * dh + u * sp.rhs_dil[0]) * dw + v * sp.rhs_dil[1]] = k[((a * ig + ch) * kh + u) * kw + v];
                }
            }
        }
    }
    let out_len = |p: usize, d: usize, s: usize| if p < d { 0 } else { (p - d) / s + 1 };
    let (oh, ow) = (out_len(ph, dh, sp.stride[0]), out_len(pw, dw, sp.stride[1]));
    let og = o / sp.groups;
    let mut y = vec![0.0; n * o * oh * ow];
    for b in 0..n {
        for a in 0..o {
            let g = a / og;
            for i in 0..oh {
                for j in 0..ow {
                    let mut acc = 0.0;
                    for ch in 0..ig {
                        for u in 0..dh {
                            for v in 0..dw {
                                let xv = xp[((b * c + g * ig + ch) * ph + i * sp.stride[0] + u) * pw + j * sp.stride[1] + v];
                                acc += xv * kd[((a * ig + ch) * dh + u) * dw + v];
                            }
                        }
                    }
                    y[((b * o + a) * oh + i) * ow + j] = acc;
                }
            }
        }
    }
    ([n, o, oh, ow], y)
}

/// Permute a 4-D row-major array: result dim i is source dim perm[i].
fn permute4(v: &[f64], shape: [usize; 4], perm: [usize; 4]) -> ([usize; 4], Vec<f64>) {
    let out = [shape[perm[0]], shape[perm[1]], shape[perm[2]], shape[perm[3]]];
    let mut r = Vec::with_capacity(v.len());
    for a in 0..out[0] {
        for b in 0..out[1] {
            for c in 0..out[2] {
                for d in 0..out[3] {
                    let mut src = [0; 4];
                    for (i, idx) in [a, b, c, d].into_iter().enumerate() {
                        src[perm[i]] = idx;
                    }
                    r.push(v[((src[0] * shape[1] + src[1]) * shape[2] + src[2]) * shape[3] + src[3]]);
                }
            }
        }
    }
    (out, r)
}

fn dims(s: [usize; 4]) -> Vec<u64> {
    s.iter().map(|&d| d as u64).collect()
}

fn specs() -> Vec<Spec> {
    let base = Spec { stride: [1, 1], lo: [0, 0], hi: [0, 0], lhs_dil: [1, 1], rhs_dil: [1, 1], groups: 1 };
    vec![
        base,
        Spec { stride: [2, 1], ..base },
        Spec { lo: [1, 1], hi: [1, 1], ..base },
        Spec { lo: [2, 0], hi: [0, 1], stride: [1, 2], ..base },
        Spec { lo: [-1, 0], hi: [0, -1], ..base },
        Spec { rhs_dil: [2, 2], lo: [1, 2], hi: [1, 2], ..base },
        Spec { lhs_dil: [2, 1], lo: [1, 1], hi: [1, 1], ..base },
        Spec { lhs_dil: [2, 3], rhs_dil: [1, 2], stride: [2, 2], lo: [0, 1], hi: [2, 0], ..base },
    ]
}

#[test]
fn one_dim_by_hand_is_cross_correlation() {
    let x = t(&[1, 1, 5], vec![1f32, 2.0, 3.0, 4.0, 5.0]);
    let k = t(&[1, 1, 3], vec![1f32, 0.0, -1.0]);
    // y[i] = x[i] - x[i + 2]; a flipped kernel (true convolution) would give +2.
    let r = eval1(Convolution, &[x, k], &[], ty(F32, &[1, 1, 3]));
    assert_eq!(r.to_f64_vec(), vec![-2.0, -2.0, -2.0]);
}

#[test]
fn nchw_matches_naive_for_strides_padding_dilation() {
    let (xs, ks) = ([2, 3, 6, 7], [4, 3, 3, 2]);
    let xv = small_ints(xs.iter().product(), 11);
    let kv = small_ints(ks.iter().product(), 12);
    for sp in specs() {
        let (ys, want) = naive_conv(&xv, xs, &kv, ks, sp);
        for dtype in [F32, F64, I32] {
            let x = HostTensor::from_f64(dtype, xs.to_vec(), &xv).unwrap();
            let k = HostTensor::from_f64(dtype, ks.to_vec(), &kv).unwrap();
            let r = eval1(Convolution, &[x, k], &sp.attrs(), ty(dtype, &dims(ys)));
            assert_eq!(r.to_f64_vec(), want, "{dtype} {sp:?}");
        }
    }
}

#[test]
fn feature_groups_and_depthwise() {
    // Two groups: 4 input channels (2 per group), 6 outputs (3 per group).
    let (xs, ks) = ([2, 4, 5, 5], [6, 2, 3, 3]);
    let xv = data(xs.iter().product(), 21);
    let kv = data(ks.iter().product(), 22);
    for sp in specs() {
        let sp = Spec { groups: 2, ..sp };
        let (ys, want) = naive_conv(&xv, xs, &kv, ks, sp);
        let r = eval1(Convolution, &[t(&xs, xv.clone()), t(&ks, kv.clone())], &sp.attrs(), ty(F64, &dims(ys)));
        assert_close(&r.to_f64_vec(), &want, 1e-13);
    }
    // Depthwise with channel multiplier 2: groups = channels = 3, 6 outputs.
    let (xs, ks) = ([1, 3, 4, 4], [6, 1, 2, 2]);
    let xv = data(xs.iter().product(), 23);
    let kv = data(ks.iter().product(), 24);
    let sp = Spec { stride: [1, 1], lo: [0, 1], hi: [1, 0], lhs_dil: [1, 1], rhs_dil: [1, 1], groups: 3 };
    let (ys, want) = naive_conv(&xv, xs, &kv, ks, sp);
    let r = eval1(Convolution, &[t(&xs, xv), t(&ks, kv)], &sp.attrs(), ty(F64, &dims(ys)));
    assert_close(&r.to_f64_vec(), &want, 1e-13);
}

#[test]
fn nhwc_hwio_layout_matches_naive() {
    let (xs, ks) = ([2, 3, 5, 6], [4, 3, 2, 3]);
    let xv = data(xs.iter().product(), 31);
    let kv = data(ks.iter().product(), 32);
    let sp = Spec { stride: [2, 1], lo: [1, 0], hi: [0, 2], lhs_dil: [1, 1], rhs_dil: [1, 2], groups: 1 };
    let (ys, want) = naive_conv(&xv, xs, &kv, ks, sp);
    // NCHW -> NHWC: result dims (n, h, w, c) are source dims (0, 2, 3, 1).
    let (xs_nhwc, x_nhwc) = permute4(&xv, xs, [0, 2, 3, 1]);
    // OIHW -> HWIO: result dims (h, w, i, o) are source dims (2, 3, 1, 0).
    let (ks_hwio, k_hwio) = permute4(&kv, ks, [2, 3, 1, 0]);
    let (ys_nhwc, want_nhwc) = permute4(&want, ys, [0, 2, 3, 1]);
    let mut attrs = sp.attrs();
    attrs.push(("input_dims", ints(&[0, 3, 1, 2])));
    attrs.push(("kernel_dims", ints(&[2, 3, 0, 1])));
    attrs.push(("output_dims", ints(&[0, 3, 1, 2])));
    for dtype in [F32, F64] {
        let x = HostTensor::from_f64(dtype, xs_nhwc.to_vec(), &x_nhwc).unwrap();
        let k = HostTensor::from_f64(dtype, ks_hwio.to_vec(), &k_hwio).unwrap();
        let r = eval1(Convolution, &[x, k], &attrs, ty(dtype, &dims(ys_nhwc)));
        assert_close(&r.to_f64_vec(), &want_nhwc, if dtype == F32 { 1e-5 } else { 1e-13 });
    }
    // The result in yet another layout: feature first, then batch ("CNHW").
    let (ys_cnhw, want_cnhw) = permute4(&want, ys, [1, 0, 2, 3]);
    let mut attrs = sp.attrs();
    attrs.push(("output_dims", ints(&[1, 0, 2, 3])));
    let r = eval1(Convolution, &[t(&xs, xv), t(&ks, kv)], &attrs, ty(F64, &dims(ys_cnhw)));
    assert_close(&r.to_f64_vec(), &want_cnhw, 1e-13);
}

#[test]
fn half_precision_and_empty_batch() {
    let (xs, ks) = ([1, 2, 4, 4], [3, 2, 3, 3]);
    let xv = small_ints(32, 41);
    let kv = small_ints(54, 42);
    let sp = specs()[2];
    let (ys, want) = naive_conv(&xv, xs, &kv, ks, sp);
    // Sums of 18 products of small integers are exact in f16 (|sum| <= 288).
    let x = HostTensor::from_f64(DType::F16, xs.to_vec(), &xv).unwrap();
    let k = HostTensor::from_f64(DType::F16, ks.to_vec(), &kv).unwrap();
    assert_eq!(eval1(Convolution, &[x, k], &sp.attrs(), ty(F16, &dims(ys))).to_f64_vec(), want);
    let x = t(&[0, 2, 4, 4], Vec::<f32>::new());
    let k = t(&[3, 2, 3, 3], vec![1f32; 54]);
    let r = eval1(Convolution, &[x, k], &[], ty(F32, &[0, 3, 2, 2]));
    assert_eq!(r.shape(), &[0, 3, 2, 2]);
}

#[test]
fn three_spatial_dims() {
    // 1x1x2x2x2 input, 1x1x2x2x2 kernel of ones: the single output is the sum.
    let x = t(&[1, 1, 2, 2, 2], (1..=8).map(|v| v as f64).collect());
    let k = t(&[1, 1, 2, 2, 2], vec![1f64; 8]);
    let r = eval1(Convolution, &[x, k], &[], ty(F64, &[1, 1, 1, 1, 1]));
    assert_eq!(r.to_f64_vec(), vec![36.0]);
}
