//! Semantic preservation: the default pipeline must not change what a function computes.
//! Random functions (built through the typed builder from a seeded generator) and the
//! hand-written gradient models are run on the interpreter before and after the
//! pipeline; results must be bit-identical (NaN equal to NaN), since no pass in the
//! pipeline reassociates float arithmetic.
use super::gradients::Rng;
use kc_compiler::registry::DEFAULT_PIPELINE;
use kc_compiler::{Instrumentation, Pipeline};
use kc_ir::{attrs, Attr, Attrs, DType, Dim, Func, LiteralData, Module, OpKind, Region, Shape, TensorType, Value};
use kc_runtime::{interp, HostTensor};

fn pick<T: Copy>(rng: &mut Rng, v: &[T]) -> T {
    v[(rng.next() * v.len() as f64) as usize % v.len()]
}

/// Prefer recent values so chains get long.
fn recent(rng: &mut Rng, pool: &[Value]) -> Value {
    let n = pool.len();
    let back = ((rng.next() * rng.next()) * n as f64) as usize;
    pool[n - 1 - back.min(n - 1)]
}

/// `x` everywhere: a splat constant when the shape is static, else a broadcast scalar.
fn splat(r: &mut Region, t: &TensorType, x: f64) -> Option<Value> {
    let lit = if t.dtype.is_float() { LiteralData::Float(vec![x]) } else { LiteralData::Int(vec![x as i64]) };
    let at = if t.shape.is_static() { t.clone() } else { TensorType::scalar(t.dtype) };
    let c = r.push_typed(OpKind::Constant, &[], attrs(&[("value", Attr::Literal(lit))]), at).ok()?;
    if t.shape.is_static() {
        return Some(c);
    }
    r.push_typed(OpKind::BroadcastInDim, &[c], attrs(&[("dims", Attr::Ints(vec![]))]), t.clone()).ok()
}

/// A value of the same type as `a`: another one from the pool, a constant that
/// canonicalization may fold away (0, 1, -0), or `a` itself.
fn partner(rng: &mut Rng, r: &mut Region, pool: &[Value], a: Value) -> Option<Value> {
    let t = r.value_type(a).clone();
    let same: Vec<Value> = pool.iter().copied().filter(|v| *r.value_type(*v) == t && *v != a).collect();
    match (rng.next() * 4.0) as u32 {
        0 if !same.is_empty() => Some(pick(rng, &same)),
        1 => {
            let c = pick(rng, &[0.0, 1.0, -0.0, 2.0, -1.5]);
            splat(r, &t, c)
        }
        2 => Some(a),
        _ => same.first().copied().or(Some(a)),
    }
}

