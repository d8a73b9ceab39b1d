//! `shape-infer`: propagation after type changes, specialization, and its errors.
use kc_compiler::shape_infer::{infer_func, specialize};
use kc_compiler::{Changed, Instrumentation, PassContext, PassOptions, Pipeline};
use kc_ir::{parse_module, print_module, verify_module, DType, Dim, Module, OpKind, Shape, TensorType};
use std::collections::BTreeMap;

fn module(src: &str) -> Module {
    let m = parse_module(src, "test.kir").unwrap();
    verify_module(&m).unwrap();
    m
}

fn types_of(m: &Module, op: OpKind) -> Vec<String> {
    let body = &m.funcs[0].body;
    body.order().unwrap().into_iter().filter(|&n| body.node(n).op == op).map(|n| body.node(n).types[0].to_string()).collect()
}

const AFFINE: &str = "func @main(%x: f32[N, 4], %w: f32[4, 10]) -> (f32[N, 10], f32[N], f32[2, N, 5]) {
  %0 = dot_general %x, %w {lhs_contracting = [1], rhs_contracting = [0]} : f32[N, 10]
  %1 = exp %0 : f32[N, 10]
  %2 = reduce %1 {dimensions = [1], kind = sum} : f32[N]
  %3 = reshape %1 : f32[N, 10]
  %4 = transpose %3 {permutation = [1, 0]} : f32[10, N]
  %5 = reshape %4 : f32[2, 5, N]
  %6 = transpose %5 {permutation = [0, 2, 1]} : f32[2, N, 5]
  return %3, %2, %6
}
";

#[test]
fn specialize_binds_a_symbol_everywhere_and_the_result_verifies() {
    let mut m = module(AFFINE);
    let before = m.clone();
    specialize(&mut m.funcs[0], &BTreeMap::from([("N".to_string(), 32)])).unwrap();
    verify_module(&m).unwrap();
    let text = print_module(&m);
    assert!(!text.contains('N'), "{text}");
    // Declared types (reshape) and inferred ones (exp, reduce, transpose) alike.
    assert_eq!(types_of(&m, OpKind::Reshape), ["f32[32, 10]", "f32[2, 5, 32]"]);
    assert_eq!(types_of(&m, OpKind::Reduce), ["f32[32]"]);
    assert_eq!(types_of(&m, OpKind::Transpose), ["f32[10, 32]", "f32[2, 32, 5]"]);
    assert_eq!(m.funcs[0].body.param_types()[0], TensorType::known(DType::F32, &[32, 4]));
    // Nothing else moved: same ops in the same order.
    assert_eq!(m.funcs[0].body.graph.node_count(), before.funcs[0].body.graph.node_count());
}

#[test]
fn a_changed_parameter_type_propagates() {
    let mut m = module(
        "func @main(%x: f32[N, 3]) -> (f32[N], f32[3, N]) {
  %0 = exp %x : f32[N, 3]
  %1 = reduce %0 {dimensions = [1], kind = max} : f32[N]
  %2 = transpose %0 {permutation = [1, 0]} : f32[3, N]
  return %1, %2
}
",
    );
    let body = &mut m.funcs[0].body;
    let x = body.params()[0];
    body.node_mut(x).types[0] = TensorType::known(DType::F32, &[7, 3]);
    // The module is stale now: the verifier sees exp's declared f32[N, 3].
    assert!(verify_module(&m).is_err());
    let changed = infer_func(&mut m.funcs[0]).unwrap();
    assert_eq!(changed, 3);
    verify_module(&m).unwrap();
    assert_eq!(types_of(&m, OpKind::Reduce), ["f32[7]"]);
    assert_eq!(types_of(&m, OpKind::Transpose), ["f32[3, 7]"]);
    // A second run has nothing left to do.
    assert_eq!(infer_func(&mut m.funcs[0]).unwrap(), 0);
}

#[test]
fn different_symbols_do_not_unify() {
    let mut m = module(
        "func @main(%x: f32[N], %y: f32[N]) -> (f32[N]) {
  %0 = add %x, %y : f32[N]
  return %0
}
",
    );
    let body = &mut m.funcs[0].body;
    let y = body.params()[1];
    body.node_mut(y).types[0] = TensorType::new(DType::F32, Shape(vec![Dim::sym("M")]));
    let before = print_module(&m);
    let e = infer_func(&mut m.funcs[0]).unwrap_err().to_string();
    assert!(e.contains("`add` at 2:3 (in @main) contradicts its operands: operand types (f32[N], f32[M])"), "{e}");
    assert!(e.contains("lhs and rhs types differ: f32[N] vs f32[M]"), "{e}");
    assert!(e.starts_with("2:3: pass error: "), "the error carries the location: {e}");
    // On error the function is left as it was.
    assert_eq!(print_module(&m), before);
}

