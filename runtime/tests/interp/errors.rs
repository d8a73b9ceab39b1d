//! Errors: bad inputs name the parameter, failures name the node and op, and results that
//! are too large are refused before anything is allocated.
use crate::*;
use kc_ir::{Attr, DType::*, OpKind::*};

/// @main(%x: f32[N, 3], %y: f32[N]) -> broadcast y into x's shape and add.
fn affine_like() -> kc_ir::Func {
    let mut g = G::new();
    let x = g.param("x", sty(F32, &["N", "3"]));
    let y = g.param("y", sty(F32, &["N"]));
    let yb = g.op1(BroadcastInDim, &[y], &[("dims", ints(&[0]))], sty(F32, &["N", "3"]));
    let r = g.op1(Add, &[x, yb], &[], sty(F32, &["N", "3"]));
    g.func(&[r])
}

fn err(f: &kc_ir::Func, inputs: &[HostTensor]) -> String {
    kc_runtime::run_func(f, inputs).unwrap_err().to_string()
}

#[test]
fn wrong_input_count() {
    let e = err(&affine_like(), &[HostTensor::zeros(F32, vec![2, 3]).unwrap()]);
    assert_eq!(e, "@main takes 2 inputs (%x, %y), got 1");
}

#[test]
fn wrong_dtype_names_the_parameter() {
    let e = err(&affine_like(), &[HostTensor::zeros(F64, vec![2, 3]).unwrap(), HostTensor::zeros(F32, vec![2]).unwrap()]);
    assert_eq!(e, "%x expects f32[N, 3], got f64[2, 3]: dtype f64 is not f32");
}

#[test]
fn wrong_shape_names_parameter_expected_and_actual() {
    let e = err(&affine_like(), &[HostTensor::zeros(F32, vec![2, 4]).unwrap(), HostTensor::zeros(F32, vec![2]).unwrap()]);
    assert_eq!(e, "%x expects f32[N, 3], got f32[2, 4]: dim 1 must be 3");
    let e = err(&affine_like(), &[HostTensor::zeros(F32, vec![2, 3, 1]).unwrap(), HostTensor::zeros(F32, vec![2]).unwrap()]);
    assert_eq!(e, "%x expects f32[N, 3], got f32[2, 3, 1]: rank 3 is not 2");
}

#[test]
fn symbolic_dim_must_bind_consistently() {
    let e = err(&affine_like(), &[HostTensor::zeros(F32, vec![3, 3]).unwrap(), HostTensor::zeros(F32, vec![5]).unwrap()]);
    assert_eq!(e, "dim N is 3 in %x but 5 in %y");
}

#[test]
fn unbound_symbol_in_a_result() {
    let mut g = G::new();
    let x = g.param("x", sty(F32, &["N"]));
    let b = g.op1(BroadcastInDim, &[x], &[("dims", ints(&[1]))], sty(F32, &["M", "N"]));
    let e = g.run(&[b], &[HostTensor::zeros(F32, vec![4]).unwrap()]).unwrap_err().to_string();
    assert!(e.starts_with("in node 1 (`broadcast_in_dim`): unbound symbolic dim M"), "{e}");
}

#[test]
fn huge_result_is_refused_not_allocated() {
    // A 10^6 x 10^6 = 10^12-element broadcast.
    let mut g = G::new();
    let x = g.param("x", ty(F32, &[]));
    let b = g.op1(BroadcastInDim, &[x], &[("dims", ints(&[]))], ty(F32, &[1_000_000, 1_000_000]));
    let e = g.run(&[b], &[s(1f32)]).unwrap_err().to_string();
    assert!(e.starts_with("in node 1 (`broadcast_in_dim`): result f32[1000000, 1000000] has 1000000000000 elements"), "{e}");
    // Element counts that overflow u64 are refused the same way.
    let mut g = G::new();
    let big = u64::MAX / 2;
    let c = g.op1(Iota, &[], &[("dimension", Attr::Int(0))], ty(I32, &[big, big, 4]));
    let e = g.run(&[c], &[]).unwrap_err().to_string();
    assert!(e.contains("more than 2^64 elements"), "{e}");
    // Through a symbolic dim bound at call time: N = 2^20 makes [N, N, 4] 2^42 elements.
    let mut g = G::new();
    let x = g.param("x", sty(U8, &["N"]));
    let b = g.op1(BroadcastInDim, &[x], &[("dims", ints(&[0]))], sty(U8, &["N", "N", "4"]));
    let e = g.run(&[b], &[HostTensor::zeros(U8, vec![1 << 20]).unwrap()]).unwrap_err().to_string();
    assert!(e.contains("at most 2^31 elements"), "{e}");
}

