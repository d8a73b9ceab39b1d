//! Reductions, windows, cumulative ops, sort and top_k.
use crate::*;
use half::f16;
use kc_ir::{Attr, DType::*, OpKind::*};

fn kind(k: &str) -> (&'static str, Attr) {
    ("kind", Attr::Sym(k.to_string()))
}

#[test]
fn reduce_every_kind() {
    let x = t(&[2, 3], vec![1f32, -2.0, 3.0, 4.0, 5.0, -6.0]);
    let dims = ("dimensions", ints(&[1]));
    let r = |k: &str| eval1(Reduce, &[x.clone()], &[dims.clone(), kind(k)], ty(F32, &[2])).to_f64_vec();
    assert_eq!(r("sum"), vec![2.0, 3.0]);
    assert_eq!(r("prod"), vec![-6.0, -120.0]);
    assert_eq!(r("max"), vec![3.0, 5.0]);
    assert_eq!(r("min"), vec![-2.0, -6.0]);
    let all = eval1(Reduce, &[x.clone()], &[("dimensions", ints(&[0, 1])), kind("sum")], ty(F32, &[]));
    assert_eq!(all.to_f64_vec(), vec![5.0]);
    let cols = eval1(Reduce, &[x], &[("dimensions", ints(&[0])), kind("max")], ty(F32, &[3]));
    assert_eq!(cols.to_f64_vec(), vec![4.0, 5.0, 3.0]);
    let none = eval1(Reduce, &[t(&[2], vec![1i32, 2])], &[("dimensions", ints(&[])), kind("sum")], ty(I32, &[2]));
    assert_eq!(none.as_slice::<i32>().unwrap(), &[1, 2]);
}

#[test]
fn reduce_logic_and_bits() {
    let b = t(&[2, 2], vec![true, false, true, true]);
    let and = eval1(Reduce, &[b.clone()], &[("dimensions", ints(&[1])), kind("and")], ty(Bool, &[2]));
    assert_eq!(and.as_slice::<bool>().unwrap(), &[false, true]);
    let or = eval1(Reduce, &[b], &[("dimensions", ints(&[0])), kind("or")], ty(Bool, &[2]));
    assert_eq!(or.as_slice::<bool>().unwrap(), &[true, true]);
    let u = t(&[3], vec![0b1110u8, 0b0111, 0b0110]);
    let and = eval1(Reduce, &[u.clone()], &[("dimensions", ints(&[0])), kind("and")], ty(U8, &[]));
    assert_eq!(and.as_slice::<u8>().unwrap(), &[0b0110]);
    let or = eval1(Reduce, &[u], &[("dimensions", ints(&[0])), kind("or")], ty(U8, &[]));
    assert_eq!(or.as_slice::<u8>().unwrap(), &[0b1111]);
}

#[test]
fn integer_sums_wrap() {
    let x = t(&[3], vec![100i8, 100, 100]);
    let r = eval1(Reduce, &[x], &[("dimensions", ints(&[0])), kind("sum")], ty(I8, &[]));
    assert_eq!(r.as_slice::<i8>().unwrap(), &[44]); // 300 - 256
}

#[test]
fn empty_reductions_give_identities() {
    let e = t(&[2, 0], Vec::<f32>::new());
    let r = |k: &str| eval1(Reduce, &[e.clone()], &[("dimensions", ints(&[1])), kind(k)], ty(F32, &[2])).to_f64_vec();
    assert_eq!(r("sum"), vec![0.0, 0.0]);
    assert_eq!(r("prod"), vec![1.0, 1.0]);
    assert_eq!(r("max"), vec![f64::NEG_INFINITY; 2]);
    assert_eq!(r("min"), vec![f64::INFINITY; 2]);
    let e = t(&[0], Vec::<i32>::new());
    let r = |k: &str| eval1(Reduce, &[e.clone()], &[("dimensions", ints(&[0])), kind(k)], ty(I32, &[])).as_slice::<i32>().unwrap()[0];
    assert_eq!(r("max"), i32::MIN);
    assert_eq!(r("min"), i32::MAX);
    assert_eq!(r("and"), -1);
    assert_eq!(r("or"), 0);
    let e = t(&[0], Vec::<bool>::new());
    let r = eval1(Reduce, &[e], &[("dimensions", ints(&[0])), kind("and")], ty(Bool, &[]));
    assert_eq!(r.as_slice::<bool>().unwrap(), &[true]);
}

