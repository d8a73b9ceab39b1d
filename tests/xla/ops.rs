//! Every op on XLA equals the reference interpreter: each op filetest
//! (`tests/filetests/ops/*.kir`, whose INPUT lines give the arguments, edge cases
//! included) is lowered to StableHLO, compiled by the PJRT CPU plugin, run, and compared
//! with the interpreter's results. Tolerances per dtype: integers and bools exactly; f64 1e-12 relative; f32
//! 1e-5 relative + 1e-6 absolute (transcendental functions and reassociated sums differ
//! in the last bits); f16/bf16 one unit in their last place (2^-10, 2^-7 relative).
use kc_ir::DType;
use kc_runtime::HostTensor;
use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "kir")).collect();
    out.sort();
    out
}

fn directives(src: &str, key: &str) -> Vec<String> {
    let tag = format!("// {key}:");
    src.lines().filter_map(|l| l.trim().strip_prefix(&tag)).map(|s| s.trim().to_string()).collect()
}

fn tolerance(d: DType) -> (f64, f64) {
    match d {
        DType::F64 => (1e-12, 1e-300),
        DType::F32 => (1e-5, 1e-6),
        DType::F16 => (1.0 / 1024.0, 1e-4),
        DType::BF16 => (1.0 / 128.0, 1e-3),
        _ => (0.0, 0.0),
    }
}

/// Same dtype and shape, and every element within the dtype's tolerance (NaN matches NaN).
pub fn assert_same(what: &str, got: &HostTensor, want: &HostTensor) {
    assert_eq!((got.dtype(), got.shape()), (want.dtype(), want.shape()), "{what}: type");
    let (rel, abs) = tolerance(want.dtype());
    for (i, (g, w)) in got.to_f64_vec().iter().zip(want.to_f64_vec()).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || *g == w || (g - w).abs() <= abs + rel * w.abs();
        assert!(ok, "{what}: element {i}: XLA {g} vs interpreter {w}\nXLA:    {:?}\ninterp: {:?}", got.to_f64_vec(), want.to_f64_vec());
    }
}

#[test]
fn every_op_filetest_runs_on_xla_as_on_the_interpreter() {
    let mut checked = Vec::new();
    for p in files("tests/filetests/ops") {
        let src = std::fs::read_to_string(&p).unwrap();
        let inputs = directives(&src, "INPUT");
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let m = kc_ir::parse_module(&src, &name).unwrap();
        let f = m.func("main").unwrap_or(&m.funcs[0]);
        if inputs.is_empty() && !f.body.params().is_empty() {
            continue;
        }
        let args: Vec<String> = inputs.iter().map(|l| l.replacen(" = ", "=", 1)).collect();
        let args = kc::cli::inputs::bind(f, &args).unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = kc_runtime::run_func(f, &args).unwrap_or_else(|e| panic!("{name}: interpreter: {e}"));
        let got = kc_runtime::xla::run_func(f, &args).unwrap_or_else(|e| panic!("{name}: XLA: {e}"));
        assert_eq!(got.len(), want.len(), "{name}: result count");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_same(&format!("{name} result {i}"), g, w);
        }
        checked.push(name);
    }
    // every op of the IR has a filetest that ran here
    for op in kc_ir::OpKind::all() {
        let n = op.name();
        if n != "parameter" && n != "return" {
            assert!(checked.iter().any(|c| c == n), "no XLA conformance run for `{n}` (tests/filetests/ops/{n}.kir with INPUT lines)");
        }
    }
}