#[test]
fn sizes_implied_by_attributes_are_checked_too() {
    // Hand-built nodes that declare a small result while their operands and attributes
    // imply a huge one: the op refuses before allocating.
    let v = HostTensor::zeros(F32, vec![100_000]).unwrap();
    let e = try_eval(DotGeneral, &[v.clone(), v.clone()], &[("lhs_contracting", ints(&[])), ("rhs_contracting", ints(&[]))], vec![ty(F32, &[1])])
        .unwrap_err()
        .to_string();
    assert!(e.contains("result f32[100000, 100000] has 10000000000 elements"), "{e}");
    let e = try_eval(
        ReduceWindow,
        &[v],
        &[("kind", Attr::Sym("sum".into())), ("window", ints(&[1])), ("base_dilation", ints(&[1_000_000]))],
        vec![ty(F32, &[1])],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("at most 2^31 elements"), "{e}");
}

#[test]
fn op_failures_name_the_node() {
    // A hand-built dot_general whose contracting dims differ (the type rules would reject
    // it; the interpreter must still fail cleanly).
    let e = try_eval(
        DotGeneral,
        &[HostTensor::zeros(F32, vec![2, 3]).unwrap(), HostTensor::zeros(F32, vec![4, 2]).unwrap()],
        &[("lhs_contracting", ints(&[1])), ("rhs_contracting", ints(&[0]))],
        vec![ty(F32, &[2, 2])],
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("in node 2 (`dot_general`): contracting dims differ"), "{e}");
    // A node whose declared type disagrees with what it computes.
    let e = try_eval(Add, &[s(1i32), s(2i32)], &[], vec![ty(I32, &[1])]).unwrap_err().to_string();
    assert!(e.starts_with("in node 2 (`add`): computed (i32[]) but the node declares (i32[1])"), "{e}");
    // Mismatched operands of an elementwise op.
    let e = try_eval(Add, &[s(1i32), s(2i64)], &[], vec![ty(I32, &[])]).unwrap_err().to_string();
    assert!(e.starts_with("in node 2 (`add`): operands differ"), "{e}");
    // An op applied to a dtype it does not take.
    let e = try_eval(Exp, &[s(1i32)], &[], vec![ty(I32, &[])]).unwrap_err().to_string();
    assert_eq!(e, "in node 1 (`exp`): `exp` does not apply to i32");
    // A broadcast that does not fit at run time (symbolic dims bound to different sizes).
    let mut g = G::new();
    let x = g.param("x", sty(F32, &["A"]));
    let _y = g.param("y", sty(F32, &["B"]));
    let b = g.op1(BroadcastInDim, &[x], &[("dims", ints(&[0]))], sty(F32, &["B"]));
    let e = g
        .run(&[b], &[HostTensor::zeros(F32, vec![2]).unwrap(), HostTensor::zeros(F32, vec![3]).unwrap()])
        .unwrap_err()
        .to_string();
    assert_eq!(e, "in node 2 (`broadcast_in_dim`): operand dim 0 (2) cannot broadcast to result dim 0 (3)");
}

#[test]
fn while_errors_say_which_region() {
    // A cond that returns an i32 instead of a bool.
    let mut cond = G::new();
    let c = cond.param("c", ty(I32, &[]));
    let cond = cond.ret(&[c]);
    let mut body = G::new();
    let b = body.param("c", ty(I32, &[]));
    let body = body.ret(&[b]);
    let mut g = G::new();
    let x = g.param("x", ty(I32, &[]));
    let out = g.op_regions(While, &[x], vec![ty(I32, &[])], vec![cond, body]);
    let e = g.run(&out, &[s(1i32)]).unwrap_err().to_string();
    assert_eq!(e, "in node 1 (`while`): cond must return one bool[], returned (i32[])");
}

#[test]
fn unknown_function() {
    let m = kc_ir::Module { funcs: vec![affine_like()] };
    let e = kc_runtime::run(&m, "train", &[]).unwrap_err().to_string();
    assert_eq!(e, "no function @train; the module defines @main");
}

