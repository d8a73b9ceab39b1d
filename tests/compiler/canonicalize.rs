//! `canonicalize` against the interpreter: random programs built from the ingredients
//! of its rules (identities, self-operations, constant predicates, movement chains,
//! constants to fold), run on inputs full of IEEE corner cases, give the same results
//! before and after the pass. Floats compare bit for bit, except that any NaN equals any
//! NaN: docs/ir.md leaves a NaN result's sign and payload unspecified, and the
//! interpreter's `max` itself returns a fresh NaN. Integers compare exactly.
//!
//! And the float cases canonicalize keeps (`canonicalize-keeps-float-zero-traps.kir`) are
//! shown to be real: the naive rewrite would change a result.
use kc_compiler::{Instrumentation, Pipeline};
use kc_ir::{attrs, Attr, DType, Func, LiteralData, OpKind, Region, TensorType, Value};
use kc_runtime::HostTensor;
use proptest::prelude::*;

const FLOATS: [f64; 10] = [-0.0, 0.0, 1.0, -1.0, 2.5, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1e-45, 3e38];
const INTS: [f64; 7] = [0.0, 1.0, -1.0, 7.0, -2147483648.0, 2147483647.0, -3.0];

/// One step of a random program; operand fields pick values from those made so far.
#[derive(Clone, Debug)]
enum Step {
    /// A constant whose every element is the k-th special value; as a splat of the full
    /// shape, or as a scalar broadcast to it.
    Const(usize, bool),
    Unary(OpKind, usize),
    Binary(OpKind, usize, usize),
    /// The op on a value and a fresh constant (the k-th special value), on either side:
    /// what the identity rules look for.
    WithConst(OpKind, usize, usize, bool),
    /// The op applied to one value twice (x - x, max(x, x), ...).
    SelfBinary(OpKind, usize),
    /// select(a < b, a, b), select(const p, a, b), or select(p, a, a).
    Select(usize, usize, u8),
    ConvertSame(usize),
    /// reshape to [2, 2], transpose (p), transpose (q), reshape back to [4].
    Shuffle(usize, bool, bool),
    /// An identity movement: slice of everything, pad of nothing, concatenate of one,
    /// broadcast with dims [0], reverse of no dims.
    Identity(usize, u8),
}

fn step(dtype: DType) -> impl Strategy<Value = Step> {
    let specials = if dtype.is_float() { FLOATS.len() } else { INTS.len() };
    let unary = prop_oneof![Just(OpKind::Neg), Just(OpKind::Abs)];
    let binary = prop_oneof![Just(OpKind::Add), Just(OpKind::Sub), Just(OpKind::Mul), Just(OpKind::Div), Just(OpKind::Max), Just(OpKind::Min)];
    let v = 0..64usize;
    prop_oneof![
        (0..specials, any::<bool>()).prop_map(|(k, b)| Step::Const(k, b)),
        (unary, v.clone()).prop_map(|(o, a)| Step::Unary(o, a)),
        (binary.clone(), v.clone(), v.clone()).prop_map(|(o, a, b)| Step::Binary(o, a, b)),
        (binary.clone(), v.clone(), 0..specials, any::<bool>()).prop_map(|(o, a, k, left)| Step::WithConst(o, a, k, left)),
        (binary, v.clone()).prop_map(|(o, a)| Step::SelfBinary(o, a)),
        (v.clone(), v.clone(), 0..4u8).prop_map(|(a, b, k)| Step::Select(a, b, k)),
        v.clone().prop_map(Step::ConvertSame),
        (v.clone(), any::<bool>(), any::<bool>()).prop_map(|(a, p, q)| Step::Shuffle(a, p, q)),
        (v, 0..5u8).prop_map(|(a, k)| Step::Identity(a, k)),
    ]
}