fn one_op(rng: &mut Rng, r: &mut Region, pool: &[Value]) -> Option<Value> {
    let a = recent(rng, pool);
    let t = r.value_type(a).clone();
    let none = Attrs::new;
    match (rng.next() * 12.0) as u32 {
        0 => {
            let op = pick(rng, &[OpKind::Neg, OpKind::Abs, OpKind::Exp, OpKind::Tanh, OpKind::Logistic, OpKind::Sqrt, OpKind::Floor, OpKind::Sin]);
            r.push1(op, &[a], none()).ok()
        }
        1 | 2 | 3 => {
            let b = partner(rng, r, pool, a)?;
            let op = pick(rng, &[OpKind::Add, OpKind::Sub, OpKind::Mul, OpKind::Div, OpKind::Max, OpKind::Min]);
            let (x, y) = if rng.next() < 0.5 { (a, b) } else { (b, a) };
            r.push1(op, &[x, y], none()).ok()
        }
        4 => {
            let b = partner(rng, r, pool, a)?;
            let dir = pick(rng, &["lt", "le", "gt", "eq"]);
            let p = r.push1(OpKind::Compare, &[a, b], attrs(&[("direction", Attr::Sym(dir.into()))])).ok()?;
            r.push1(OpKind::Select, &[p, a, b], none()).ok()
        }
        5 if t.rank() == 2 => {
            let v = r.push1(OpKind::Transpose, &[a], attrs(&[("permutation", Attr::Ints(vec![1, 0]))])).ok()?;
            if rng.next() < 0.5 {
                r.push1(OpKind::Transpose, &[v], attrs(&[("permutation", Attr::Ints(vec![1, 0]))])).ok()
            } else {
                Some(v)
            }
        }
        6 if t.rank() == 2 => {
            let kind = pick(rng, &["sum", "max"]);
            let d = pick(rng, &[0i64, 1]);
            let red = r.push1(OpKind::Reduce, &[a], attrs(&[("dimensions", Attr::Ints(vec![d])), ("kind", Attr::Sym(kind.into()))])).ok()?;
            // and broadcast back, as a softmax or a normalization does
            let keep = 1 - d;
            r.push_typed(OpKind::BroadcastInDim, &[red], attrs(&[("dims", Attr::Ints(vec![keep]))]), t).ok()
        }
        7 if t.rank() == 2 && t.shape.is_static() => {
            let n: u64 = t.shape.num_elements()?;
            let flat = r.push_typed(OpKind::Reshape, &[a], none(), TensorType::new(t.dtype, Shape::known(&[n]))).ok()?;
            r.push_typed(OpKind::Reshape, &[flat], none(), t).ok()
        }
        8 if t.rank() == 2 => {
            // a square matmul keeps the shape: [m, k] x [k, k]
            let k = t.shape.0[1].clone();
            let Dim::Known(kn) = k else { return None };
            let w = splat(r, &TensorType::new(t.dtype, Shape::known(&[kn, kn])), pick(rng, &[0.5, 1.0, -0.25]))?;
            r.push1(OpKind::DotGeneral, &[a, w], attrs(&[("lhs_contracting", Attr::Ints(vec![1])), ("rhs_contracting", Attr::Ints(vec![0]))])).ok()
        }
        9 => {
            let to = if t.dtype == DType::F32 { DType::F64 } else { DType::F32 };
            let c = r.push_typed(OpKind::Convert, &[a], none(), t.with_dtype(to)).ok()?;
            r.push_typed(OpKind::Convert, &[c], none(), t).ok()
        }
        10 if t.rank() == 2 => {
            let s = r.push_typed(OpKind::BroadcastInDim, &[a], attrs(&[("dims", Attr::Ints(vec![0, 1]))]), t).ok()?;
            r.push1(OpKind::Add, &[s, a], none()).ok()
        }
        _ => {
            let b = partner(rng, r, pool, a)?;
            r.push1(OpKind::Mul, &[a, b], none()).ok()
        }
    }
}

fn random_func(seed: u64) -> Func {
    let mut rng = Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1);
    let mut r = Region::new();
    let rows = Dim::sym("N");
    let cols = Dim::Known(pick(&mut rng, &[1u64, 2, 3, 4]));
    let t = TensorType::new(DType::F32, Shape(vec![rows, cols]));
    let mut pool: Vec<Value> = (0..1 + (rng.next() * 3.0) as usize).map(|i| r.param(&format!("x{i}"), t.clone())).collect();
    let n = 4 + (rng.next() * 20.0) as usize;
    for _ in 0..n {
        if let Some(v) = one_op(&mut rng, &mut r, &pool) {
            pool.push(v);
        }
    }
    let k = pool.len();
    let outs = if k > 2 && rng.next() < 0.5 { vec![pool[k - 1], pool[k / 2]] } else { vec![pool[k - 1]] };
    r.ret(&outs);
    Func { name: "main".into(), body: r }
}

fn inputs(f: &Func, seed: u64) -> Vec<HostTensor> {
    let mut rng = Rng(seed ^ 0xD1B54A32D192ED03);
    f.body.param_types().iter().map(|t| {
        let shape: Vec<usize> = t.shape.0.iter().map(|d| d.known().unwrap_or(3) as usize).collect();
        let n: usize = shape.iter().product();
        let v: Vec<f64> = (0..n).map(|_| match (rng.next() * 20.0) as u32 {
            0 => 0.0,
            1 => -0.0,
            2 => f64::NAN,
            3 => f64::INFINITY,
            _ => rng.uniform(-3.0, 3.0),
        }).collect();
        HostTensor::from_f64(t.dtype, shape, &v).unwrap()
    }).collect()
}

