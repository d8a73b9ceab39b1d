//! Gradient checks: every `.kir` file in `tests/gradients/` is differentiated with
//! `kc_compiler::autodiff::vjp` and the result is compared with central finite
//! differences in f64 on random inputs, run on the reference interpreter. The VJP is
//! then differentiated again and checked the same way (second order), unless the file
//! says `// FIRST-ORDER-ONLY: reason`.
//!
//! Directives: `// INPUT: name = [json]` fixes a parameter (integer ones must be fixed),
//! `// RANGE: lo hi` the interval random float inputs are drawn from (default -1 1),
//! `// BIND: N = 3` the extent of a symbolic dim (default 2), `// STEP: h` the relative
//! finite-difference step (default 1e-6) and `// TOLERANCE: t` the relative tolerance
//! (default 1e-5; looser only where the function rounds to a narrower float).
use kc_compiler::autodiff::{rules, vjp};
use kc_ir::{Attr, Dim, Func, Module, OpKind, TensorType};
use kc_runtime::{interp, HostTensor};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// xorshift64*: a fixed, dependency-free source of test inputs.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545F4914F6CDD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

pub fn directives(src: &str, key: &str) -> Vec<String> {
    let tag = format!("// {key}:");
    src.lines().filter_map(|l| l.trim().strip_prefix(&tag)).map(|s| s.trim().to_string()).collect()
}

fn files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gradients");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "kir")).collect();
    v.sort();
    v
}

fn param_name(f: &Func, i: usize) -> String {
    match f.body.node(f.body.params()[i]).attrs.get("name") {
        Some(Attr::Str(s)) => s.clone(),
        _ => String::new(),
    }
}

fn concrete(t: &TensorType, bind: &BTreeMap<String, usize>) -> Vec<usize> {
    t.shape.0.iter().map(|d| match d {
        Dim::Known(n) => *n as usize,
        Dim::Sym(s) => bind.get(s).copied().unwrap_or(2),
    }).collect()
}

struct Case {
    name: String,
    step: f64,
    tol: f64,
    f: Func,
    inputs: Vec<HostTensor>,
    rng: Rng,
}

fn load(path: &Path) -> Case {
    let src = std::fs::read_to_string(path).unwrap();
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let m = kc_ir::parse_module(&src, &name).unwrap_or_else(|e| panic!("{name}: {}", e.with_source(&name, &src)));
    kc_ir::verify_module(&m).unwrap_or_else(|e| panic!("{name}: {}", e.with_source(&name, &src)));
    let f = m.func("main").unwrap().clone();
    let range: Vec<f64> = directives(&src, "RANGE").first().map(|r| r.split_whitespace().map(|x| x.parse().unwrap()).collect()).unwrap_or(vec![-1.0, 1.0]);
    let mut bind = BTreeMap::new();
    for b in directives(&src, "BIND") {
        let (k, v) = b.split_once('=').unwrap();
        bind.insert(k.trim().to_string(), v.trim().parse().unwrap());
    }
    let fixed: BTreeMap<String, String> = directives(&src, "INPUT").iter().map(|l| {
        let (k, v) = l.split_once('=').unwrap();
        (k.trim().to_string(), v.trim().to_string())
    }).collect();
    let mut rng = Rng(0x9E3779B97F4A7C15 ^ name.len() as u64 ^ (name.bytes().map(|b| b as u64).sum::<u64>() << 20));
    let types = f.body.param_types();
    let inputs = types.iter().enumerate().map(|(i, t)| {
        let pname = param_name(&f, i);
        match fixed.get(&pname) {
            Some(json) => kc::cli::inputs::from_json(json, t.dtype).unwrap_or_else(|e| panic!("{name}: input {pname}: {e}")),
            None => {
                assert!(t.dtype.is_float(), "{name}: integer parameter %{pname} needs an INPUT line");
                let shape = concrete(t, &bind);
                let n: usize = shape.iter().product();
                let v: Vec<f64> = (0..n).map(|_| rng.uniform(range[0], range[1])).collect();
                HostTensor::from_f64(t.dtype, shape, &v).unwrap()
            }
        }
    }).collect();
    let num = |k: &str, d: f64| directives(&src, k).first().map(|v| v.parse().unwrap()).unwrap_or(d);
    Case { name, step: num("STEP", 1e-6), tol: num("TOLERANCE", 1e-5), f, inputs, rng }
}