#[test]
fn a_declared_type_that_loses_its_symbol_is_an_error() {
    let mut m = module(
        "func @main(%x: f32[N, 2]) -> (f32[2, N]) {
  %0 = reshape %x : f32[2, N]
  return %0
}
",
    );
    let body = &mut m.funcs[0].body;
    let x = body.params()[0];
    body.node_mut(x).types[0] = TensorType::known(DType::F32, &[3, 2]);
    let e = infer_func(&mut m.funcs[0]).unwrap_err().to_string();
    assert!(e.contains("cannot reshape [3, 2] to [2, N]"), "{e}");
    assert!(e.contains("operand types (f32[3, 2]), declared result type f32[2, N]"), "{e}");
}

#[test]
fn nodes_built_in_code_are_named_by_index() {
    let mut f = kc_ir::Func { name: "f".into(), body: kc_ir::Region::new() };
    let x = f.body.param("x", TensorType::new(DType::F32, Shape(vec![Dim::sym("N")])));
    let i = f.body.param("i", TensorType::scalar(DType::I32));
    let s = f.body.push1(OpKind::DynamicSlice, &[x, i], kc_ir::attrs(&[("sizes", kc_ir::Attr::Ints(vec![4]))])).unwrap();
    f.body.ret(&[s]);
    let e = specialize(&mut f, &BTreeMap::from([("N".to_string(), 2)])).unwrap_err().to_string();
    assert!(e.contains("`dynamic_slice` node 2 (in @f) contradicts its operands"), "{e}");
    assert!(e.contains("sizes[0] = 4 must be in 0..=2"), "{e}");
    specialize(&mut f, &BTreeMap::from([("N".to_string(), 4)])).unwrap();
    assert_eq!(f.body.result_types(), [TensorType::known(DType::F32, &[4])]);
}

#[test]
fn specialize_rejects_bad_bindings() {
    let mut m = module(AFFINE);
    let f = &mut m.funcs[0];
    let e = specialize(f, &BTreeMap::from([("M".to_string(), 3)])).unwrap_err().to_string();
    assert!(e.contains("@main has no parameter that uses symbol M (symbols used: N)"), "{e}");
    let e = specialize(f, &BTreeMap::from([("N".to_string(), -1)])).unwrap_err().to_string();
    assert!(e.contains("symbol N cannot be bound to -1"), "{e}");
    // 2^40 rows of 4 is more than a tensor may hold.
    let e = specialize(f, &BTreeMap::from([("N".to_string(), 1 << 40)])).unwrap_err().to_string();
    assert!(e.contains("parameter %x of @main would be f32[1099511627776, 4], more than 2^40 elements"), "{e}");
    assert_eq!(print_module(&m), print_module(&module(AFFINE)));
}

#[test]
fn the_pass_reports_what_it_retyped() {
    let mut m = module(AFFINE);
    let report = Pipeline::parse("shape-infer{N=8}").unwrap().run(&mut m, &Instrumentation { verify_each: true, ..Default::default() }).unwrap();
    // %x and all seven ops.
    assert_eq!(report.stats.get("shape-infer.retyped"), Some(&8));
    let mut m = module(AFFINE);
    let pass = kc_compiler::passes::shape_infer::make(&PassOptions::new("shape-infer", BTreeMap::new())).unwrap();
    assert_eq!(pass.run(&mut m, &mut PassContext::default()).unwrap(), Changed::No);
    assert_eq!(print_module(&m), print_module(&module(AFFINE)));
}

#[test]
fn options_are_checked_when_the_pipeline_is_parsed() {
    let err = |p: &str| Pipeline::parse(p).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err("shape-infer{N=abc}").contains("pass `shape-infer`: option N=abc: the extent of symbol N must be an integer in 0..=2^40"));
    assert!(err("shape-infer{N=1.5}").contains("option N=1.5"));
    assert!(err("shape-infer{N=2199023255552}").contains("in 0..=2^40"));
    assert!(err("shape-infer{N-1=3}").contains("option `N-1` is not a symbol name"));
    assert!(Pipeline::parse("shape-infer{N=0,batch_2=7}").is_ok());
}
