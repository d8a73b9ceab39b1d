//! `fuse` on random programs: whatever it makes must verify, print and parse back to
//! itself, compute bit-identical results on the interpreter, and never compute an
//! expensive op more often than the program did.
//!
//! Programs mix elementwise chains, broadcasts, reshapes, reductions, dot_generals and
//! small constants, with values used many times (the cases that need multi-output fusion,
//! copies of cheap producers and the cycle check).
use kc_compiler::{Instrumentation, Pipeline};
use kc_ir::{attrs, parse_module, print_module, verify_module, Attr, DType, Func, LiteralData, Module, OpKind, Region, TensorType, Value};
use kc_runtime::HostTensor;
use proptest::prelude::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn t(dims: &[u64]) -> TensorType {
    TensorType::known(DType::F32, dims)
}

/// Ops whose count must not grow (the fuser never copies them).
const EXPENSIVE: &[OpKind] = &[OpKind::Exp, OpKind::Tanh, OpKind::Div, OpKind::DotGeneral, OpKind::Reduce];

/// A function over a [4, 3] matrix `x`, another `y`, a [3, 3] `w` and a [3] vector `v`,
/// with one op per word.
fn program(words: &[u64]) -> Module {
    let mut r = Region::new();
    let mut pool: Vec<Value> = vec![r.param("x", t(&[4, 3])), r.param("y", t(&[4, 3])), r.param("w", t(&[3, 3])), r.param("v", t(&[3]))];
    for &w in words {
        let mut rng = Rng(w);
        let pick = |rng: &mut Rng, r: &Region, pool: &[Value], ty: &TensorType| -> Option<Value> {
            let same: Vec<Value> = pool.iter().copied().filter(|&v| r.value_type(v) == ty).collect();
            (!same.is_empty()).then(|| same[rng.below(same.len())])
        };
        // Mostly a recent value, so that chains form; sometimes any, so that values fan out.
        let a = if rng.below(2) == 0 { pool[pool.len() - 1 - rng.below(pool.len().min(3))] } else { pool[rng.below(pool.len())] };
        let ta = r.value_type(a).clone();
        let made = match rng.below(9) {
            0 | 1 => {
                let op = [OpKind::Neg, OpKind::Exp, OpKind::Tanh, OpKind::Abs][rng.below(4)];
                r.push1(op, &[a], attrs(&[]))
            }
            2 | 3 => {
                let b = pick(&mut rng, &r, &pool, &ta).unwrap_or(a);
                let op = [OpKind::Add, OpKind::Mul, OpKind::Div, OpKind::Max][rng.below(4)];
                r.push1(op, &[a, b], attrs(&[]))
            }
            4 => {
                // A broadcast to [4, 3] of a vector, a scalar or a column.
                let dims: Vec<i64> = match ta.shape.as_known().unwrap_or_default().as_slice() {
                    [3] => vec![1],
                    [4] => vec![0],
                    [] => vec![],
                    _ => continue,
                };
                r.push_typed(OpKind::BroadcastInDim, &[a], attrs(&[("dims", Attr::Ints(dims))]), t(&[4, 3]))
            }
            5 => {
                // A round trip through another shape of twelve elements.
                if ta != t(&[4, 3]) {
                    continue;
                }
                let flat = r.push_typed(OpKind::Reshape, &[a], attrs(&[]), t(&[12])).expect("reshape");
                let c = r.push1(OpKind::Neg, &[flat], attrs(&[])).expect("neg");
                r.push_typed(OpKind::Reshape, &[c], attrs(&[]), t(&[4, 3]))
            }
            6 => {
                if ta.rank() == 0 {
                    continue;
                }
                let dim = rng.below(ta.rank()) as i64;
                let kind = ["sum", "max"][rng.below(2)];
                r.push1(OpKind::Reduce, &[a], attrs(&[("dimensions", Attr::Ints(vec![dim])), ("kind", Attr::Sym(kind.into()))]))
            }
            7 => {
                if ta != t(&[4, 3]) && ta != t(&[3, 3]) {
                    continue;
                }
                let w = pick(&mut rng, &r, &pool, &t(&[3, 3])).unwrap_or(pool[2]);
                let dims = [("lhs_contracting", Attr::Ints(vec![1])), ("rhs_contracting", Attr::Ints(vec![0]))];
                r.push1(OpKind::DotGeneral, &[a, w], attrs(&dims))
            }
            _ => {
                let c = r.push_typed(OpKind::Constant, &[], attrs(&[("value", Attr::Literal(LiteralData::Float(vec![0.5])))]), TensorType::scalar(DType::F32));
                c.and_then(|c| r.push_typed(OpKind::BroadcastInDim, &[c], attrs(&[("dims", Attr::Ints(vec![]))]), t(&[4, 3])))
            }
        };
        pool.push(made.unwrap_or_else(|e| panic!("the generator made an ill-typed op: {e}")));
    }
    // Return every value nobody uses, so that the whole program is live.
    let results: Vec<Value> = pool.iter().copied().filter(|v| r.use_count(v.node) == 0).collect();
    r.ret(&results);
    Module { funcs: vec![Func { name: "main".into(), body: r }] }
}

