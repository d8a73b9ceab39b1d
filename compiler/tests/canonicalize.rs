//! `canonicalize`: the driver, the rule table, and the evaluator hook (with a test
//! evaluator here; the interpreter-backed one is tested in the root filetests).
use kc_compiler::passes::canonicalize::{rules, TOPICS};
use kc_compiler::{ConstEvaluator, ConstOperand, Instrumentation, Pipeline};
use kc_ir::{parse_module, print_module, verify_module, Attrs, Error, ErrorKind, LiteralData, Module, OpKind, Region, Result, TensorType};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn module(src: &str) -> Module {
    let m = parse_module(src, "test.kir").unwrap();
    verify_module(&m).unwrap();
    m
}

fn run(m: &mut Module, pipeline: &str, ev: Option<Arc<dyn ConstEvaluator>>) -> Result<BTreeMap<String, u64>> {
    let mut p = Pipeline::parse(pipeline)?;
    if let Some(ev) = ev {
        p = p.with_evaluator(ev);
    }
    Ok(p.run(m, &Instrumentation { verify_each: true, ..Default::default() })?.stats)
}

/// Knows one op, integer `neg`, and counts its calls; `mode` makes it misbehave.
struct Negator {
    calls: AtomicUsize,
    mode: Mode,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Honest,
    Fails,
    TooManyResults,
    WrongDtype,
    Nan,
}

impl Negator {
    fn new(mode: Mode) -> Arc<Negator> {
        Arc::new(Negator { calls: AtomicUsize::new(0), mode })
    }
}

impl ConstEvaluator for Negator {
    fn eval(&self, op: OpKind, _: &Attrs, _: &[Region], operands: &[ConstOperand<'_>], results: &[TensorType]) -> Result<Vec<LiteralData>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if op == OpKind::Neg {
            assert_eq!(results, [operands[0].ty.clone()], "the evaluator is given the result types");
        }
        match (self.mode, op, operands[0].data) {
            (Mode::Fails, ..) => Err(Error::new(ErrorKind::Pass, "no")),
            (Mode::TooManyResults, ..) => Ok(vec![LiteralData::Int(vec![0]), LiteralData::Int(vec![0])]),
            (Mode::WrongDtype, ..) => Ok(vec![LiteralData::Bool(vec![true])]),
            (Mode::Nan, ..) => Ok(vec![LiteralData::Float(vec![1.0, f64::NAN])]),
            (Mode::Honest, OpKind::Neg, LiteralData::Int(v)) => Ok(vec![LiteralData::Int(v.iter().map(|x| x.wrapping_neg()).collect())]),
            _ => Err(Error::new(ErrorKind::Pass, format!("cannot evaluate {op}"))),
        }
    }
}

const NEG_CONST: &str = "func @main(%x: i32[3]) -> (i32[3], i32[3]) {
  %0 = constant {value = [1, -2, 3]} : i32[3]
  %1 = neg %0 : i32[3]
  %2 = constant {value = 1} : i32[3]
  %3 = mul %x, %2 : i32[3]
  return %1, %3
}
";

#[test]
fn without_an_evaluator_everything_but_folding_runs() {
    let mut m = module(NEG_CONST);
    let stats = run(&mut m, "canonicalize", None).unwrap();
    assert_eq!(stats, BTreeMap::from([("canonicalize.mul-one".to_string(), 1)]));
    let text = print_module(&m);
    assert!(text.contains("neg %0") && !text.contains("mul"), "{text}");
}

#[test]
fn with_an_evaluator_constants_fold() {
    let ev = Negator::new(Mode::Honest);
    let mut m = module(NEG_CONST);
    let stats = run(&mut m, "canonicalize", Some(ev.clone())).unwrap();
    assert_eq!(stats.get("canonicalize.fold"), Some(&1));
    assert_eq!(ev.calls.load(Ordering::SeqCst), 1);
    let text = print_module(&m);
    // The folded constant replaces the neg, and the constant it used is erased.
    assert!(text.contains("constant {value = [-1, 2, -3]} : i32[3]") && !text.contains("neg") && !text.contains("[1, -2, 3]"), "{text}");
}

#[test]
fn fold_limit_bounds_what_is_folded() {
    for (pipeline, calls) in [("canonicalize{fold-limit=3}", 1), ("canonicalize{fold-limit=2}", 0), ("canonicalize{fold-limit=0}", 0)] {
        let ev = Negator::new(Mode::Honest);
        let mut m = module(NEG_CONST);
        run(&mut m, pipeline, Some(ev.clone())).unwrap();
        assert_eq!(ev.calls.load(Ordering::SeqCst), calls, "{pipeline}");
        assert_eq!(print_module(&m).contains("neg"), calls == 0, "{pipeline}");
    }
    let e = Pipeline::parse("canonicalize{fold-limit=-1}").err().unwrap().to_string();
    assert!(e.contains("pass `canonicalize`: option fold-limit=-1 must be a non-negative integer"), "{e}");
}

