//! Data movement: expected values by hand or by naive index loops.
use crate::*;
use kc_ir::{Attr, DType::*, OpKind::*};

fn iota_t(n: usize) -> Vec<i32> {
    (0..n as i32).collect()
}

#[test]
fn iota_along_each_dim() {
    let r = eval1(Iota, &[], &[("dimension", Attr::Int(1))], ty(I32, &[2, 3]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[0, 1, 2, 0, 1, 2]);
    let r = eval1(Iota, &[], &[("dimension", Attr::Int(0))], ty(F32, &[2, 3]));
    assert_eq!(r.to_f64_vec(), vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    let r = eval1(Iota, &[], &[("dimension", Attr::Int(0))], ty(U8, &[300]));
    assert_eq!(r.as_slice::<u8>().unwrap()[299], 43); // 299 wraps to 299 - 256
    assert!(eval1(Iota, &[], &[("dimension", Attr::Int(0))], ty(I64, &[0, 4])).is_empty());
}

#[test]
fn constant_and_splat() {
    let lit = Attr::Literal(kc_ir::LiteralData::Float(vec![1.5]));
    let r = eval1(Constant, &[], &[("value", lit)], ty(F32, &[2, 2]));
    assert_eq!(r.to_f64_vec(), vec![1.5; 4]);
    let lit = Attr::Literal(kc_ir::LiteralData::Int(vec![1, 2, 3]));
    let r = eval1(Constant, &[], &[("value", lit)], ty(U32, &[3]));
    assert_eq!(r.as_slice::<u32>().unwrap(), &[1, 2, 3]);
    let lit = Attr::Literal(kc_ir::LiteralData::Bool(vec![true, false]));
    let r = eval1(Constant, &[], &[("value", lit)], ty(Bool, &[2]));
    assert_eq!(r.as_slice::<bool>().unwrap(), &[true, false]);
}

#[test]
fn broadcast_in_dim_cases() {
    let v = t(&[3], vec![1i32, 2, 3]);
    let r = eval1(BroadcastInDim, &[v.clone()], &[("dims", ints(&[1]))], ty(I32, &[2, 3]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[1, 2, 3, 1, 2, 3]);
    let r = eval1(BroadcastInDim, &[v], &[("dims", ints(&[0]))], ty(I32, &[3, 2]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[1, 1, 2, 2, 3, 3]);
    // A size-1 dim broadcasts along its result dim.
    let c = t(&[2, 1], vec![5i32, 6]);
    let r = eval1(BroadcastInDim, &[c], &[("dims", ints(&[0, 1]))], ty(I32, &[2, 3]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[5, 5, 5, 6, 6, 6]);
    let r = eval1(BroadcastInDim, &[s(7u8)], &[("dims", ints(&[]))], ty(U8, &[2, 2]));
    assert_eq!(r.as_slice::<u8>().unwrap(), &[7; 4]);
    // dims out of order transpose: result[j, k, i] = x[i, j].
    let x = t(&[2, 3], iota_t(6));
    let r = eval1(BroadcastInDim, &[x], &[("dims", ints(&[2, 0]))], ty(I32, &[3, 4, 2]));
    let mut want = Vec::new();
    for j in 0..3 {
        for _k in 0..4 {
            for i in 0..2 {
                want.push(i * 3 + j);
            }
        }
    }
    assert_eq!(r.as_slice::<i32>().unwrap(), &want[..]);
    // Into a zero-size result.
    let r = eval1(BroadcastInDim, &[s(1f32)], &[("dims", ints(&[]))], ty(F32, &[0, 5]));
    assert_eq!(r.shape(), &[0, 5]);
}

#[test]
fn reshape_keeps_row_major_order() {
    let x = t(&[2, 3], iota_t(6));
    let r = eval1(Reshape, &[x], &[], ty(I32, &[3, 1, 2]));
    assert_eq!(r.shape(), &[3, 1, 2]);
    assert_eq!(r.as_slice::<i32>().unwrap(), &[0, 1, 2, 3, 4, 5]);
    let r = eval1(Reshape, &[s(4i8)], &[], ty(I8, &[1, 1]));
    assert_eq!(r.as_slice::<i8>().unwrap(), &[4]);
}

#[test]
fn transpose_matches_naive_loop() {
    let x = t(&[2, 3, 4], iota_t(24));
    let r = eval1(Transpose, &[x], &[("permutation", ints(&[2, 0, 1]))], ty(I32, &[4, 2, 3]));
    let mut want = Vec::new();
    for k in 0..4 {
        for i in 0..2 {
            for j in 0..3 {
                want.push(i * 12 + j * 4 + k);
            }
        }
    }
    assert_eq!(r.as_slice::<i32>().unwrap(), &want[..]);
}

#[test]
fn slice_with_strides_and_open_limit() {
    let x = t(&[4, 5], iota_t(20));
    let r = eval1(
        Slice,
        &[x.clone()],
        &[("start", ints(&[1, 0])), ("limit", ints(&[4, 5])), ("strides", ints(&[2, 2]))],
        ty(I32, &[2, 3]),
    );
    assert_eq!(r.as_slice::<i32>().unwrap(), &[5, 7, 9, 15, 17, 19]);
    // limit -1 means the end of the dim.
    let r = eval1(Slice, &[x.clone()], &[("start", ints(&[3, 1])), ("limit", ints(&[-1, 3]))], ty(I32, &[1, 2]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[16, 17]);
    let r = eval1(Slice, &[x.clone()], &[("start", ints(&[2, 2])), ("limit", ints(&[2, 5]))], ty(I32, &[0, 3]));
    assert!(r.is_empty());
    // A stride larger than the dim takes just the start element.
    let r = eval1(
        Slice,
        &[x],
        &[("start", ints(&[1, 4])), ("limit", ints(&[4, 5])), ("strides", ints(&[i64::MAX, i64::MAX]))],
        ty(I32, &[1, 1]),
    );
    assert_eq!(r.as_slice::<i32>().unwrap(), &[9]);
}

#[test]
fn dynamic_slice_clamps_starts() {
    let x = t(&[5], iota_t(5));
    for (start, want) in [(1i32, [1, 2]), (4, [3, 4]), (-3, [0, 1]), (100, [3, 4])] {
        let r = eval1(DynamicSlice, &[x.clone(), s(start)], &[("sizes", ints(&[2]))], ty(I32, &[2]));
        assert_eq!(r.as_slice::<i32>().unwrap(), &want, "start {start}");
    }
    let m = t(&[3, 4], iota_t(12));
    let r = eval1(DynamicSlice, &[m, s(1u32), s(3u32)], &[("sizes", ints(&[2, 2]))], ty(I32, &[2, 2]));
    // Column start 3 is clamped to 4 - 2 = 2.
    assert_eq!(r.as_slice::<i32>().unwrap(), &[6, 7, 10, 11]);
}

#[test]
fn get_dimension_size_reads_the_extent() {
    let x = t(&[3, 4], iota_t(12));
    for (d, want) in [(0, 3), (1, 4)] {
        let r = eval1(GetDimensionSize, &[x.clone()], &[("dimension", Attr::Int(d))], ty(I32, &[]));
        assert_eq!(r.as_slice::<i32>().unwrap(), &[want], "dimension {d}");
    }
}

#[test]
fn dynamic_update_slice_clamps_starts() {
    let x = t(&[3, 3], vec![0i64; 9]);
    let u = t(&[2, 2], vec![1i64, 2, 3, 4]);
    let r = eval1(DynamicUpdateSlice, &[x.clone(), u.clone(), s(2i64), s(-1i64)], &[], ty(I64, &[3, 3]));
    // Row start 2 is clamped to 1, column start -1 to 0.
    assert_eq!(r.as_slice::<i64>().unwrap(), &[0, 0, 0, 1, 2, 0, 3, 4, 0]);
    let r = eval1(DynamicUpdateSlice, &[x, u, s(0i64), s(1i64)], &[], ty(I64, &[3, 3]));
    assert_eq!(r.as_slice::<i64>().unwrap(), &[0, 1, 2, 0, 3, 4, 0, 0, 0]);
}

/// Naive pad of a 2-D array: build each result element from the definition.
fn naive_pad(x: &[i32], n: [usize; 2], lo: [i64; 2], hi: [i64; 2], int: [i64; 2], fill: i32) -> (Vec<usize>, Vec<i32>) {
    let size = |d: usize| (lo[d] + hi[d] + n[d] as i64 + (n[d] as i64 - 1).max(0) * int[d]) as usize;
    let out = [size(0), size(1)];
    let mut v = vec![fill; out[0] * out[1]];
    for i in 0..n[0] {
        for j in 0..n[1] {
            let p = lo[0] + i as i64 * (int[0] + 1);
            let q = lo[1] + j as i64 * (int[1] + 1);
            if p >= 0 && q >= 0 && (p as usize) < out[0] && (q as usize) < out[1] {
                v[p as usize * out[1] + q as usize] = x[i * n[1] + j];
            }
        }
    }
    (out.to_vec(), v)
}

#[test]
fn pad_edges_interior_and_negative() {
    let x = t(&[3], vec![1i32, 2, 3]);
    let r = eval1(Pad, &[x.clone(), s(0i32)], &[("low", ints(&[1])), ("high", ints(&[2])), ("interior", ints(&[1]))], ty(I32, &[8]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[0, 1, 0, 2, 0, 3, 0, 0]);
    let r = eval1(Pad, &[x.clone(), s(9i32)], &[("low", ints(&[-1])), ("high", ints(&[-1])), ("interior", ints(&[2]))], ty(I32, &[5]));
    // Full padded [1, 9, 9, 2, 9, 9, 3] minus one at each end.
    assert_eq!(r.as_slice::<i32>().unwrap(), &[9, 9, 2, 9, 9]);
    let r = eval1(Pad, &[x, s(0i32)], &[("low", ints(&[-3])), ("high", ints(&[0]))], ty(I32, &[0]));
    assert!(r.is_empty());
    let m = t(&[3, 4], iota_t(12));
    for (lo, hi, int) in [([1, -1], [0, 2], [0, 1]), ([-2, 3], [2, -3], [1, 0]), ([0, 0], [0, 0], [2, 2])] {
        let (shape, want) = naive_pad(m.as_slice().unwrap(), [3, 4], lo, hi, int, -1);
        let r = eval1(
            Pad,
            &[m.clone(), s(-1i32)],
            &[("low", ints(&lo)), ("high", ints(&hi)), ("interior", ints(&int))],
            ty(I32, &shape.iter().map(|&d| d as u64).collect::<Vec<_>>()),
        );
        assert_eq!(r.as_slice::<i32>().unwrap(), &want[..], "lo {lo:?} hi {hi:?} interior {int:?}");
    }
    // Padding an empty dim: no interior gaps, just the edges.
    let e = t(&[0], Vec::<f32>::new());
    let r = eval1(Pad, &[e, s(2f32)], &[("low", ints(&[2])), ("high", ints(&[1])), ("interior", ints(&[3]))], ty(F32, &[3]));
    assert_eq!(r.to_f64_vec(), vec![2.0; 3]);
}

#[test]
fn concatenate_along_each_dim() {
    let a = t(&[2, 1], vec![1i32, 2]);
    let b = t(&[2, 2], vec![3i32, 4, 5, 6]);
    let r = eval1(Concatenate, &[a.clone(), b], &[("dimension", Attr::Int(1))], ty(I32, &[2, 3]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[1, 3, 4, 2, 5, 6]);
    let c = t(&[1, 1], vec![7i32]);
    let e = t(&[0, 1], Vec::<i32>::new());
    let r = eval1(Concatenate, &[a, e, c], &[("dimension", Attr::Int(0))], ty(I32, &[3, 1]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[1, 2, 7]);
}

#[test]
fn reverse_dims() {
    let x = t(&[2, 3], iota_t(6));
    let r = eval1(Reverse, &[x.clone()], &[("dimensions", ints(&[1]))], ty(I32, &[2, 3]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[2, 1, 0, 5, 4, 3]);
    let r = eval1(Reverse, &[x], &[("dimensions", ints(&[0, 1]))], ty(I32, &[2, 3]));
    assert_eq!(r.as_slice::<i32>().unwrap(), &[5, 4, 3, 2, 1, 0]);
    let e = t(&[0, 2], Vec::<i32>::new());
    assert!(eval1(Reverse, &[e], &[("dimensions", ints(&[0]))], ty(I32, &[0, 2])).is_empty());
}