fn run(f: &Func, inputs: &[HostTensor], what: &str) -> Vec<HostTensor> {
    interp::run_func(f, inputs).unwrap_or_else(|e| panic!("{what}: {e}\n{}", kc_ir::print_func(f)))
}

/// Check `vjp(f)` against finite differences of `sum_o <ct_o, f(x)_o>`: `wrt` are the
/// parameters to perturb, `of` the outputs. Returns the VJP function.
fn check(c: &mut Case, f: &Func, inputs: &[HostTensor], wrt: &[usize], of: &[usize], order: u32) -> Func {
    let what = format!("{} (order {order})", c.name);
    let rng = &mut c.rng;
    let g = vjp(f, wrt, of, &format!("{}_vjp", f.name)).unwrap_or_else(|e| panic!("{what}: vjp failed: {e}"));
    let module = Module { funcs: vec![f.clone(), g.clone()] };
    kc_ir::verify_module(&module).unwrap_or_else(|e| panic!("{what}: the vjp does not verify: {e}\n{}", kc_ir::print_func(&g)));
    let outs = run(f, inputs, &what);
    let cts: Vec<HostTensor> = of.iter().map(|&o| {
        let t = &outs[o];
        let v: Vec<f64> = (0..t.len()).map(|_| rng.uniform(-1.0, 1.0)).collect();
        HostTensor::from_f64(t.dtype(), t.shape().to_vec(), &v).unwrap()
    }).collect();
    let mut args = inputs.to_vec();
    args.extend(cts.iter().cloned());
    let res = run(&g, &args, &format!("{what}: running the vjp"));
    let grads = &res[of.len()..];
    let loss = |x: &[HostTensor]| -> f64 {
        let o = run(f, x, &what);
        of.iter().zip(&cts).map(|(&i, c)| o[i].to_f64_vec().iter().zip(c.to_f64_vec()).map(|(a, b)| a * b).sum::<f64>()).sum()
    };
    for (k, &p) in wrt.iter().enumerate() {
        let x = &inputs[p];
        let n = x.len();
        // Large parameters: a fixed sample of elements.
        let picks: Vec<usize> = if n <= 24 { (0..n).collect() } else { (0..24).map(|j| (j * 7919) % n).collect() };
        let an = grads[k].to_f64_vec();
        assert_eq!(an.len(), n, "{what}: gradient of parameter {p} has the wrong size");
        for &e in &picks {
            let base = x.to_f64_vec();
            let h = c.step * base[e].abs().max(1.0);
            let at = |d: f64| {
                let mut v = base.clone();
                v[e] += d;
                let mut xs = inputs.to_vec();
                xs[p] = HostTensor::from_f64(x.dtype(), x.shape().to_vec(), &v).unwrap();
                loss(&xs)
            };
            let fd = (at(h) - at(-h)) / (2.0 * h);
            let tol = c.tol * fd.abs().max(1.0);
            assert!(
                (an[e] - fd).abs() <= tol,
                "{what}: d/d{}[{e}] is {} but finite differences give {fd}\n{}",
                param_name(f, p),
                an[e],
                kc_ir::print_func(&g)
            );
        }
    }
    g
}

fn check_file(path: &Path) {
    let src = std::fs::read_to_string(path).unwrap();
    let mut c = load(path);
    let types = c.f.body.param_types();
    let wrt: Vec<usize> = (0..types.len()).filter(|&i| types[i].dtype.is_float()).collect();
    let outs = c.f.body.result_types();
    let of: Vec<usize> = (0..outs.len()).filter(|&i| outs[i].dtype.is_float()).collect();
    let (name, f, inputs) = (c.name.clone(), c.f.clone(), c.inputs.clone());
    let g = check(&mut c, &f, &inputs, &wrt, &of, 1);
    if !directives(&src, "FIRST-ORDER-ONLY").is_empty() {
        return;
    }
    // Second order: differentiate the VJP's gradients with respect to the same inputs,
    // holding its cotangent parameters fixed at random values.
    let mut args = inputs.clone();
    for &o in &of {
        let t = run(&f, &inputs, &name)[o].clone();
        let v: Vec<f64> = (0..t.len()).map(|_| c.rng.uniform(-1.0, 1.0)).collect();
        args.push(HostTensor::from_f64(t.dtype(), t.shape().to_vec(), &v).unwrap());
    }
    let grads: Vec<usize> = (of.len()..of.len() + wrt.len()).collect();
    check(&mut c, &g, &args, &wrt, &grads, 2);
}