/// Build the program: parameters x and y of `dtype[4]`, then the steps; every value
/// made is returned, so every rewrite is observed.
fn build(dtype: DType, steps: &[Step]) -> Func {
    let ty = TensorType::known(dtype, &[4]);
    let mut r = Region::new();
    let mut vals = vec![r.param("x", ty.clone()), r.param("y", ty.clone())];
    let lit = |k: usize| if dtype.is_float() { LiteralData::Float(vec![FLOATS[k]]) } else { LiteralData::Int(vec![INTS[k] as i64]) };
    for s in steps {
        let pick = |i: &usize| vals[i % vals.len()];
        let v: Value = match s {
            Step::Const(k, full) => {
                let value = attrs(&[("value", Attr::Literal(lit(*k)))]);
                if *full {
                    r.push_typed(OpKind::Constant, &[], value, ty.clone()).unwrap()
                } else {
                    let c = r.push_typed(OpKind::Constant, &[], value, TensorType::scalar(dtype)).unwrap();
                    r.push_typed(OpKind::BroadcastInDim, &[c], attrs(&[("dims", Attr::Ints(vec![]))]), ty.clone()).unwrap()
                }
            }
            Step::Unary(op, a) => r.push1(*op, &[pick(a)], Default::default()).unwrap(),
            Step::Binary(op, a, b) => r.push1(*op, &[pick(a), pick(b)], Default::default()).unwrap(),
            Step::WithConst(op, a, k, left) => {
                let a = pick(a);
                let c = r.push_typed(OpKind::Constant, &[], attrs(&[("value", Attr::Literal(lit(*k)))]), ty.clone()).unwrap();
                let operands = if *left { [c, a] } else { [a, c] };
                r.push1(*op, &operands, Default::default()).unwrap()
            }
            Step::SelfBinary(op, a) => r.push1(*op, &[pick(a), pick(a)], Default::default()).unwrap(),
            Step::Select(a, b, k) => {
                let (a, b) = (pick(a), pick(b));
                let p = match k {
                    0 => r.push1(OpKind::Compare, &[a, b], attrs(&[("direction", Attr::Sym("lt".into()))])).unwrap(),
                    _ => {
                        let c = attrs(&[("value", Attr::Literal(LiteralData::Bool(vec![*k == 1])))]);
                        r.push_typed(OpKind::Constant, &[], c, TensorType::scalar(DType::Bool)).unwrap()
                    }
                };
                let on_false = if *k == 3 { a } else { b };
                r.push1(OpKind::Select, &[p, a, on_false], Default::default()).unwrap()
            }
            Step::ConvertSame(a) => r.push_typed(OpKind::Convert, &[pick(a)], Default::default(), ty.clone()).unwrap(),
            Step::Shuffle(a, p, q) => {
                let square = TensorType::known(dtype, &[2, 2]);
                let m = r.push_typed(OpKind::Reshape, &[pick(a)], Default::default(), square).unwrap();
                let perm = |flip: bool| attrs(&[("permutation", Attr::Ints(if flip { vec![1, 0] } else { vec![0, 1] }))]);
                let t = r.push1(OpKind::Transpose, &[m], perm(*p)).unwrap();
                let t = r.push1(OpKind::Transpose, &[t], perm(*q)).unwrap();
                r.push_typed(OpKind::Reshape, &[t], Default::default(), ty.clone()).unwrap()
            }
            Step::Identity(a, k) => {
                let a = pick(a);
                match k {
                    0 => r.push1(OpKind::Slice, &[a], attrs(&[("start", Attr::Ints(vec![0])), ("limit", Attr::Ints(vec![4]))])).unwrap(),
                    1 => {
                        let pad = attrs(&[("value", Attr::Literal(lit(0)))]);
                        let z = r.push_typed(OpKind::Constant, &[], pad, TensorType::scalar(dtype)).unwrap();
                        r.push1(OpKind::Pad, &[a, z], attrs(&[("low", Attr::Ints(vec![0])), ("high", Attr::Ints(vec![0]))])).unwrap()
                    }
                    2 => r.push1(OpKind::Concatenate, &[a], attrs(&[("dimension", Attr::Int(0))])).unwrap(),
                    3 => r.push_typed(OpKind::BroadcastInDim, &[a], attrs(&[("dims", Attr::Ints(vec![0]))]), ty.clone()).unwrap(),
                    _ => r.push1(OpKind::Reverse, &[a], attrs(&[("dimensions", Attr::Ints(vec![]))])).unwrap(),
                }
            }
        };
        vals.push(v);
    }
    r.ret(&vals);
    Func { name: "main".into(), body: r }
}