#[test]
fn malformed_nodes_are_errors_not_panics() {
    // Hand-built nodes with attributes the type rules would reject. Each must come back
    // as an error naming the op.
    let m = HostTensor::zeros(F32, vec![2, 3]).unwrap();
    let v = HostTensor::zeros(I32, vec![4]).unwrap();
    let f = |t: &[u64]| vec![ty(F32, t)];
    let sym = |k: &str| Attr::Sym(k.into());
    let cases: Vec<(kc_ir::OpKind, Vec<HostTensor>, Vec<(&str, Attr)>, Vec<TensorType>)> = vec![
        (Transpose, vec![m.clone()], vec![("permutation", ints(&[0, 0]))], f(&[2, 2])),
        (Transpose, vec![m.clone()], vec![("permutation", ints(&[1]))], f(&[3])),
        (Slice, vec![m.clone()], vec![("start", ints(&[2, 0])), ("limit", ints(&[1, 3]))], f(&[0, 3])),
        (Slice, vec![m.clone()], vec![("start", ints(&[0])), ("limit", ints(&[1]))], f(&[1])),
        (Slice, vec![m.clone()], vec![("start", ints(&[0, 0])), ("limit", ints(&[2, 3])), ("strides", ints(&[0, 1]))], f(&[2, 3])),
        (Reduce, vec![m.clone()], vec![("dimensions", ints(&[2])), ("kind", sym("sum"))], f(&[2])),
        (Reduce, vec![m.clone()], vec![("dimensions", ints(&[0, 0])), ("kind", sym("sum"))], f(&[3])),
        (Reduce, vec![m.clone()], vec![("dimensions", ints(&[0])), ("kind", sym("and"))], f(&[3])),
        (ArgMax, vec![m.clone()], vec![("dimension", Attr::Int(0))], f(&[3])),
        (ArgMax, vec![m.clone()], vec![("dimension", Attr::Int(7))], vec![ty(I32, &[3])]),
        (CumSum, vec![m.clone()], vec![("dimension", Attr::Int(-1))], f(&[2, 3])),
        (Sort, vec![m.clone()], vec![("dimension", Attr::Int(2))], f(&[2, 3])),
        (TopK, vec![m.clone()], vec![("k", Attr::Int(4))], vec![ty(F32, &[2, 4]), ty(I32, &[2, 4])]),
        (Iota, vec![], vec![("dimension", Attr::Int(2))], f(&[2, 3])),
        (Iota, vec![], vec![("dimension", Attr::Int(0))], vec![ty(Bool, &[2])]),
        (Concatenate, vec![m.clone(), HostTensor::zeros(F32, vec![2, 4]).unwrap()], vec![("dimension", Attr::Int(0))], f(&[4, 3])),
        (Concatenate, vec![m.clone()], vec![("dimension", Attr::Int(2))], f(&[2, 3])),
        (Reverse, vec![m.clone()], vec![("dimensions", ints(&[0, 0]))], f(&[2, 3])),
        (Pad, vec![m.clone(), s(0f32)], vec![("low", ints(&[0, 0])), ("high", ints(&[0, 0])), ("interior", ints(&[-1, 0]))], f(&[2, 3])),
        (Pad, vec![m.clone(), s(0f32)], vec![("low", ints(&[-5, 0])), ("high", ints(&[0, 0]))], f(&[0, 3])),
        (Pad, vec![m.clone(), s(0i32)], vec![("low", ints(&[0, 0])), ("high", ints(&[0, 0]))], f(&[2, 3])),
        (DynamicSlice, vec![m.clone(), s(0i32), s(0i32)], vec![("sizes", ints(&[3, 1]))], f(&[3, 1])),
        (DynamicSlice, vec![m.clone(), s(0f32), s(0i32)], vec![("sizes", ints(&[1, 1]))], f(&[1, 1])),
        (DynamicUpdateSlice, vec![m.clone(), HostTensor::zeros(F32, vec![3, 1]).unwrap(), s(0i32), s(0i32)], vec![], f(&[2, 3])),
        (BroadcastInDim, vec![m.clone()], vec![("dims", ints(&[0]))], f(&[2, 3])),
        (BroadcastInDim, vec![m.clone()], vec![("dims", ints(&[0, 5]))], f(&[2, 3])),
        (Reshape, vec![m.clone()], vec![], f(&[5])),
        (Select, vec![s(1i32), m.clone(), m.clone()], vec![], f(&[2, 3])),
        (Clamp, vec![HostTensor::zeros(F32, vec![3]).unwrap(), m.clone(), s(1f32)], vec![], f(&[2, 3])),
        (BitcastConvert, vec![m.clone()], vec![], vec![ty(F64, &[2, 3])]),
        (ReduceWindow, vec![m.clone()], vec![("kind", sym("max")), ("window", ints(&[1]))], f(&[2, 3])),
        (ReduceWindow, vec![m.clone()], vec![("kind", sym("max")), ("window", ints(&[1, 1])), ("strides", ints(&[0, 1]))], f(&[2, 3])),
        (ReduceWindow, vec![m.clone()], vec![("kind", sym("max")), ("window", ints(&[1, 1])), ("padding_low", ints(&[-9, 0]))], f(&[0, 3])),
        (DotGeneral, vec![m.clone(), m.clone()], vec![("lhs_batch", ints(&[0])), ("rhs_batch", ints(&[])), ("lhs_contracting", ints(&[1])), ("rhs_contracting", ints(&[1]))], f(&[2])),
        (DotGeneral, vec![m.clone(), m.clone()], vec![("lhs_contracting", ints(&[1, 1])), ("rhs_contracting", ints(&[1, 0]))], f(&[])),
        (DotGeneral, vec![m.clone(), m.clone()], vec![("lhs_contracting", ints(&[4])), ("rhs_contracting", ints(&[1]))], f(&[])),
        (Convolution, vec![m.clone(), m.clone()], vec![("feature_group_count", Attr::Int(2))], f(&[2, 2])),
        (Convolution, vec![m.clone(), m.clone()], vec![("input_dims", ints(&[0, 0]))], f(&[2, 2])),
        (Convolution, vec![m.clone(), HostTensor::zeros(F32, vec![2, 3, 1]).unwrap()], vec![], f(&[2, 2])),
        (Convolution, vec![HostTensor::zeros(F32, vec![1, 1, 3]).unwrap(), HostTensor::zeros(F32, vec![1, 1, 2]).unwrap()], vec![("window_strides", ints(&[0]))], f(&[1, 1, 2])),
        (Gather, vec![m.clone(), v.clone()], vec![("offset_dims", ints(&[1])), ("collapsed_slice_dims", ints(&[0])), ("start_index_map", ints(&[0, 1])), ("index_vector_dim", Attr::Int(1)), ("slice_sizes", ints(&[1, 3]))], f(&[4, 3])),
        (Gather, vec![m.clone(), v.clone()], vec![("offset_dims", ints(&[1])), ("collapsed_slice_dims", ints(&[0])), ("start_index_map", ints(&[0])), ("index_vector_dim", Attr::Int(3)), ("slice_sizes", ints(&[1, 3]))], f(&[4, 3])),
        (Gather, vec![m.clone(), v.clone()], vec![("offset_dims", ints(&[1])), ("collapsed_slice_dims", ints(&[0])), ("start_index_map", ints(&[0])), ("index_vector_dim", Attr::Int(1)), ("slice_sizes", ints(&[1, 4]))], f(&[4, 4])),
        (Gather, vec![m.clone(), m.clone()], vec![("offset_dims", ints(&[1])), ("collapsed_slice_dims", ints(&[0])), ("start_index_map", ints(&[0])), ("index_vector_dim", Attr::Int(2)), ("slice_sizes", ints(&[1, 3]))], f(&[2, 3, 3])),
        (Scatter, vec![m.clone(), v.clone(), HostTensor::zeros(F32, vec![4, 3]).unwrap()], vec![("update_window_dims", ints(&[1])), ("inserted_window_dims", ints(&[0])), ("scatter_dims_to_operand_dims", ints(&[2])), ("index_vector_dim", Attr::Int(1))], f(&[2, 3])),
        (Scatter, vec![m.clone(), v.clone(), HostTensor::zeros(F32, vec![5, 3]).unwrap()], vec![("update_window_dims", ints(&[1])), ("inserted_window_dims", ints(&[0])), ("scatter_dims_to_operand_dims", ints(&[0])), ("index_vector_dim", Attr::Int(1))], f(&[2, 3])),
        (Scatter, vec![m.clone(), v.clone(), HostTensor::zeros(F32, vec![4, 4]).unwrap()], vec![("update_window_dims", ints(&[1])), ("inserted_window_dims", ints(&[0])), ("scatter_dims_to_operand_dims", ints(&[0])), ("index_vector_dim", Attr::Int(1))], f(&[2, 3])),
        (Scatter, vec![HostTensor::zeros(Bool, vec![2, 3]).unwrap(), v.clone(), HostTensor::zeros(Bool, vec![4, 3]).unwrap()], vec![("update_window_dims", ints(&[1])), ("inserted_window_dims", ints(&[0])), ("scatter_dims_to_operand_dims", ints(&[0])), ("index_vector_dim", Attr::Int(1)), ("kind", sym("add"))], vec![ty(Bool, &[2, 3])]),
    ];
    for (op, inputs, attrs, out) in cases {
        let r = std::panic::catch_unwind(|| try_eval(op, &inputs, &attrs, out.clone()));
        match r {
            Ok(Err(e)) => {
                let e = e.to_string();
                assert!(e.contains(&format!("(`{op}`)")), "{op}: error does not name the op: {e}");
            }
            Ok(Ok(v)) => panic!("{op} with {attrs:?} should fail, gave {v:?}"),
            Err(_) => panic!("{op} with {attrs:?} panicked"),
        }
    }
}