#[test]
fn an_evaluator_that_cannot_evaluate_leaves_the_op() {
    for mode in [Mode::Fails, Mode::Nan] {
        let mut m = module(NEG_CONST);
        let stats = run(&mut m, "canonicalize", Some(Negator::new(mode))).unwrap();
        assert!(!stats.contains_key("canonicalize.fold"));
        assert!(print_module(&m).contains("neg %0"));
    }
    // NaN results are not folded (the text cannot keep a NaN's bits).
    let mut m = module("func @main() -> (f32[2]) {\n  %0 = constant {value = [1.0, 2.0]} : f32[2]\n  %1 = neg %0 : f32[2]\n  return %1\n}\n");
    run(&mut m, "canonicalize", Some(Negator::new(Mode::Nan))).unwrap();
    assert!(print_module(&m).contains("neg %0"));
}

#[test]
fn a_wrong_evaluator_is_an_error_not_wrong_ir() {
    let mut m = module(NEG_CONST);
    let e = run(&mut m, "canonicalize", Some(Negator::new(Mode::TooManyResults))).unwrap_err().to_string();
    assert!(e.contains("the constant evaluator returned 2 results for `neg`, which has 1"), "{e}");
    let mut m = module(NEG_CONST);
    let e = run(&mut m, "canonicalize", Some(Negator::new(Mode::WrongDtype))).unwrap_err().to_string();
    assert!(e.contains("the constant evaluator's result for `neg` is not a valid constant"), "{e}");
}

#[test]
fn ops_with_regions_and_leaves_are_never_folded() {
    let ev = Negator::new(Mode::Honest);
    let mut m = module(
        "func @main() -> (i32[], i32[3]) {
  %0 = constant {value = 0} : i32[]
  %1 = while %0 cond(%i: i32[]) {
    %2 = constant {value = 5} : i32[]
    %3 = compare %i, %2 {direction = lt} : bool[]
    return %3
  } body(%i: i32[]) {
    %4 = constant {value = 1} : i32[]
    %5 = add %i, %4 : i32[]
    return %5
  } : i32[]
  %6 = iota {dimension = 0} : i32[3]
  return %1, %6
}
",
    );
    let before = print_module(&m);
    run(&mut m, "canonicalize", Some(ev.clone())).unwrap();
    assert_eq!(ev.calls.load(Ordering::SeqCst), 0);
    assert_eq!(print_module(&m), before);
}

#[test]
fn expensive_contractions_are_not_folded() {
    // A 256x256 convolution window over a 256x256 input: 2^16 results, 2^16 steps each.
    let ev = Negator::new(Mode::Honest);
    let mut m = module(
        "func @main() -> (f32[1, 1, 1, 1]) {
  %0 = constant {value = 1.0} : f32[1, 1, 256, 256]
  %1 = convolution %0, %0 : f32[1, 1, 1, 1]
  return %1
}
",
    );
    run(&mut m, "canonicalize", Some(ev.clone())).unwrap();
    assert_eq!(ev.calls.load(Ordering::SeqCst), 1, "one output element of 2^16 steps is cheap enough to try");
    let mut m = module(
        "func @main() -> (f32[1, 1, 129, 129]) {
  %0 = constant {value = 1.0} : f32[1, 1, 256, 256]
  %1 = constant {value = 1.0} : f32[1, 1, 128, 128]
  %2 = convolution %0, %1 : f32[1, 1, 129, 129]
  return %2
}
",
    );
    let ev = Negator::new(Mode::Honest);
    run(&mut m, "canonicalize", Some(ev.clone())).unwrap();
    assert_eq!(ev.calls.load(Ordering::SeqCst), 0, "129^2 results of 2^14 steps each is too much work");
}

#[test]
fn rules_are_named_once_and_documented_by_topic() {
    let names: Vec<&str> = rules().map(|r| r.name).collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "rule names repeat: {names:?}");
    for r in rules() {
        assert!(r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "`{}` is not kebab-case", r.name);
        assert!(!r.summary.is_empty());
    }
    let topics: Vec<&str> = TOPICS.iter().map(|t| t.name).collect();
    assert_eq!(topics, ["algebra", "movement", "shape", "fold"]);
    assert!(names.len() >= 20, "{names:?}");
}

#[test]
fn rewrites_cascade_to_a_fixpoint_in_one_run() {
    // Each rewrite exposes the next: the transposes cancel, which makes the reshape an
    // identity, which leaves x + (-0.0), which is x; one run reaches the end.
    let mut m = module(
        "func @main(%x: f32[2, 3]) -> (f32[2, 3]) {
  %0 = transpose %x {permutation = [1, 0]} : f32[3, 2]
  %1 = transpose %0 {permutation = [1, 0]} : f32[2, 3]
  %2 = reshape %1 : f32[2, 3]
  %3 = constant {value = -0.0} : f32[]
  %4 = broadcast_in_dim %3 {dims = []} : f32[2, 3]
  %5 = add %2, %4 : f32[2, 3]
  %6 = neg %5 : f32[2, 3]
  %7 = neg %6 : f32[2, 3]
  return %7
}
",
    );
    let stats = run(&mut m, "canonicalize", None).unwrap();
    assert_eq!(print_module(&m), "func @main(%x: f32[2, 3]) -> (f32[2, 3]) {\n  return %x\n}\n");
    for rule in ["transpose-transpose", "reshape-identity", "add-zero", "double-neg"] {
        assert_eq!(stats.get(&format!("canonicalize.{rule}")), Some(&1), "{rule}: {stats:?}");
    }
    // A second run finds nothing.
    assert!(run(&mut m, "canonicalize", None).unwrap().is_empty());
}
