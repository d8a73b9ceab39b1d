//! The pass manager: pipeline strings, options, instrumentation and reproducers.
use kc_compiler::{Changed, Instrumentation, Pass, PassContext, Pipeline};
use kc_ir::{parse_module, print_module, Module, OpKind, Result};

const SRC: &str = "func @main(%x: f32[4]) -> (f32[4]) {
  %0 = exp %x : f32[4]
  %1 = exp %x : f32[4]
  %2 = log %x : f32[4]
  %3 = add %0, %1 : f32[4]
  return %3
}
";

fn module() -> Module {
    parse_module(SRC, "test.kir").unwrap()
}

fn count(m: &Module, op: OpKind) -> usize {
    m.funcs[0].body.graph.node_weights().filter(|n| n.op == op).count()
}

#[test]
fn cse_then_dce_removes_the_duplicate_and_the_dead_op() {
    let mut m = module();
    let report = Pipeline::parse("cse,dce").unwrap().run(&mut m, &Instrumentation::default()).unwrap();
    assert_eq!(count(&m, OpKind::Exp), 1);
    assert_eq!(count(&m, OpKind::Log), 0);
    assert_eq!(report.stats.get("cse.merged"), Some(&1));
    assert_eq!(report.stats.get("dce.removed"), Some(&1));
    kc_ir::verify_module(&m).unwrap();
}

#[test]
fn bad_pipelines_are_errors_that_list_what_exists() {
    let e = Pipeline::parse("cse,frob").err().unwrap().to_string();
    assert!(e.contains("unknown pass `frob`; passes are "), "{e}");
    for p in kc_compiler::registry::PASSES {
        assert!(e.contains(p.name), "{e} does not list {}", p.name);
    }
    let e = Pipeline::parse("dce{aggressive=1}").err().unwrap().to_string();
    assert!(e.contains("pass `dce` has no option `aggressive`; it takes no options"), "{e}");
    let e = Pipeline::parse("dce{x").err().unwrap().to_string();
    assert!(e.contains("unclosed `{`"), "{e}");
    let e = Pipeline::parse("dce{oops}").err().unwrap().to_string();
    assert!(e.contains("option `oops` must be key=value"), "{e}");
    assert!(Pipeline::parse(" cse , dce ,").is_ok());
}

#[test]
fn print_flags_show_the_ir_where_asked() {
    let mut m = module();
    let inst = Instrumentation { print_before: vec!["dce".into()], print_after_change: true, timing: true, ..Default::default() };
    let log = Pipeline::parse("dce,dce").unwrap().run(&mut m, &inst).unwrap().log;
    // Printed before both dce runs, after only the first (the second changes nothing).
    assert_eq!(log.matches("// ----- IR before dce -----").count(), 2);
    assert_eq!(log.matches("// ----- IR after dce -----").count(), 1);
    assert!(log.contains("// ----- pass timing -----") && log.contains("total"));
    let after_first = log.split("// ----- IR after dce -----\n").nth(1).unwrap();
    assert!(!after_first.contains("log %x"));
    let mut m = module();
    let inst = Instrumentation { print_after_all: true, ..Default::default() };
    let log = Pipeline::parse("cse,dce").unwrap().run(&mut m, &inst).unwrap().log;
    assert!(log.contains("// ----- IR after cse -----") && log.contains("// ----- IR after dce -----"));
}

/// A pass that breaks the IR: it retypes the first `exp`'s result.
struct Breaker;
impl Pass for Breaker {
    fn name(&self) -> &'static str {
        "breaker"
    }
    fn run(&self, m: &mut Module, _: &mut PassContext) -> Result<Changed> {
        let body = &mut m.funcs[0].body;
        let n = body.graph.node_indices().find(|&n| body.node(n).op == OpKind::Exp).unwrap();
        body.node_mut(n).types[0] = kc_ir::TensorType::known(kc_ir::DType::F64, &[4]);
        Ok(Changed::Yes)
    }
}

#[test]
fn a_pass_that_breaks_the_ir_is_caught_and_its_input_saved() {
    let dir = std::env::temp_dir().join(format!("kc-repro-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut m = module();
    let inst = Instrumentation { verify_each: true, reproducer_dir: Some(dir.clone()), ..Default::default() };
    let pipeline = Pipeline::from_passes(vec![Box::new(Breaker)]);
    let e = pipeline.run(&mut m, &inst).unwrap_err().to_string();
    assert!(e.contains("pass `breaker` failed (its input IR is saved in"), "{e}");
    assert!(e.contains("the IR after `breaker` does not verify"), "{e}");
    let path = dir.join(format!("kc-repro-breaker-{}.kir", std::process::id()));
    let saved = std::fs::read_to_string(&path).unwrap();
    // The reproducer is the IR before the pass, and it parses and verifies.
    let body = saved.lines().filter(|l| !l.starts_with("//")).collect::<Vec<_>>().join("\n") + "\n";
    assert_eq!(body, print_module(&module()));
    kc_ir::verify_module(&parse_module(&saved, "repro").unwrap()).unwrap();
    // Without verification the broken IR goes through unnoticed: the flag matters.
    let mut m = module();
    assert!(pipeline.run(&mut m, &Instrumentation { verify_each: false, ..Default::default() }).is_ok());
}

#[test]
fn grad_pass_options_are_checked() {
    let e = Pipeline::parse("grad{wrt=x}").err().unwrap().to_string();
    assert!(e.contains("wrt=x") && e.contains("parameter indices"), "{e}");
    let mut m = kc_ir::parse_module("func @f(%x: f32[]) -> (f32[]) {\n  %0 = exp %x : f32[]\n  return %0\n}\n", "t.kir").unwrap();
    let e = Pipeline::parse("grad").unwrap().run(&mut m, &Instrumentation::default()).err().unwrap().to_string();
    assert!(e.contains("no function @main") && e.contains("@f"), "{e}");
    Pipeline::parse("grad{func=f}").unwrap().run(&mut m, &Instrumentation::default()).unwrap();
    let g = m.func("f_grad").expect("grad adds @f_grad");
    assert_eq!(g.body.result_types().len(), 2);
    let e = Pipeline::parse("grad{func=f}").unwrap().run(&mut m, &Instrumentation::default()).err().unwrap().to_string();
    assert!(e.contains("@f_grad already exists"), "{e}");
}