#[test]
fn f16_sums_accumulate_in_f32() {
    // Adding 1 to 2048 in f16 gives 2048 again (the spacing there is 2), so a sum that
    // rounded at every step would stop at 2048. Accumulating in f32 gives 3000 exactly.
    let x = t(&[3000], vec![f16::ONE; 3000]);
    let r = eval1(Reduce, &[x.clone()], &[("dimensions", ints(&[0])), kind("sum")], ty(F16, &[]));
    assert_eq!(r.to_f64_vec(), vec![3000.0]);
    let c = eval1(CumSum, &[x], &[("dimension", Attr::Int(0))], ty(F16, &[3000]));
    assert_eq!(c.to_f64_vec()[2999], 3000.0);
    // Running sums are rounded one by one: 2049 ties to even (2048), 2050 is exact.
    assert_eq!(c.to_f64_vec()[2048], 2048.0);
    assert_eq!(c.to_f64_vec()[2049], 2050.0);
}

#[test]
fn argmax_argmin_ties_and_nan() {
    let x = t(&[4], vec![1f32, 3.0, 3.0, 2.0]);
    let am = |op, x: &HostTensor, d: kc_ir::DType| eval1(op, &[x.clone()], &[("dimension", Attr::Int(0))], ty(d, &[])).to_f64_vec()[0];
    assert_eq!(am(ArgMax, &x, I32), 1.0);
    assert_eq!(am(ArgMin, &x, I64), 0.0);
    let n = t(&[5], vec![1f64, f64::NAN, 5.0, f64::NAN, -9.0]);
    assert_eq!(am(ArgMax, &n, I32), 1.0);
    assert_eq!(am(ArgMin, &n, I32), 1.0);
    let n = t(&[3], vec![1f32, 7.0, f32::NAN]);
    assert_eq!(am(ArgMax, &n, I32), 2.0);
    assert_eq!(am(ArgMin, &n, I32), 2.0);
    let i = t(&[4], vec![5u8, 0, 0, 5]);
    assert_eq!(am(ArgMax, &i, I32), 0.0);
    assert_eq!(am(ArgMin, &i, I32), 1.0);
    // Along dim 0 of a matrix: per column.
    let m = t(&[3, 2], vec![1i32, 9, 4, 2, 4, 9]);
    let r = eval1(ArgMax, &[m.clone()], &[("dimension", Attr::Int(0))], ty(I64, &[2]));
    assert_eq!(r.as_slice::<i64>().unwrap(), &[1, 0]);
    let r = eval1(ArgMin, &[m], &[("dimension", Attr::Int(1))], ty(I32, &[3]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[0, 1, 0]);
}

/// Naive reduce_window on a 2-D array from the definition: dilate the base by inserting
/// holes, pad, then take every (dilated) window; holes and padding hold `init`.
#[allow(clippy::too_many_arguments)]
fn naive_window(x: &[f64], n: [usize; 2], win: [usize; 2], st: [usize; 2], lo: [i64; 2], hi: [i64; 2], bd: [usize; 2], wd: [usize; 2], init: f64, f: fn(f64, f64) -> f64) -> (Vec<usize>, Vec<f64>) {
    // Dilated and padded base, built explicitly.
    let dil = |d: usize| if n[d] == 0 { 0 } else { (n[d] - 1) * bd[d] + 1 };
    let pad = |d: usize| (dil(d) as i64 + lo[d] + hi[d]) as usize;
    let (p0, p1) = (pad(0), pad(1));
    let mut base = vec![init; p0 * p1];
    for i in 0..n[0] {
        for j in 0..n[1] {
            let (a, b) = ((i * bd[0]) as i64 + lo[0], (j * bd[1]) as i64 + lo[1]);
            if a >= 0 && b >= 0 && (a as usize) < p0 && (b as usize) < p1 {
                base[a as usize * p1 + b as usize] = x[i * n[1] + j];
            }
        }
    }
    let span = |d: usize| (win[d] - 1) * wd[d] + 1;
    let out = |d: usize, p: usize| if p < span(d) { 0 } else { (p - span(d)) / st[d] + 1 };
    let (o0, o1) = (out(0, p0), out(1, p1));
    let mut res = Vec::new();
    for a in 0..o0 {
        for b in 0..o1 {
            let mut acc = init;
            for u in 0..win[0] {
                for v in 0..win[1] {
                    acc = f(acc, base[(a * st[0] + u * wd[0]) * p1 + b * st[1] + v * wd[1]]);
                }
            }
            res.push(acc);
        }
    }
    (vec![o0, o1], res)
}

#[test]
fn reduce_window_matches_naive_definition() {
    let n = [5usize, 6];
    let xs = small_ints(30, 7);
    let x = t(&[5, 6], xs.iter().map(|&v| v as f32).collect());
    let cases: &[([usize; 2], [usize; 2], [i64; 2], [i64; 2], [usize; 2], [usize; 2])] = &[
        ([2, 2], [2, 2], [0, 0], [0, 0], [1, 1], [1, 1]), // max pool 2x2/2
        ([3, 3], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1]), // "same" 3x3
        ([2, 3], [1, 2], [0, 2], [1, 0], [1, 1], [2, 1]), // window dilation, asymmetric padding
        ([2, 2], [1, 1], [-1, 0], [0, -2], [2, 1], [1, 1]), // base dilation, negative padding
        ([1, 1], [3, 4], [0, 0], [0, 0], [1, 1], [1, 1]),
    ];
    for &(win, st, lo, hi, bd, wd) in cases {
        for (k, init, f) in [
            ("sum", 0.0, (|a, b| a + b) as fn(f64, f64) -> f64),
            ("max", f64::NEG_INFINITY, f64::max),
            ("min", f64::INFINITY, f64::min),
        ] {
            let (shape, want) = naive_window(&xs, n, win, st, lo, hi, bd, wd, init, f);
            let i = |v: [usize; 2]| ints(&[v[0] as i64, v[1] as i64]);
            let r = eval1(
                ReduceWindow,
                &[x.clone()],
                &[
                    kind(k),
                    ("window", i(win)),
                    ("strides", i(st)),
                    ("padding_low", ints(&lo)),
                    ("padding_high", ints(&hi)),
                    ("base_dilation", i(bd)),
                    ("window_dilation", i(wd)),
                ],
                ty(F32, &[shape[0] as u64, shape[1] as u64]),
            );
            assert_eq!(r.to_f64_vec(), want, "{k} window {win:?} strides {st:?} lo {lo:?} hi {hi:?} bd {bd:?} wd {wd:?}");
        }
    }
}

