//! File-driven tests over `tests/filetests/` and `examples/`.
//!
//! - `ops/*.kir` and `examples/*.kir` must parse and verify; their printed form is an insta
//!   snapshot and parses back to an equal module (text and JSON); `// INPUT: name = [...]`
//!   lines give arguments and `// EXPECT: [...]` lines the expected results (computed by
//!   hand from docs/ir.md), checked against the interpreter.
//! - `errors/*.kir` must fail to load (or, with `// RUN-ERROR`, fail to run) with a message
//!   containing the `// ERROR: ...` text; the whole message is a snapshot.
//! - The same files go through the `kc` binary, which must succeed or exit non-zero.
use kc::cli::inputs::from_json;
use kc_runtime::HostTensor;
use std::path::{Path, PathBuf};
use std::process::Command;

fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "kir"))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no .kir files in {dir}");
    out
}

/// The text after `// KEY:` on each directive line.
fn directives(src: &str, key: &str) -> Vec<String> {
    let tag = format!("// {key}:");
    src.lines().filter_map(|l| l.trim().strip_prefix(&tag)).map(|s| s.trim().to_string()).collect()
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Relative display path, stable across machines, used as the file name in messages.
fn rel(p: &Path) -> String {
    p.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap().display().to_string()
}

fn load(p: &Path) -> Result<kc_ir::Module, String> {
    let src = std::fs::read_to_string(p).unwrap();
    let name = rel(p);
    let m = kc_ir::parse_module(&src, &name).map_err(|e| e.to_string())?;
    kc_ir::verify_module(&m).map_err(|e| e.with_source(&name, &src).to_string())?;
    Ok(m)
}

fn close(got: f64, want: f64) -> bool {
    (got.is_nan() && want.is_nan()) || got == want || (got - want).abs() <= 1e-5 * want.abs().max(1.0)
}

/// Run the file's main function on its INPUT lines; None when it has none.
fn run_inputs(m: &kc_ir::Module, src: &str) -> Option<Result<Vec<HostTensor>, String>> {
    let inputs = directives(src, "INPUT");
    if inputs.is_empty() && !src.contains("// RUN:") {
        return None;
    }
    let f = m.func("main").unwrap_or(&m.funcs[0]);
    let args: Vec<String> = inputs.iter().map(|l| l.replacen(" = ", "=", 1)).collect();
    let bound = kc::cli::inputs::bind(f, &args);
    Some(bound.and_then(|ts| kc_runtime::interp::run_func(f, &ts).map_err(|e| e.to_string())))
}

#[test]
fn op_files_print_parse_and_run_as_documented() {
    let mut checked = 0;
    for p in files("tests/filetests/ops").into_iter().chain(files("examples")) {
        let src = std::fs::read_to_string(&p).unwrap();
        let m = load(&p).unwrap_or_else(|e| panic!("{e}"));
        let printed = kc_ir::print_module(&m);
        let kind = p.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        insta::assert_snapshot!(format!("{kind}__{}", stem(&p)), printed);
        let again = kc_ir::parse_module(&printed, "printed").unwrap_or_else(|e| panic!("{}: reparse: {e}", rel(&p)));
        assert_eq!(again, m, "{}: print → parse changed the module", rel(&p));
        assert_eq!(kc_ir::Module::from_json(&m.to_json()).unwrap(), m, "{}: JSON round trip", rel(&p));
        if p.starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")) && src.contains("idx") {
            continue; // the demo needs the data set; `make demo` runs it
        }
        let expects = directives(&src, "EXPECT");
        let Some(outs) = run_inputs(&m, &src) else { continue };
        let outs = outs.unwrap_or_else(|e| panic!("{}: {e}", rel(&p)));
        if expects.is_empty() {
            continue;
        }
        assert_eq!(outs.len(), expects.len(), "{}: number of results", rel(&p));
        for (i, (got, want)) in outs.iter().zip(&expects).enumerate() {
            let want = from_json(want, kc_ir::DType::F64).unwrap_or_else(|e| panic!("{}: EXPECT {i}: {e}", rel(&p)));
            let shape_ok = got.shape() == want.shape() || (want.shape().is_empty() && got.shape().is_empty());
            assert!(shape_ok, "{}: result {i} has shape {:?}, expected {:?}", rel(&p), got.shape(), want.shape());
            let (g, w) = (got.to_f64_vec(), want.to_f64_vec());
            for (j, (a, b)) in g.iter().zip(&w).enumerate() {
                assert!(close(*a, *b), "{}: result {i}[{j}] = {a}, expected {b}\n got {g:?}\nwant {w:?}", rel(&p));
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} results were checked against EXPECT lines");
}

#[test]
fn error_files_fail_with_their_message() {
    for p in files("tests/filetests/errors") {
        let src = std::fs::read_to_string(&p).unwrap();
        let want = directives(&src, "ERROR");
        assert_eq!(want.len(), 1, "{}: needs one `// ERROR:` line", rel(&p));
        let msg = match load(&p) {
            Err(e) => {
                assert!(!src.contains("// RUN-ERROR"), "{}: should load and fail at run time, but: {e}", rel(&p));
                e
            }
            Ok(m) => {
                assert!(src.contains("// RUN-ERROR"), "{}: loaded without error", rel(&p));
                match run_inputs(&m, &src).expect("RUN-ERROR files give a RUN line") {
                    Ok(_) => panic!("{}: ran without error", rel(&p)),
                    Err(e) => e,
                }
            }
        };
        assert!(msg.contains(&want[0]), "{}: message does not contain `{}`:\n{msg}", rel(&p), want[0]);
        insta::assert_snapshot!(format!("errors__{}", stem(&p)), msg);
    }
}

fn kc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kc")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap()
}

#[test]
fn the_cli_dumps_and_runs_every_file() {
    for p in files("tests/filetests/ops").into_iter().chain(files("examples")) {
        let path = rel(&p);
        for format in ["kir", "json", "dot"] {
            let out = kc(&["dump-ir", &path, "--format", format]);
            assert!(out.status.success(), "kc dump-ir {path} --format {format}: {}", String::from_utf8_lossy(&out.stderr));
            assert!(!out.stdout.is_empty());
        }
        let src = std::fs::read_to_string(&p).unwrap();
        let inputs = directives(&src, "INPUT");
        if inputs.is_empty() {
            continue;
        }
        let mut args = vec!["run".to_string(), path.clone()];
        for i in &inputs {
            args.push("--input".into());
            args.push(i.replacen(" = ", "=", 1));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = kc(&args);
        assert!(out.status.success(), "kc {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("result0 = "));
    }
    for p in files("tests/filetests/errors") {
        let src = std::fs::read_to_string(&p).unwrap();
        if src.contains("// RUN-ERROR") {
            continue;
        }
        let out = kc(&["dump-ir", &rel(&p)]);
        assert_eq!(out.status.code(), Some(1), "{}", rel(&p));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("error: ") && err.contains(&rel(&p)), "{}: {err}", rel(&p));
    }
}

#[test]
fn the_cli_explains_bad_invocations() {
    let out = kc(&["run", "examples/affine.kir", "--input", "x=[[1,2,3]]", "--input", "w=[[1,0],[0,1],[1,1]]"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("@main needs --input for %b"));
    let out = kc(&["run", "examples/affine.kir", "--input", "q=[1]"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("@main has no parameter %q; its parameters are %x, %w, %b"));
    let out = kc(&["run", "examples/affine.kir", "-i", "x=[[1,2]]", "-i", "w=[[1,0],[0,1],[1,1]]", "-i", "b=[0,0]"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("%x") && err.contains("[1, 2]"), "{err}");
    let out = kc(&["dump-ir", "no/such/file.kir"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read no/such/file.kir"));
    let dir = std::env::temp_dir().join(format!("kc-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("latin1.kir");
    std::fs::write(&bad, b"func @f() -> () {\n  return\n}\n// caf\xe9\n").unwrap();
    let out = kc(&["dump-ir", bad.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains(":4: the file is not valid UTF-8"));
    let out = kc(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = kc(&["run", "examples/affine.kir", "-i", "x=[[1,2,3]]", "-i", "w=[[1,0],[0,1],[1,1]]", "-i", "b=[0.5,-0.5]", "--save"]);
    assert_eq!(out.status.code(), Some(2), "--save needs a value");
    let saved = dir.join("out");
    let out = kc(&["run", "examples/affine.kir", "-i", "x=[[1,2,3]]", "-i", "w=[[1,0],[0,1],[1,1]]", "-i", "b=[0.5,-0.5]", "--save", saved.to_str().unwrap(), "--names", "y"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "y = f32[1, 2] [[4.5, 4.5]]");
    let y = kc_runtime::npy::read(saved.join("y.npy")).unwrap();
    assert_eq!(y.to_f64_vec(), vec![4.5, 4.5]);
}

#[test]
fn the_cli_runs_and_explains_the_new_passes() {
    let out = kc(&["opt", "examples/affine.kir", "--passes=shape-infer{N=abc}"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pass `shape-infer`: option N=abc: the extent of symbol N must be an integer"), "{err}");
    let out = kc(&["opt", "examples/affine.kir", "--passes=shape-infer{Q=2}"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("option Q=2: no function parameter uses symbol Q (symbols used: N)"), "{err}");
    // Specializing N gives the static types a lowering needs, all the way through.
    let out = kc(&["opt", "examples/affine.kir", "--passes=shape-infer{N=2}"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("func @main(%x: f32[2, 3], %w: f32[3, 2], %b: f32[2]) -> (f32[2, 2]) {"), "{text}");
    assert!(!text.contains('N'), "{text}");
    // A contradiction names the file, line and column, shows the op, and gives both shapes.
    let dir = std::env::temp_dir().join(format!("kc-cli-passes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = "tests/filetests/pass-errors/shape-infer-contradiction.kir";
    let out = kc(&["opt", file, "--passes=shape-infer{N=3}", "--reproducer-dir", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with(&format!("error: {file}:6:3: pass error: pass `shape-infer` failed")), "{err}");
    assert!(err.contains("`dynamic_slice` at 6:3") && err.contains("operand types (f32[3], i32[]), result type was f32[5]"), "{err}");
    assert!(err.contains("%1 = dynamic_slice %0, %i {sizes = [5]} : f32[5]\n  |   ^^^"), "{err}");
    assert!(std::fs::read_dir(&dir).unwrap().count() == 1, "one reproducer file is written");
    // canonicalize folds in the CLI (the interpreter is installed), and --stats counts it.
    let file = "tests/filetests/passes/canonicalize-fold.kir";
    let out = kc(&["opt", file, "--passes=canonicalize", "--stats"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("%0 = constant {value = [-2147483648, 6]} : i32[2]"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("// ----- pass statistics -----") && err.contains("//          5  canonicalize.fold\n"), "{err}");
    // 1 / 1 is caught by div-one before folding is tried.
    assert!(err.contains("//          1  canonicalize.div-one\n"), "{err}");
    let out = kc(&["dump-ir", file, "--passes=canonicalize"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("constant {value = [[7.0, 10.0], [15.0, 22.0]]} : f32[2, 2]"));
}

#[test]
fn pass_files_match_their_snapshots() {
    use kc_compiler::{Instrumentation, Pipeline};
    for p in files("tests/filetests/passes") {
        let src = std::fs::read_to_string(&p).unwrap();
        let passes = directives(&src, "PASSES");
        assert_eq!(passes.len(), 1, "{}: needs one `// PASSES:` line", rel(&p));
        let before = load(&p).unwrap_or_else(|e| panic!("{e}"));
        let mut after = before.clone();
        let inst = Instrumentation { verify_each: true, ..Default::default() };
        let pipeline = Pipeline::parse(&passes[0]).unwrap().with_evaluator(kc_runtime::fold::evaluator());
        pipeline.run(&mut after, &inst).unwrap_or_else(|e| panic!("{}: {e}", rel(&p)));
        // Semantics are preserved: the interpreter gives bit-identical results before and after
        // (no pass reassociates arithmetic, and canonicalize's rules are exact).
        let outs = |m: &kc_ir::Module| run_inputs(m, &src).map(|r| r.unwrap_or_else(|e| panic!("{}: {e}", rel(&p))));
        let (b, a) = (outs(&before).expect("pass files give INPUT lines"), outs(&after).unwrap());
        assert_eq!(b.len(), a.len(), "{}", rel(&p));
        for (x, y) in b.iter().zip(&a) {
            assert_eq!(x.shape(), y.shape(), "{}", rel(&p));
            let bits = |t: &HostTensor| t.to_f64_vec().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(x), bits(y), "{}: results changed", rel(&p));
        }
        let printed = kc_ir::print_module(&after);
        // What a pass prints is a program too: it parses back to the same module and verifies.
        let reparsed = kc_ir::parse_module(&printed, "printed").unwrap_or_else(|e| panic!("{}: reparse: {e}\n{printed}", rel(&p)));
        kc_ir::verify_module(&reparsed).unwrap_or_else(|e| panic!("{}: reparsed output does not verify: {e}", rel(&p)));
        assert_eq!(reparsed, after, "{}: print → parse changed the pass's output", rel(&p));
        if stem(&p).contains("keeps") {
            assert_eq!(printed, kc_ir::print_module(&before), "{}: must not change", rel(&p));
        } else {
            assert_ne!(printed, kc_ir::print_module(&before), "{}: should change", rel(&p));
        }
        insta::assert_snapshot!(format!("passes__{}", stem(&p)), printed);
    }
}

/// A pipeline error with the reproducer's path (which holds the process id) replaced by
/// `<reproducer>`, so the message can be a snapshot.
fn redact_reproducer(msg: &str) -> String {
    const TAG: &str = "(its input IR is saved in ";
    match msg.split_once(TAG).and_then(|(head, rest)| Some((head, rest.split_once(')')?.1))) {
        Some((head, tail)) => format!("{head}{TAG}<reproducer>){tail}"),
        None => msg.to_string(),
    }
}

/// The results as bits, so that -0.0 and 0.0 (and NaN payloads) count as different.
fn bits(ts: &[HostTensor]) -> Vec<(Vec<usize>, Vec<u64>)> {
    ts.iter().map(|t| (t.shape().to_vec(), t.to_f64_vec().iter().map(|v| v.to_bits()).collect())).collect()
}

#[test]
fn the_simplifying_pipeline_keeps_every_op_files_results() {
    use kc_compiler::{Instrumentation, Pipeline};
    let mut checked = 0;
    for p in files("tests/filetests/ops").into_iter().chain(files("examples")) {
        let src = std::fs::read_to_string(&p).unwrap();
        if src.contains("idx") {
            continue; // needs the data set
        }
        let before = load(&p).unwrap_or_else(|e| panic!("{e}"));
        let Some(want) = run_inputs(&before, &src) else { continue };
        let want = want.unwrap_or_else(|e| panic!("{}: {e}", rel(&p)));
        let mut after = before.clone();
        let pipeline = Pipeline::parse("shape-infer,canonicalize,cse,dce").unwrap().with_evaluator(kc_runtime::fold::evaluator());
        let inst = Instrumentation { verify_each: true, ..Default::default() };
        pipeline.run(&mut after, &inst).unwrap_or_else(|e| panic!("{}: {e}", rel(&p)));
        let got = run_inputs(&after, &src).unwrap().unwrap_or_else(|e| panic!("{}: after the pipeline: {e}", rel(&p)));
        assert_eq!(bits(&got), bits(&want), "{}: the pipeline changed the results", rel(&p));
        checked += 1;
    }
    assert!(checked > 40, "only {checked} files were run");
}

#[test]
fn pass_error_files_fail_with_their_message() {
    use kc_compiler::{Instrumentation, Pipeline};
    let dir = std::env::temp_dir().join(format!("kc-pass-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for p in files("tests/filetests/pass-errors") {
        let src = std::fs::read_to_string(&p).unwrap();
        let (passes, want) = (directives(&src, "PASSES"), directives(&src, "ERROR"));
        assert!(passes.len() == 1 && want.len() == 1, "{}: needs one `// PASSES:` and one `// ERROR:` line", rel(&p));
        let mut m = load(&p).unwrap_or_else(|e| panic!("{e}"));
        let before = m.clone();
        let inst = Instrumentation { verify_each: true, reproducer_dir: Some(dir.clone()), ..Default::default() };
        let result = Pipeline::parse(&passes[0]).and_then(|pl| pl.with_evaluator(kc_runtime::fold::evaluator()).run(&mut m, &inst));
        let msg = match result {
            Ok(_) => panic!("{}: the pipeline ran without error", rel(&p)),
            Err(e) => redact_reproducer(&e.with_source(&rel(&p), &src).to_string()),
        };
        assert!(msg.contains(&want[0]), "{}: message does not contain `{}`:\n{msg}", rel(&p), want[0]);
        // A failing pass leaves the module as it found it.
        assert_eq!(kc_ir::print_module(&m), kc_ir::print_module(&before), "{}: the module changed", rel(&p));
        insta::assert_snapshot!(format!("pass-errors__{}", stem(&p)), msg);
    }
}

#[test]
fn every_pass_and_every_canonicalize_rule_has_a_filetest_and_docs() {
    let names: Vec<String> = files("tests/filetests/passes").iter().map(|p| stem(p)).collect();
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/passes.md")).unwrap();
    for pass in kc_compiler::registry::PASSES {
        assert!(
            names.iter().any(|n| n.starts_with(pass.name)),
            "pass `{}` has no filetest: add tests/filetests/passes/{}.kir",
            pass.name,
            pass.name
        );
        assert!(docs.contains(&format!("| `{}` |", pass.name)), "docs/passes.md has no table row for `{}`", pass.name);
    }
    for rule in kc_compiler::passes::canonicalize::rules() {
        let want = format!("canonicalize-{}", rule.name);
        assert!(names.contains(&want), "canonicalize rule `{}` has no filetest: add tests/filetests/passes/{want}.kir", rule.name);
        assert!(docs.contains(&format!("`{}`", rule.name)), "docs/passes.md does not list canonicalize rule `{}`", rule.name);
    }
}

#[test]
fn the_demo_agrees_with_numpy() {
    // Reference values from tests/golden/fashion_mnist_centroids.py (numpy, same data).
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join(".deps/fashion-mnist");
    assert!(data.join("t10k-labels-idx1-ubyte").exists(), "run `make data` first (`make test` does)");
    let arg = |n: &str, f: &str| format!("{n}={}", data.join(f).display());
    let out = kc(&[
        "run",
        "examples/fashion_mnist_centroids.kir",
        "-i",
        &arg("train_x", "train-images-idx3-ubyte"),
        "-i",
        &arg("train_y", "train-labels-idx1-ubyte"),
        "-i",
        &arg("test_x", "t10k-images-idx3-ubyte"),
        "-i",
        &arg("test_y", "t10k-labels-idx1-ubyte"),
        "--names",
        "acc,per_class",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("acc = f32[] 0.6768\n"), "{text}");
    let per_class = text.lines().nth(1).unwrap().split_once('[').unwrap().1.split_once('[').unwrap().1.trim_end_matches(']');
    let got: Vec<f64> = per_class.split(", ").map(|v| v.parse().unwrap()).collect();
    let want = [0.685, 0.879, 0.45, 0.767, 0.562, 0.776, 0.217, 0.82, 0.744, 0.868];
    assert_eq!(got.len(), 10);
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "{got:?} vs {want:?}");
    }
}

#[test]
fn docs_cover_every_op_and_every_op_has_a_filetest() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ir.md")).unwrap();
    let ops_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/filetests/ops");
    for op in kc_ir::OpKind::all() {
        let name = op.name();
        let headed = docs.lines().any(|l| l.starts_with("### ") && l.contains(&format!("`{name}`")));
        assert!(headed, "docs/ir.md has no section heading naming `{name}`");
        assert!(ops_dir.join(format!("{name}.kir")).exists(), "tests/filetests/ops/{name}.kir is missing");
    }
}

/// `kc opt` runs the default pipeline with all the instrumentation on every filetest.
#[test]
fn kc_opt_runs_the_default_pipeline_with_instrumentation_on_every_filetest() {
    let pipeline = kc_compiler::registry::DEFAULT_PIPELINE;
    let mut n = 0;
    for dir in ["tests/filetests/ops", "tests/filetests/passes"] {
        for path in files(dir) {
            let p = path.to_str().unwrap();
            let out = kc(&["opt", p, &format!("--passes={pipeline}"), "--print-after-all", "--print-after-change", "--timing", "--stats"]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "kc opt {p}: {err}");
            assert!(err.contains("// ----- IR after fuse -----") && err.contains("pass timing"), "kc opt {p}: {err}");
            let printed = String::from_utf8_lossy(&out.stdout);
            let m = kc_ir::parse_module(&printed, p).unwrap_or_else(|e| panic!("kc opt {p} printed IR that does not parse: {e}"));
            kc_ir::verify_module(&m).unwrap_or_else(|e| panic!("kc opt {p} printed IR that does not verify: {e}"));
            n += 1;
        }
    }
    assert!(n > 100, "only {n} files");
}

#[test]
fn the_cli_lowers_a_function_to_stablehlo() {
    // affine.kir: %x: f32[N, 3] — the symbol must be bound first, and the error says so
    let out = kc(&["dump-ir", "examples/affine.kir", "--format", "stablehlo"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("parameter %x") && err.contains("symbolic") && err.contains("N"), "{err}");
    let out = kc(&["dump-ir", "examples/affine.kir", "--format", "stablehlo", "--bind", "N=4"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("func.func public @main(%arg0: tensor<4x3xf32>"), "{text}");
    assert!(text.contains("\"stablehlo.dot_general\""), "{text}");
    let out = kc(&["dump-ir", "examples/affine.kir", "--format", "stablehlo", "--bind", "M=4"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no parameter that uses symbol M"));
}
