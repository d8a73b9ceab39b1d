//! dot_general against hand values and naive loops.
use crate::*;
use half::{bf16, f16};
use kc_ir::{DType, DType::*, OpKind::*};

fn dot(l: &HostTensor, r: &HostTensor, lb: &[i64], rb: &[i64], lc: &[i64], rc: &[i64], out: TensorType) -> HostTensor {
    eval1(
        DotGeneral,
        &[l.clone(), r.clone()],
        &[("lhs_batch", ints(lb)), ("rhs_batch", ints(rb)), ("lhs_contracting", ints(lc)), ("rhs_contracting", ints(rc))],
        out,
    )
}

#[test]
fn matrix_product_by_hand() {
    let a = t(&[2, 3], vec![1f32, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let b = t(&[3, 2], vec![7f32, 8.0, 9.0, 10.0, 11.0, 12.0]);
    // [1 2 3; 4 5 6] x [7 8; 9 10; 11 12] = [58 64; 139 154]
    assert_eq!(dot(&a, &b, &[], &[], &[1], &[0], ty(F32, &[2, 2])).to_f64_vec(), vec![58.0, 64.0, 139.0, 154.0]);
    // a^T a, contracting dim 0 of both: [17 22 27; 22 29 36; 27 36 45]
    let ata = dot(&a, &a, &[], &[], &[0], &[0], ty(F32, &[3, 3]));
    assert_eq!(ata.to_f64_vec(), vec![17.0, 22.0, 27.0, 22.0, 29.0, 36.0, 27.0, 36.0, 45.0]);
    // Vector dot product and outer product.
    let v = t(&[3], vec![1f64, 2.0, 3.0]);
    assert_eq!(dot(&v, &v, &[], &[], &[0], &[0], ty(F64, &[])).to_f64_vec(), vec![14.0]);
    let o = dot(&v, &v, &[], &[], &[], &[], ty(F64, &[3, 3]));
    assert_eq!(o.to_f64_vec(), vec![1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 3.0, 6.0, 9.0]);
}

/// Naive dot_general for lhs [c, b, m] and rhs [b, n, c] (batch and contracting dims in
/// unusual places): result [b, m, n].
fn naive_bmn(l: &[f64], r: &[f64], (c, b, m, n): (usize, usize, usize, usize)) -> Vec<f64> {
    let mut out = vec![0.0; b * m * n];
    for bi in 0..b {
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0.0;
                for k in 0..c {
                    acc += l[(k * b + bi) * m + i] * r[(bi * n + j) * c + k];
                }
                out[(bi * m + i) * n + j] = acc;
            }
        }
    }
    out
}

#[test]
fn batched_with_permuted_dims_matches_naive_loops() {
    let (c, b, m, n) = (4, 3, 5, 2);
    let lv = small_ints(c * b * m, 1);
    let rv = small_ints(b * n * c, 2);
    let want = naive_bmn(&lv, &rv, (c, b, m, n));
    for dtype in [F32, F64, I32, I64, F16, BF16] {
        let l = HostTensor::from_f64(dtype, vec![c, b, m], &lv).unwrap();
        let r = HostTensor::from_f64(dtype, vec![b, n, c], &rv).unwrap();
        let got = dot(&l, &r, &[1], &[0], &[0], &[2], ty(dtype, &[b as u64, m as u64, n as u64]));
        // Small integers: every dtype computes these sums exactly.
        assert_eq!(got.to_f64_vec(), want, "{dtype}");
    }
}

#[test]
fn several_free_and_contracting_dims() {
    // lhs [2, 3, 4] contracting dims 2 and 0; rhs [4, 5, 2] contracting dims 0 and 2:
    // result [3, 5][i, j] = sum over a, k of lhs[a, i, k] * rhs[k, j, a].
    let lv = data(24, 3);
    let rv = data(40, 4);
    let mut want = vec![0.0; 15];
    for i in 0..3 {
        for j in 0..5 {
            for a in 0..2 {
                for k in 0..4 {
                    want[i * 5 + j] += lv[(a * 3 + i) * 4 + k] * rv[(k * 5 + j) * 2 + a];
                }
            }
        }
    }
    let l = t(&[2, 3, 4], lv);
    let r = t(&[4, 5, 2], rv);
    let got = dot(&l, &r, &[], &[], &[2, 0], &[0, 2], ty(F64, &[3, 5]));
    assert_close(&got.to_f64_vec(), &want, 1e-14);
    // Free dims on both sides keep their order: lhs [2, 3] x rhs [3, 4, 5] -> [2, 4, 5].
    let l = t(&[2, 3], data(6, 5));
    let r = t(&[3, 4, 5], data(60, 6));
    let (lv, rv) = (l.to_f64_vec(), r.to_f64_vec());
    let mut want = vec![0.0; 40];
    for i in 0..2 {
        for j in 0..4 {
            for k in 0..5 {
                for c in 0..3 {
                    want[(i * 4 + j) * 5 + k] += lv[i * 3 + c] * rv[(c * 4 + j) * 5 + k];
                }
            }
        }
    }
    assert_close(&dot(&l, &r, &[], &[], &[1], &[0], ty(F64, &[2, 4, 5])).to_f64_vec(), &want, 1e-14);
}