#[test]
fn reduce_window_defaults_and_ints() {
    // Absent strides/padding/dilations: stride 1, no padding, no dilation.
    let x = t(&[5], vec![3i32, -1, 4, 1, -5]);
    let r = eval1(ReduceWindow, &[x.clone()], &[kind("max"), ("window", ints(&[2]))], ty(I32, &[4]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[3, 4, 4, 1]);
    let r = eval1(ReduceWindow, &[x], &[kind("sum"), ("window", ints(&[3])), ("strides", ints(&[2]))], ty(I32, &[2]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[6, 0]);
}

#[test]
fn reduce_window_of_a_scalar() {
    let r = eval1(ReduceWindow, &[s(4.5f64)], &[kind("max"), ("window", ints(&[]))], ty(F64, &[]));
    assert_eq!(r.to_f64_vec(), vec![4.5]);
}

#[test]
fn cumulative_ops_forward_and_reverse() {
    let x = t(&[2, 3], vec![1i32, 2, 3, 4, 5, 6]);
    let c = |op, d: i64, rev: bool| {
        eval1(op, &[x.clone()], &[("dimension", Attr::Int(d)), ("reverse", Attr::Bool(rev))], ty(I32, &[2, 3]))
            .as_slice::<i32>()
            .unwrap()
            .to_vec()
    };
    assert_eq!(c(CumSum, 1, false), vec![1, 3, 6, 4, 9, 15]);
    assert_eq!(c(CumSum, 1, true), vec![6, 5, 3, 15, 11, 6]);
    assert_eq!(c(CumSum, 0, false), vec![1, 2, 3, 5, 7, 9]);
    assert_eq!(c(CumProd, 1, false), vec![1, 2, 6, 4, 20, 120]);
    assert_eq!(c(CumProd, 0, true), vec![4, 10, 18, 4, 5, 6]);
    let y = t(&[5], vec![2f32, 1.0, 5.0, f32::NAN, 7.0]);
    let mx = eval1(CumMax, &[y.clone()], &[("dimension", Attr::Int(0))], ty(F32, &[5])).to_f64_vec();
    assert_eq!(&mx[..3], &[2.0, 2.0, 5.0]);
    assert!(mx[3].is_nan() && mx[4].is_nan());
    let mn = eval1(CumMin, &[y], &[("dimension", Attr::Int(0)), ("reverse", Attr::Bool(true))], ty(F32, &[5])).to_f64_vec();
    assert!(mn[0].is_nan() && mn[3].is_nan());
    assert_eq!(mn[4], 7.0);
}

#[test]
fn sort_is_stable_and_carries_operands() {
    let keys = t(&[6], vec![3f32, 1.0, f32::NAN, 1.0, -0.0, 0.0]);
    let vals = t(&[6], vec![0i32, 1, 2, 3, 4, 5]);
    let out = eval(Sort, &[keys.clone(), vals.clone()], &[("dimension", Attr::Int(0))], vec![ty(F32, &[6]), ty(I32, &[6])]);
    // Ascending: -0.0 < 0.0, ties keep order (1 before 3), NaN last.
    assert_eq!(out[1].as_slice::<i32>().unwrap(), &[4, 5, 1, 3, 0, 2]);
    let k = out[0].to_f64_vec();
    assert!(k[0].is_sign_negative() && k[5].is_nan());
    let out = eval(
        Sort,
        &[keys, vals],
        &[("dimension", Attr::Int(0)), ("descending", Attr::Bool(true))],
        vec![ty(F32, &[6]), ty(I32, &[6])],
    );
    // Descending: NaN first, ties still keep order.
    assert_eq!(out[1].as_slice::<i32>().unwrap(), &[2, 0, 1, 3, 5, 4]);
    // Along dim 0 of a matrix: each column separately.
    let m = t(&[3, 2], vec![3i64, 0, 1, 2, 2, 1]);
    let out = eval(Sort, &[m], &[("dimension", Attr::Int(0))], vec![ty(I64, &[3, 2])]);
    assert_eq!(out[0].as_slice::<i64>().unwrap(), &[1, 0, 2, 1, 3, 2]);
}

#[test]
fn top_k_values_and_indices() {
    let x = t(&[2, 5], vec![1f32, 5.0, 3.0, 5.0, 2.0, -1.0, -2.0, -3.0, -4.0, -5.0]);
    let out = eval(TopK, &[x], &[("k", Attr::Int(3))], vec![ty(F32, &[2, 3]), ty(I32, &[2, 3])]);
    assert_eq!(out[0].to_f64_vec(), vec![5.0, 5.0, 3.0, -1.0, -2.0, -3.0]);
    assert_eq!(out[1].as_slice::<i32>().unwrap(), &[1, 3, 2, 0, 1, 2]);
    let x = t(&[3], vec![2i32, 9, 4]);
    let out = eval(TopK, &[x], &[("k", Attr::Int(0))], vec![ty(I32, &[0]), ty(I32, &[0])]);
    assert!(out[0].is_empty() && out[1].is_empty());
}
