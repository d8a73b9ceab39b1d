//! The `fuse` pass from Rust: statistics, options, and that fusing again changes nothing.
//! (What it makes of each case is in tests/filetests/passes/fuse-*.kir.)
use kc_compiler::{Instrumentation, Pipeline};
use kc_ir::{parse_module, print_module, Module, OpKind, Region};

const SOFTMAX: &str = "func @main(%x: f32[N, 4]) -> (f32[N, 4]) {
  %0 = reduce %x {dimensions = [1], kind = max} : f32[N]
  %1 = broadcast_in_dim %0 {dims = [0]} : f32[N, 4]
  %2 = sub %x, %1 : f32[N, 4]
  %3 = exp %2 : f32[N, 4]
  %4 = reduce %3 {dimensions = [1], kind = sum} : f32[N]
  %5 = broadcast_in_dim %4 {dims = [0]} : f32[N, 4]
  %6 = div %3, %5 : f32[N, 4]
  return %6
}
";

fn run(m: &mut Module, pipeline: &str) -> std::collections::BTreeMap<String, u64> {
    let inst = Instrumentation { verify_each: true, ..Default::default() };
    Pipeline::parse(pipeline).unwrap().run(m, &inst).unwrap().stats
}

fn count(r: &Region, op: OpKind) -> usize {
    r.graph.node_weights().map(|n| usize::from(n.op == op) + n.regions.iter().map(|s| count(s, op)).sum::<usize>()).sum()
}

#[test]
fn softmax_makes_an_input_fusion_and_a_loop_fusion() {
    let mut m = parse_module(SOFTMAX, "softmax.kir").unwrap();
    let stats = run(&mut m, "fuse");
    assert_eq!(stats["fuse.fusions"], 2);
    // broadcast, sub, exp, reduce in the first; broadcast, div in the second.
    assert_eq!(stats["fuse.ops-fused"], 6);
    let body = &m.funcs[0].body;
    let kinds: Vec<String> = body
        .graph
        .node_weights()
        .filter(|n| n.op == OpKind::Fusion)
        .map(|n| format!("{:?}", n.attrs["kind"]))
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.iter().any(|k| k.contains("input")) && kinds.iter().any(|k| k.contains("loop")), "{kinds:?}");
    assert_eq!(count(body, OpKind::Exp), 1, "exp must not be duplicated");
    assert_eq!(count(body, OpKind::Reduce), 2);
}

#[test]
fn fusing_again_changes_nothing() {
    let mut m = parse_module(SOFTMAX, "softmax.kir").unwrap();
    run(&mut m, "fuse");
    let once = print_module(&m);
    let stats = run(&mut m, "fuse");
    assert_eq!(stats["fuse.fusions"], 0);
    assert_eq!(print_module(&m), once);
}

#[test]
fn max_ops_bounds_every_fusion() {
    let src = "func @main(%x: f32[8]) -> (f32[8]) {
  %0 = neg %x : f32[8]
  %1 = exp %0 : f32[8]
  %2 = abs %1 : f32[8]
  %3 = sqrt %2 : f32[8]
  %4 = tanh %3 : f32[8]
  %5 = log1p %4 : f32[8]
  %6 = sin %5 : f32[8]
  return %6
}
";
    // Groups grow from the end of the chain: with 6, the first op is left over alone.
    for (max, fusions) in [(64, 1), (7, 1), (6, 1), (3, 2), (2, 3)] {
        let mut m = parse_module(src, "chain.kir").unwrap();
        let stats = run(&mut m, &format!("fuse{{max-ops={max}}}"));
        assert_eq!(stats["fuse.fusions"], fusions, "max-ops={max}");
        for n in m.funcs[0].body.graph.node_weights().filter(|n| n.op == OpKind::Fusion) {
            let ops = n.regions[0].graph.node_count() - 1 - n.regions[0].params().len(); // not the return and parameters
            assert!(ops <= max, "max-ops={max}: a fusion of {ops} ops");
        }
    }
}

#[test]
fn bad_options_are_errors() {
    let e = Pipeline::parse("fuse{max-ops=1}").err().unwrap().to_string();
    assert!(e.contains("max-ops=1 must be at least 2"), "{e}");
    let e = Pipeline::parse("fuse{multi-output=maybe}").err().unwrap().to_string();
    assert!(e.contains("must be true or false"), "{e}");
    let e = Pipeline::parse("fuse{size=3}").err().unwrap().to_string();
    assert!(e.contains("pass `fuse` has no option `size`; it takes max-ops, multi-output"), "{e}");
}