fn count(r: &Region, op: OpKind) -> usize {
    r.graph.node_weights().map(|n| usize::from(n.op == op) + n.regions.iter().map(|s| count(s, op)).sum::<usize>()).sum()
}

fn inputs() -> Vec<HostTensor> {
    let vals = |n: usize, k: f64| (0..n).map(|i| ((i as f64) * 0.37 + k).sin() * 2.0).collect::<Vec<f64>>();
    vec![
        HostTensor::from_f64(DType::F32, vec![4, 3], &vals(12, 0.1)).unwrap(),
        HostTensor::from_f64(DType::F32, vec![4, 3], &vals(12, 1.3)).unwrap(),
        HostTensor::from_f64(DType::F32, vec![3, 3], &vals(9, 2.9)).unwrap(),
        HostTensor::from_f64(DType::F32, vec![3], &vals(3, 0.7)).unwrap(),
    ]
}

fn bits(ts: &[HostTensor]) -> Vec<(Vec<usize>, Vec<u64>)> {
    ts.iter().map(|t| (t.shape().to_vec(), t.to_f64_vec().iter().map(|v| v.to_bits()).collect())).collect()
}

fn check(m: Module, pipeline: &str) -> Result<(), TestCaseError> {
    verify_module(&m).map_err(|e| TestCaseError::fail(format!("generator: {e}")))?;
    let before = kc_runtime::interp::run(&m, "main", &inputs()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut fused = m.clone();
    let inst = Instrumentation { verify_each: true, ..Default::default() };
    Pipeline::parse(pipeline).unwrap().run(&mut fused, &inst).map_err(|e| TestCaseError::fail(format!("{e}\n{}", print_module(&m))))?;
    let text = print_module(&fused);
    let parsed = parse_module(&text, "fused.kir").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(&parsed, &fused, "{}", text);
    let after = kc_runtime::interp::run(&fused, "main", &inputs()).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(bits(&before), bits(&after), "{}\n{}", print_module(&m), text);
    for &op in EXPENSIVE {
        prop_assert_eq!(count(&m.funcs[0].body, op), count(&fused.funcs[0].body, op), "{} was duplicated or lost:\n{}", op, text);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn fusion_preserves_results_and_never_duplicates_work(words in prop::collection::vec(any::<u64>(), 1..40)) {
        check(program(&words), "fuse")?;
    }

    #[test]
    fn small_fusions_without_multi_output_too(words in prop::collection::vec(any::<u64>(), 1..40)) {
        check(program(&words), "fuse{max-ops=3,multi-output=false}")?;
    }

    #[test]
    fn fusing_twice_is_still_valid(words in prop::collection::vec(any::<u64>(), 1..30)) {
        check(program(&words), "fuse,fuse")?;
    }
}

#[test]
fn generated_programs_do_get_fused() {
    // The property tests above would pass vacuously if nothing were ever fused.
    let mut fused = 0;
    for seed in 0..50u64 {
        let words: Vec<u64> = (0..20).map(|i| seed * 1000 + i).collect();
        let mut m = program(&words);
        let report = Pipeline::parse("fuse").unwrap().run(&mut m, &Instrumentation::default()).unwrap();
        fused += report.stats.get("fuse.fusions").copied().unwrap_or(0);
    }
    assert!(fused > 50, "only {fused} fusions in 50 random programs");
}