#[test]
fn large_f32_matmul_is_accurate() {
    // Big enough to go through the blocked kernel's packing paths.
    let (m, k, n) = (67, 129, 33);
    let lv = data(m * k, 7);
    let rv = data(k * n, 8);
    let mut want = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                want[i * n + j] += (lv[i * k + p] as f32 as f64) * (rv[p * n + j] as f32 as f64);
            }
        }
    }
    let l = HostTensor::from_f64(F32, vec![m, k], &lv).unwrap();
    let r = HostTensor::from_f64(F32, vec![k, n], &rv).unwrap();
    let got = dot(&l, &r, &[], &[], &[1], &[0], ty(F32, &[m as u64, n as u64])).to_f64_vec();
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 1e-4, "{g} vs {w}");
    }
}

#[test]
fn integer_dot_wraps() {
    let a = t(&[1, 2], vec![100i8, 100]);
    let b = t(&[2, 1], vec![2i8, 1]);
    // 200 + 100 = 300 wraps to 44.
    assert_eq!(dot(&a, &b, &[], &[], &[1], &[0], ty(I8, &[1, 1])).as_slice::<i8>().unwrap(), &[44]);
    let a = t(&[2], vec![u32::MAX, 2]);
    let b = t(&[2], vec![2u32, 3]);
    // (2^32 - 1) * 2 + 6 = 2^33 + 4 wraps to 4.
    assert_eq!(dot(&a, &b, &[], &[], &[0], &[0], ty(U32, &[])).as_slice::<u32>().unwrap(), &[4]);
}

#[test]
fn half_precision_accumulates_in_f32() {
    // 1 + 4096 * 2^-12 = 2: in f16, adding 2^-12 to 1 rounds away every time, so an f16
    // accumulator would give 1; f32 accumulation gives 2.
    let mut l = vec![f16::ONE];
    l.extend(std::iter::repeat_n(f16::from_f32(2f32.powi(-12)), 4096));
    let ones = vec![f16::ONE; 4097];
    let got = dot(&t(&[4097], l), &t(&[4097], ones), &[], &[], &[0], &[0], ty(F16, &[]));
    assert_eq!(got.to_f64_vec(), vec![2.0]);
    let a = t(&[2], vec![bf16::from_f32(3.0), bf16::from_f32(0.5)]);
    assert_eq!(dot(&a, &a, &[], &[], &[0], &[0], ty(BF16, &[])).to_f64_vec(), vec![9.25]);
}

#[test]
fn zero_size_dims() {
    // Empty contraction: zeros.
    let a = t(&[2, 0], Vec::<f32>::new());
    let b = t(&[0, 3], Vec::<f32>::new());
    assert_eq!(dot(&a, &b, &[], &[], &[1], &[0], ty(F32, &[2, 3])).to_f64_vec(), vec![0.0; 6]);
    let a = t(&[2, 0], Vec::<i32>::new());
    let b = t(&[0, 3], Vec::<i32>::new());
    assert_eq!(dot(&a, &b, &[], &[], &[1], &[0], ty(I32, &[2, 3])).as_slice::<i32>().unwrap(), &[0; 6]);
    // Empty batch and empty free dims.
    let a = t(&[0, 2, 3], Vec::<f64>::new());
    let b = t(&[0, 3, 4], Vec::<f64>::new());
    assert_eq!(dot(&a, &b, &[0], &[0], &[2], &[1], ty(F64, &[0, 2, 4])).shape(), &[0, 2, 4]);
    let a = t(&[0, 3], Vec::<f64>::new());
    let b = t(&[3, 4], vec![1f64; 12]);
    assert_eq!(dot(&a, &b, &[], &[], &[1], &[0], ty(F64, &[0, 4])).shape(), &[0, 4]);
}

#[test]
fn bool_has_no_product() {
    let a = t(&[2], vec![true, false]);
    let e = try_eval(
        DotGeneral,
        &[a.clone(), a],
        &[("lhs_contracting", ints(&[0])), ("rhs_contracting", ints(&[0]))],
        vec![ty(DType::Bool, &[])],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("dot_general") && e.contains("bool"), "{e}");
}