#[test]
fn every_gradient_file_matches_finite_differences() {
    let mut failures = Vec::new();
    let all = files();
    assert!(all.len() >= 70, "only {} gradient files found", all.len());
    for path in all {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if let Err(e) = std::panic::catch_unwind(|| check_file(&path)) {
            let msg = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
            failures.push(format!("--- {name}: {msg}"));
        }
    }
    assert!(failures.is_empty(), "{} gradient file(s) failed:\n{}", failures.len(), failures.join("\n"));
}

/// The table in `autodiff/rules` is exhaustive by construction; this checks that every
/// op with a rule (or a zero derivative) has a gradient file exercising it.
#[test]
fn every_differentiable_op_has_a_gradient_check() {
    let names: Vec<String> = files().iter().map(|p| p.file_stem().unwrap().to_string_lossy().to_string()).collect();
    let mut missing = Vec::new();
    for op in OpKind::all() {
        if matches!(op, OpKind::Parameter | OpKind::Return | OpKind::Constant | OpKind::Iota) {
            continue;
        }
        if let rules::Rule::NotDifferentiable(_) = rules::rule(op) {
            continue;
        }
        let n = op.name();
        if !names.iter().any(|f| f == n || f.starts_with(&format!("{n}-"))) {
            missing.push(n);
        }
    }
    assert!(missing.is_empty(), "no gradient check in tests/gradients/ for: {}", missing.join(", "));
}

fn grad_error(src: &str) -> String {
    let m = kc_ir::parse_module(src, "t.kir").unwrap();
    kc_ir::verify_module(&m).unwrap();
    let f = m.func("main").unwrap();
    let wrt: Vec<usize> = (0..f.body.params().len()).collect();
    match kc_compiler::autodiff::value_and_grad(f, &wrt, 0, "g") {
        Ok(g) => panic!("expected an error, got\n{}", kc_ir::print_func(&g)),
        Err(e) => e.to_string(),
    }
}

#[test]
fn non_differentiable_outputs_and_ops_are_named() {
    let e = grad_error("func @main(%x: f32[3]) -> (i32[]) {\n  %0 = argmax %x {dimension = 0} : i32[]\n  return %0\n}\n");
    assert!(e.contains("argmax") && e.contains("only float outputs"), "{e}");
    let e = grad_error(
        "func @main(%x: f16[]) -> (bf16[]) {\n  %0 = bitcast_convert %x : bf16[]\n  return %0\n}\n",
    );
    assert!(e.contains("bitcast_convert") && e.contains("2:3") && e.contains("bits"), "{e}");
    let e = grad_error("func @main(%x: f32[3]) -> (f32[3]) {\n  %0 = exp %x : f32[3]\n  return %0\n}\n");
    assert!(e.contains("scalar output") && e.contains("f32[3]"), "{e}");
    let e = grad_error("func @main(%i: i32[]) -> (f32[]) {\n  %0 = convert %i : f32[]\n  return %0\n}\n");
    assert!(e.contains("parameter 0") && e.contains("only float parameters"), "{e}");
}

#[test]
fn a_loop_that_is_not_counted_is_rejected_with_the_reason() {
    let src = "func @main(%x: f64[]) -> (f64[]) {
  %0 = while %x cond(%a: f64[]) {
    %1 = constant {value = 10.0} : f64[]
    %2 = compare %a, %1 {direction = lt} : bool[]
    return %2
  } body(%b: f64[]) {
    %3 = add %b, %b : f64[]
    return %3
  } : f64[]
  return %0
}
";
    let e = grad_error(src);
    assert!(e.contains("`while` at 2:") && e.contains("counted loop") && e.contains("the bound is neither"), "{e}");
}