/// Elements as comparable keys: float bits with every NaN the same, integers as they are.
fn keys(ts: &[HostTensor]) -> Vec<Vec<u64>> {
    ts.iter().map(|t| t.to_f64_vec().iter().map(|v| if v.is_nan() { f64::NAN.to_bits() } else { v.to_bits() }).collect()).collect()
}

fn check(dtype: DType, steps: &[Step], x: &[f64], y: &[f64]) -> Result<(), TestCaseError> {
    let f = build(dtype, steps);
    let inputs = [HostTensor::from_f64(dtype, vec![4], x).unwrap(), HostTensor::from_f64(dtype, vec![4], y).unwrap()];
    let want = kc_runtime::interp::run_func(&f, &inputs).unwrap();
    let mut m = kc_ir::Module { funcs: vec![f] };
    let pipeline = Pipeline::parse("canonicalize").unwrap().with_evaluator(kc_runtime::fold::evaluator());
    pipeline.run(&mut m, &Instrumentation { verify_each: true, ..Default::default() }).unwrap();
    let got = kc_runtime::interp::run_func(&m.funcs[0], &inputs).unwrap();
    prop_assert_eq!(keys(&got), keys(&want), "{}", kc_ir::print_module(&m));
    Ok(())
}

fn inputs(specials: &'static [f64]) -> impl Strategy<Value = Vec<f64>> {
    proptest::collection::vec(proptest::sample::select(specials), 4)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn float_programs_keep_their_results(steps in proptest::collection::vec(step(DType::F32), 1..16), x in inputs(&FLOATS), y in inputs(&FLOATS)) {
        check(DType::F32, &steps, &x, &y)?;
    }

    #[test]
    fn half_precision_programs_keep_their_results(steps in proptest::collection::vec(step(DType::BF16), 1..12), x in inputs(&FLOATS), y in inputs(&FLOATS)) {
        check(DType::BF16, &steps, &x, &y)?;
    }

    #[test]
    fn integer_programs_keep_their_results(steps in proptest::collection::vec(step(DType::I32), 1..16), x in inputs(&INTS), y in inputs(&INTS)) {
        check(DType::I32, &steps, &x, &y)?;
    }
}

/// Run `f(x)` for a one-parameter program on the interpreter.
fn eval1(src: &str, x: &[f64]) -> Vec<u64> {
    let m = kc_ir::parse_module(src, "t.kir").unwrap();
    let t = HostTensor::from_f64(DType::F32, vec![x.len()], x).unwrap();
    let out = kc_runtime::interp::run_func(&m.funcs[0], &[t]).unwrap();
    out[0].to_f64_vec().iter().map(|v| v.to_bits()).collect()
}

#[test]
fn the_float_cases_canonicalize_keeps_would_change_results() {
    let x = [-0.0, f64::INFINITY, -2.0];
    let bits = |v: &[f64]| v.iter().map(|v| (*v as f32 as f64).to_bits()).collect::<Vec<_>>();
    let with = |op: &str, c: &str| {
        format!("func @f(%x: f32[3]) -> (f32[3]) {{\n  %0 = constant {{value = {c}}} : f32[3]\n  %1 = {op} %x, %0 : f32[3]\n  return %1\n}}\n")
    };
    // x + 0.0 is not x: -0.0 + 0.0 = +0.0.
    assert_ne!(eval1(&with("add", "0.0"), &x), bits(&x));
    // x - (-0.0) is not x, for the same reason.
    assert_ne!(eval1(&with("sub", "-0.0"), &x), bits(&x));
    // x * 0.0 is not 0.0: inf * 0 = NaN, and -2 * 0 = -0.0.
    assert_ne!(eval1(&with("mul", "0.0"), &x), bits(&[0.0, 0.0, 0.0]));
    // x - x is not 0.0: inf - inf = NaN.
    let sub_self = "func @f(%x: f32[3]) -> (f32[3]) {\n  %0 = sub %x, %x : f32[3]\n  return %0\n}\n";
    assert_ne!(eval1(sub_self, &x), bits(&[0.0, 0.0, 0.0]));
    // While the ones it applies are exact on the same inputs.
    assert_eq!(eval1(&with("add", "-0.0"), &x), bits(&x));
    assert_eq!(eval1(&with("sub", "0.0"), &x), bits(&x));
    assert_eq!(eval1(&with("mul", "1.0"), &x), bits(&x));
}
