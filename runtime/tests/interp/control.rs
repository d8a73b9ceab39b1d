//! `while` loops, and value lifetimes across nodes and returns.
use crate::*;
use kc_ir::{Attr, DType, DType::*, OpKind::*, Region};

fn lit_int(g: &mut G, v: i64, d: DType) -> kc_ir::Value {
    g.op1(Constant, &[], &[("value", Attr::Literal(kc_ir::LiteralData::Int(vec![v])))], ty(d, &[]))
}

fn cmp(g: &mut G, a: kc_ir::Value, b: kc_ir::Value, dir: &str) -> kc_ir::Value {
    g.op1(Compare, &[a, b], &[("direction", Attr::Sym(dir.into()))], ty(Bool, &[]))
}

/// cond(i, acc, n) = i <= n
fn cond_le(d: DType) -> Region {
    let mut g = G::new();
    let i = g.param("i", ty(d, &[]));
    let _acc = g.param("acc", ty(d, &[]));
    let n = g.param("n", ty(d, &[]));
    let c = cmp(&mut g, i, n, "le");
    g.ret(&[c])
}

/// A loop over i = 1..=n carrying (i, acc, n), with body acc' = step(acc, i).
fn counting_loop(d: DType, step: kc_ir::OpKind, init: i64, n: HostTensor) -> HostTensor {
    let mut body = G::new();
    let i = body.param("i", ty(d, &[]));
    let acc = body.param("acc", ty(d, &[]));
    let nn = body.param("n", ty(d, &[]));
    let one = lit_int(&mut body, 1, d);
    let i2 = body.op1(Add, &[i, one], &[], ty(d, &[]));
    let acc2 = body.op1(step, &[acc, i], &[], ty(d, &[]));
    let body = body.ret(&[i2, acc2, nn]);

    let mut g = G::new();
    let n_in = g.param("n", ty(d, &[]));
    let i0 = lit_int(&mut g, 1, d);
    let a0 = lit_int(&mut g, init, d);
    let out = g.op_regions(While, &[i0, a0, n_in], vec![ty(d, &[]); 3], vec![cond_le(d), body]);
    g.run(&[out[1]], &[n]).unwrap().remove(0)
}

#[test]
fn sum_of_one_to_n() {
    assert_eq!(counting_loop(I32, Add, 0, s(10i32)).as_slice::<i32>().unwrap(), &[55]);
    assert_eq!(counting_loop(I32, Add, 0, s(1000i32)).as_slice::<i32>().unwrap(), &[500_500]);
    // Zero iterations: the carried values come out unchanged.
    assert_eq!(counting_loop(I32, Add, 7, s(0i32)).as_slice::<i32>().unwrap(), &[7]);
}

#[test]
fn factorial() {
    // 20! = 2432902008176640000 is the largest factorial that fits in i64.
    assert_eq!(counting_loop(I64, Mul, 1, s(20i64)).as_slice::<i64>().unwrap(), &[2_432_902_008_176_640_000]);
    assert_eq!(counting_loop(I64, Mul, 1, s(5i64)).as_slice::<i64>().unwrap(), &[120]);
}