fn same_bits(a: &HostTensor, b: &HostTensor) -> bool {
    a.dtype() == b.dtype()
        && a.shape() == b.shape()
        && a.to_f64_vec().iter().zip(b.to_f64_vec()).all(|(x, y)| (x.is_nan() && y.is_nan()) || x.to_bits() == y.to_bits())
}

fn preserved(m: &Module, func: &str, args: &[HostTensor], what: &str) {
    let before = interp::run(m, func, args).unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut opt = m.clone();
    let inst = Instrumentation { verify_each: true, ..Instrumentation::default() };
    Pipeline::parse(DEFAULT_PIPELINE).unwrap().with_evaluator(kc_runtime::fold::evaluator()).run(&mut opt, &inst).unwrap_or_else(|e| panic!("{what}: {e}\n{}", kc_ir::print_module(m)));
    let after = interp::run(&opt, func, args).unwrap_or_else(|e| panic!("{what}: after the pipeline: {e}"));
    assert_eq!(before.len(), after.len(), "{what}");
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        assert!(
            same_bits(b, a),
            "{what}: result {i} changed under `{DEFAULT_PIPELINE}`:\nbefore {:?}\nafter  {:?}\n--- input\n{}--- output\n{}",
            b.to_f64_vec(),
            a.to_f64_vec(),
            kc_ir::print_module(m),
            kc_ir::print_module(&opt)
        );
    }
}

#[test]
fn the_default_pipeline_preserves_random_functions() {
    let mut ops = 0;
    for seed in 0..300u64 {
        let f = random_func(seed);
        ops += f.body.graph.node_count();
        if std::env::var("KC_SHOW_RANDOM").is_ok_and(|s| s == seed.to_string()) {
            eprintln!("{}", kc_ir::print_func(&f));
        }
        let m = Module { funcs: vec![f] };
        kc_ir::verify_module(&m).unwrap_or_else(|e| panic!("seed {seed}: generated IR does not verify: {e}"));
        let args = inputs(&m.funcs[0], seed);
        preserved(&m, "main", &args, &format!("random function {seed}"));
    }
    // The generator must make real programs, not mostly-empty ones.
    assert!(ops > 300 * 10, "only {ops} ops in 300 random functions");
}

/// The models of the gradient checks, and their gradients, as training would use them:
/// `grad` first, then the default pipeline.
#[test]
fn the_training_pipeline_preserves_the_gradient_models() {
    for name in ["composite-mlp-loss", "composite-convnet-loss"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/gradients/{name}.kir"));
        let src = std::fs::read_to_string(&path).unwrap();
        let mut m = kc_ir::parse_module(&src, name).unwrap();
        Pipeline::parse("grad").unwrap().run(&mut m, &Instrumentation::default()).unwrap();
        let mut rng = Rng(7);
        let args: Vec<HostTensor> = m.func("main").unwrap().body.param_types().iter().map(|t| {
            let shape: Vec<usize> = t.shape.0.iter().map(|d| d.known().unwrap_or(2) as usize).collect();
            let v: Vec<f64> = (0..shape.iter().product()).map(|_| rng.uniform(-1.0, 1.0)).collect();
            HostTensor::from_f64(t.dtype, shape, &v).unwrap()
        }).collect();
        preserved(&m, "main_grad", &args, name);
    }
}

/// Every op filetest and example with inputs, through the default pipeline.
#[test]
fn the_default_pipeline_preserves_every_op_filetest() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = ["tests/filetests/ops", "examples"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "kir"))
        .collect();
    files.sort();
    let mut checked = 0;
    for path in files {
        let src = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let inputs: Vec<String> = super::gradients::directives(&src, "INPUT").iter().map(|l| l.replacen(" = ", "=", 1)).collect();
        if inputs.is_empty() {
            continue;
        }
        let m = kc_ir::parse_module(&src, &name).unwrap();
        let f = m.func("main").unwrap_or(&m.funcs[0]);
        let args = kc::cli::inputs::bind(f, &inputs).unwrap_or_else(|e| panic!("{name}: {e}"));
        let fname = f.name.clone();
        preserved(&m, &fname, &args, &name);
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} files had inputs");
}
