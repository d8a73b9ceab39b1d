//! Whole functions with symbolic batch dims, built through the public builder (which runs
//! the type rules) and parsed from `.kir` text.
use crate::*;
use kc_ir::{attrs, Attr, DType::*, OpKind::*, Region};

/// relu(x · w + b) computed naively.
fn naive_affine_relu(x: &[f32], w: &[f32], b: &[f32], n: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..n {
        for j in 0..2 {
            let mut acc = b[j] as f64;
            for k in 0..3 {
                acc += x[i * 3 + k] as f64 * w[k * 2 + j] as f64;
            }
            out.push(acc.max(0.0));
        }
    }
    out
}

fn check_affine(f: &kc_ir::Func) {
    let w = vec![1f32, -1.0, 0.5, 2.0, -0.25, 0.0];
    let b = vec![0.5f32, -3.0];
    for n in [4usize, 1, 0] {
        let x: Vec<f32> = data(n * 3, n as u64).into_iter().map(|v| v as f32 * 4.0).collect();
        let r = kc_runtime::run_func(f, &[t(&[n, 3], x.clone()), t(&[3, 2], w.clone()), t(&[2], b.clone())]).unwrap();
        assert_eq!(r[0].shape(), &[n, 2]);
        assert_close(&r[0].to_f64_vec(), &naive_affine_relu(&x, &w, &b, n), 1e-6);
    }
}

#[test]
fn affine_built_with_the_builder() {
    let mut r = Region::new();
    let x = r.param("x", sty(F32, &["N", "3"]));
    let w = r.param("w", ty(F32, &[3, 2]));
    let b = r.param("b", ty(F32, &[2]));
    let xw = r
        .push1(DotGeneral, &[x, w], attrs(&[("lhs_contracting", ints(&[1])), ("rhs_contracting", ints(&[0]))]))
        .expect("dot_general type rule");
    let bb = r.push_typed(BroadcastInDim, &[b], attrs(&[("dims", ints(&[1]))]), sty(F32, &["N", "2"])).expect("broadcast rule");
    let sum = r.push1(Add, &[xw, bb], attrs(&[])).expect("add rule");
    let zero = r
        .push_typed(Constant, &[], attrs(&[("value", Attr::Literal(kc_ir::LiteralData::Float(vec![0.0])))]), ty(F32, &[]))
        .expect("constant rule");
    let zb = r.push_typed(BroadcastInDim, &[zero], attrs(&[("dims", ints(&[]))]), sty(F32, &["N", "2"])).expect("broadcast rule");
    let relu = r.push1(Max, &[sum, zb], attrs(&[])).expect("max rule");
    r.ret(&[relu]);
    check_affine(&kc_ir::Func { name: "main".into(), body: r });
}

#[test]
fn affine_parsed_from_the_example_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/affine.kir");
    let text = std::fs::read_to_string(path).expect("examples/affine.kir exists");
    let m = kc_ir::parse_module(&text, path).expect("examples/affine.kir parses");
    check_affine(m.func("main").expect("@main"));
}