#[test]
fn loop_carrying_a_symbolic_tensor() {
    // Double a vector of any length N, k times: x * 2^k.
    let d = F32;
    let vec_ty = sty(d, &["N"]);
    let mut cond = G::new();
    let _x = cond.param("x", vec_ty.clone());
    let k = cond.param("k", ty(I32, &[]));
    let zero = lit_int(&mut cond, 0, I32);
    let c = cmp(&mut cond, k, zero, "gt");
    let cond = cond.ret(&[c]);

    let mut body = G::new();
    let x = body.param("x", vec_ty.clone());
    let k = body.param("k", ty(I32, &[]));
    let x2 = body.op1(Add, &[x, x], &[], vec_ty.clone());
    let one = lit_int(&mut body, 1, I32);
    let k2 = body.op1(Sub, &[k, one], &[], ty(I32, &[]));
    let body = body.ret(&[x2, k2]);

    let mut g = G::new();
    let x = g.param("x", vec_ty.clone());
    let k = g.param("k", ty(I32, &[]));
    let out = g.op_regions(While, &[x, k], vec![vec_ty, ty(I32, &[])], vec![cond, body]);
    let f = g.func(&out);
    let r = kc_runtime::run_func(&f, &[t(&[3], vec![1f32, -2.0, 0.5]), s(3i32)]).unwrap();
    assert_eq!(r[0].to_f64_vec(), vec![8.0, -16.0, 4.0]);
    assert_eq!(r[1].as_slice::<i32>().unwrap(), &[0]);
    let r = kc_runtime::run_func(&f, &[t(&[0], Vec::<f32>::new()), s(2i32)]).unwrap();
    assert_eq!(r[0].shape(), &[0]);
}

#[test]
fn values_used_twice_and_returned_twice() {
    // mul(x, x) reads x twice; x and the product are each returned twice; a parameter is
    // returned directly. Every read must see the value, whatever the drop order.
    let mut g = G::new();
    let x = g.param("x", ty(I32, &[2]));
    let y = g.param("y", ty(I32, &[2]));
    let sq = g.op1(Mul, &[x, x], &[], ty(I32, &[2]));
    let r = g.run(&[sq, x, sq, y, x], &[t(&[2], vec![3i32, -4]), t(&[2], vec![1i32, 2])]).unwrap();
    let v: Vec<Vec<i32>> = r.iter().map(|t| t.as_slice::<i32>().unwrap().to_vec()).collect();
    assert_eq!(v, vec![vec![9, 16], vec![3, -4], vec![9, 16], vec![1, 2], vec![3, -4]]);
}

#[test]
fn long_chain_stays_correct() {
    // x + 1 + 1 + ... (200 times): exercises dropping dead intermediates.
    let mut g = G::new();
    let x = g.param("x", ty(F64, &[1000]));
    let one = g.op1(Constant, &[], &[("value", Attr::Literal(kc_ir::LiteralData::Float(vec![1.0])))], ty(F64, &[1000]));
    let mut v = x;
    for _ in 0..200 {
        v = g.op1(Add, &[v, one], &[], ty(F64, &[1000]));
    }
    let r = g.run(&[v], &[t(&[1000], vec![0.5f64; 1000])]).unwrap();
    assert_eq!(r[0].to_f64_vec(), vec![200.5; 1000]);
}

#[test]
fn fusion_runs_its_body_on_its_operands() {
    // body(a, b) = (a * b, -(a * b)): a multi-output fusion on symbolic vectors, given its
    // operands in swapped order so that operand i must reach parameter i.
    let v = sty(F32, &["N"]);
    let mut body = G::new();
    let a = body.param("a", v.clone());
    let b = body.param("b", v.clone());
    let m = body.op1(Mul, &[a, b], &[], v.clone());
    let n = body.op1(Neg, &[m], &[], v.clone());
    let body = body.ret(&[m, n]);
    let mut g = G::new();
    let x = g.param("x", v.clone());
    let y = g.param("y", v.clone());
    let mut node = kc_ir::Node::new(Fusion, kc_ir::attrs(&[("kind", Attr::Sym("loop".into()))]), vec![v.clone(), v.clone()]);
    node.regions = vec![body];
    let fused = g.r.add_node(node, &[y, x]);
    let out = [kc_ir::Value { node: fused, result: 1 }, kc_ir::Value { node: fused, result: 0 }];
    let r = g.run(&out, &[t(&[3], vec![1f32, 2.0, 3.0]), t(&[3], vec![2f32, -1.0, 0.5])]).unwrap();
    assert_eq!(r[0].to_f64_vec(), vec![-2.0, 2.0, -1.5]);
    assert_eq!(r[1].to_f64_vec(), vec![2.0, -2.0, 1.5]);
}
