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
