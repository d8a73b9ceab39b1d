//! Memory planning: exact numbers for small functions computed by hand, and on random
//! functions the property that matters: no two values live at the same time share bytes.
use kc_compiler::memory::{self, MemoryPlan, ALIGNMENT};
use kc_compiler::{Instrumentation, Pipeline};
use kc_ir::{attrs, parse_module, Attr, DType, Func, Module, OpKind, Region, TensorType, Value};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn plan_of(src: &str, bind: &[(&str, i64)]) -> kc_ir::Result<MemoryPlan> {
    let m = parse_module(src, "t.kir").unwrap();
    kc_ir::verify_module(&m).unwrap();
    let bindings: BTreeMap<String, i64> = bind.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    memory::plan(&m.funcs[0], &bindings)
}

fn value<'p>(p: &'p MemoryPlan, name: &str) -> &'p memory::ValuePlan {
    p.values.iter().find(|v| v.name == name).unwrap_or_else(|| panic!("no value {name}"))
}

const CHAIN: &str = "func @main(%x: f32[1024]) -> (f32[1024]) {
  %0 = exp %x : f32[1024]
  %1 = neg %0 : f32[1024]
  %2 = abs %1 : f32[1024]
  %3 = sqrt %2 : f32[1024]
  return %3
}
";

#[test]
fn a_chain_needs_two_buffers() {
    let p = plan_of(CHAIN, &[]).unwrap();
    // Steps: exp 0, neg 1, abs 2, sqrt 3, return 4. While each op runs, its operand and
    // its result are live: two f32[1024] buffers of 4096 bytes.
    assert_eq!(p.steps, 5);
    assert_eq!(p.peak_bytes, 2 * 4096);
    assert_eq!(p.arena_bytes, 2 * 4096);
    assert_eq!(p.naive_bytes, 4 * 4096);
    assert_eq!(p.param_bytes, 4096);
    let live: Vec<(usize, usize)> = p.values.iter().map(|v| (v.first, v.last)).collect();
    assert_eq!(live, vec![(0, 1), (1, 2), (2, 3), (3, 4)], "the result lives to the end");
    // Reuse: %2 takes %0's bytes (dead after step 1), %3 takes %1's.
    assert_eq!(value(&p, "%2").offset, value(&p, "%0").offset);
    assert_eq!(value(&p, "%3").offset, value(&p, "%1").offset);
    assert_ne!(value(&p, "%0").offset, value(&p, "%1").offset);
}

#[test]
fn a_value_read_late_stays_live() {
    // %0 is read again by the last add, so it is live through steps 0..3, alongside
    // %1 and %2 in turn: peak three buffers while %2 is made (step 2: %0, %1, %2).
    let src = "func @main(%x: f32[256]) -> (f32[256]) {
  %0 = exp %x : f32[256]
  %1 = neg %0 : f32[256]
  %2 = abs %1 : f32[256]
  %3 = add %2, %0 : f32[256]
  return %3
}
";
    let p = plan_of(src, &[]).unwrap();
    assert_eq!((value(&p, "%0").first, value(&p, "%0").last), (0, 3));
    assert_eq!(p.peak_bytes, 3 * 1024);
    assert_eq!(p.arena_bytes, 3 * 1024);
    assert_eq!(p.naive_bytes, 4 * 1024);
}

#[test]
fn reshape_on_the_last_use_aliases_its_operand() {
    let src = "func @main(%x: f32[1024]) -> (f32[32, 32]) {
  %0 = exp %x : f32[1024]
  %1 = reshape %0 : f32[32, 32]
  %2 = neg %1 : f32[32, 32]
  return %2
}
";
    let p = plan_of(src, &[]).unwrap();
    let (v0, v1) = (value(&p, "%0"), value(&p, "%1"));
    assert_eq!(v1.alias_of, Some(0));
    assert_eq!(v1.buffer, v0.buffer);
    assert_eq!(p.buffers.len(), 2);
    assert_eq!(p.buffers[v0.buffer].values, vec![0, 1]);
    // Without the alias the reshape step would hold 8192 bytes; with it, the peak is
    // the neg step: the shared buffer and %2.
    assert_eq!(p.peak_bytes, 8192);
    assert_eq!(p.naive_bytes, 3 * 4096);

    // When the operand is read again later, the reshape must copy.
    let src = "func @main(%x: f32[1024]) -> (f32[32, 32], f32[1024]) {
  %0 = exp %x : f32[1024]
  %1 = reshape %0 : f32[32, 32]
  %2 = neg %1 : f32[32, 32]
  return %2, %0
}
";
    let p = plan_of(src, &[]).unwrap();
    assert_eq!(value(&p, "%1").alias_of, None);
    assert_eq!(p.buffers.len(), 3);
    assert_eq!(p.peak_bytes, 3 * 4096);
    // Nor does a reshape of a parameter alias it: the parameter is the caller's.
    let src = "func @main(%x: f32[1024]) -> (f32[32, 32]) {
  %0 = reshape %x : f32[32, 32]
  return %0
}
";
    assert_eq!(plan_of(src, &[]).unwrap().values[0].alias_of, None);
}

#[test]
fn symbolic_dims_must_be_bound() {
    let src = "func @main(%x: f32[N, 256]) -> (f32[N, 256]) {
  %0 = exp %x : f32[N, 256]
  %1 = neg %0 : f32[N, 256]
  return %1
}
";
    let e = plan_of(src, &[]).unwrap_err().to_string();
    assert!(e.contains("memory plan of @main") && e.contains("symbolic dim N") && e.contains("is not bound"), "{e}");
    let e = plan_of(src, &[("N", -1)]).unwrap_err().to_string();
    assert!(e.contains("N is bound to -1"), "{e}");
    let p = plan_of(src, &[("N", 4)]).unwrap();
    assert_eq!(p.param_bytes, 4096);
    assert_eq!(p.peak_bytes, 8192);
    // Sizes round up to the alignment: 3 f32s take 64 bytes.
    let p = plan_of(src.replace("256", "1").as_str(), &[("N", 3)]).unwrap();
    assert_eq!(value(&p, "%0").bytes, 12);
    assert_eq!(p.peak_bytes, 2 * ALIGNMENT);
}

#[test]
fn ops_with_regions_are_one_step() {
    // The fusion reads %x and writes two results at step 0; its inner values are not
    // planned. The loop is step 2; its body's values are not planned either.
    let src = "func @main(%x: f32[16], %n: i32[]) -> (f32[16], i32[]) {
  %0:2 = fusion %x {kind = loop} body(%p: f32[16]) {
    %1 = exp %p : f32[16]
    %2 = neg %1 : f32[16]
    return %1, %2
  } : f32[16], f32[16]
  %3 = add %0#0, %0#1 : f32[16]
  %4:2 = while %n, %n cond(%i: i32[], %m: i32[]) {
    %5 = compare %i, %m {direction = lt} : bool[]
    return %5
  } body(%i: i32[], %m: i32[]) {
    return %i, %m
  } : i32[], i32[]
  return %3, %4#0
}
";
    let p = plan_of(src, &[]).unwrap();
    let names: Vec<&str> = p.values.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, vec!["%0#0", "%0#1", "%3", "%4#0", "%4#1"]);
    assert_eq!(p.steps, 4);
    assert_eq!((value(&p, "%0#1").first, value(&p, "%0#1").last), (0, 1));
    assert_eq!((value(&p, "%4#1").first, value(&p, "%4#1").last), (2, 2), "unused: live only where it is made");
    // Step 1 holds both fusion results and the add's result.
    assert_eq!(p.peak_bytes, 3 * ALIGNMENT);
}

#[test]
fn the_pass_reports_statistics_and_checks_its_bindings() {
    let mut m = parse_module(&CHAIN.replace("1024", "N"), "t.kir").unwrap();
    let inst = Instrumentation::default();
    let stats = Pipeline::parse("plan-memory{N=1024}").unwrap().run(&mut m, &inst).unwrap().stats;
    assert_eq!(stats["memory.peak-bytes"], 8192);
    assert_eq!(stats["memory.naive-bytes"], 16384);
    assert_eq!(stats["memory.param-bytes"], 4096);
    assert_eq!(stats["memory.buffers"], 4);
    let e = Pipeline::parse("plan-memory").unwrap().run(&mut m, &inst).unwrap_err().to_string();
    assert!(e.contains("symbolic dim N"), "{e}");
    let e = Pipeline::parse("plan-memory{M=3}").unwrap().run(&mut m, &inst).unwrap_err().to_string();
    assert!(e.contains("binds M, but no function uses that symbol; its symbols are N"), "{e}");
    let e = Pipeline::parse("plan-memory{N=x}").err().unwrap().to_string();
    assert!(e.contains("N=x must be a non-negative integer"), "{e}");
}

// ---------------------------------------------------------------------------------------
// Random functions

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

/// A function of elementwise ops, reshapes (which may alias) and reductions over vectors
/// of a few sizes, with values read far from where they are made.
fn random_func(words: &[u64]) -> Func {
    const SIZES: [u64; 4] = [3, 16, 100, 1000];
    let mut r = Region::new();
    let mut pool: Vec<Value> = (0..3).map(|i| r.param(&format!("x{i}"), TensorType::known(DType::F32, &[SIZES[i]]))).collect();
    for &w in words {
        let mut rng = Rng(w);
        let a = pool[rng.below(pool.len())];
        let ta = r.value_type(a).clone();
        let made = match rng.below(5) {
            0 | 1 => r.push1([OpKind::Neg, OpKind::Exp, OpKind::Abs][rng.below(3)], &[a], attrs(&[])),
            2 => {
                let same: Vec<Value> = pool.iter().copied().filter(|&v| *r.value_type(v) == ta).collect();
                let b = same[rng.below(same.len())];
                r.push1(OpKind::Add, &[a, b], attrs(&[]))
            }
            3 => {
                let n = ta.shape.num_elements().unwrap();
                let shape: &[u64] = if ta.rank() == 1 { &[1, n] } else { &[n] };
                r.push_typed(OpKind::Reshape, &[a], attrs(&[]), TensorType::known(DType::F32, shape))
            }
            _ => {
                let n = SIZES[rng.below(SIZES.len())];
                let one = attrs(&[("value", Attr::Literal(kc_ir::LiteralData::Float(vec![1.0])))]);
                r.push_typed(OpKind::Constant, &[], one, TensorType::known(DType::F32, &[n]))
            }
        };
        pool.push(made.unwrap());
    }
    let mut rng = Rng(words.len() as u64 + 7);
    let results: Vec<Value> = (0..1 + rng.below(3)).map(|_| pool[rng.below(pool.len())]).collect();
    r.ret(&results);
    Func { name: "main".into(), body: r }
}

/// Everything the plan promises, checked from its own numbers.
fn check(p: &MemoryPlan) -> Result<(), TestCaseError> {
    for (i, a) in p.values.iter().enumerate() {
        prop_assert_eq!(a.offset % ALIGNMENT, 0);
        prop_assert!(a.offset + a.bytes <= p.arena_bytes, "{} ends past the arena", a.name);
        prop_assert!(a.first <= a.last && a.last < p.steps);
        for b in &p.values[i + 1..] {
            let together = a.first <= b.last && b.first <= a.last;
            if a.buffer == b.buffer {
                // Sharing a buffer is only a hand-over: an aliasing op takes it at the step
                // that reads the previous value last. Other values of the buffer are not
                // live together at all.
                let handover = b.alias_of == Some(i) && b.first == a.last;
                prop_assert!(handover || a.last < b.first, "{} and {} share a buffer while both live", a.name, b.name);
            } else if together && a.bytes > 0 && b.bytes > 0 {
                let disjoint = a.offset + a.bytes <= b.offset || b.offset + b.bytes <= a.offset;
                prop_assert!(disjoint, "{} [{}, +{}) and {} [{}, +{}) are live together and overlap", a.name, a.offset, a.bytes, b.name, b.offset, b.bytes);
            }
        }
    }
    for b in &p.buffers {
        for w in b.values.windows(2) {
            prop_assert_eq!(p.values[w[1]].alias_of, Some(w[0]), "a buffer passes from one value to its alias");
        }
    }
    // The peak, recounted by step from the buffers.
    let peak = (0..p.steps)
        .map(|s| p.buffers.iter().filter(|b| b.first <= s && s <= b.last).map(|b| b.size).sum::<u64>())
        .max()
        .unwrap_or(0);
    prop_assert_eq!(p.peak_bytes, peak);
    prop_assert!(p.peak_bytes <= p.arena_bytes && p.arena_bytes <= p.naive_bytes);
    Ok(())
}

proptest! {
    #[test]
    fn live_values_never_share_bytes(words in prop::collection::vec(any::<u64>(), 0..60)) {
        let f = random_func(&words);
        let m = Module { funcs: vec![f] };
        kc_ir::verify_module(&m).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let p = memory::plan(&m.funcs[0], &BTreeMap::new()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check(&p)?;
    }
}

#[test]
fn random_functions_do_reuse_and_alias() {
    // The property test would pass vacuously if nothing were ever reused or aliased.
    let (mut saved, mut aliased) = (0u64, 0usize);
    for seed in 0..40u64 {
        let words: Vec<u64> = (0..40).map(|i| seed * 100 + i).collect();
        let p = memory::plan(&random_func(&words), &BTreeMap::new()).unwrap();
        check(&p).unwrap();
        saved += p.naive_bytes - p.arena_bytes;
        aliased += p.values.iter().filter(|v| v.alias_of.is_some()).count();
    }
    assert!(saved > 0 && aliased > 0, "saved {saved} bytes, {aliased} aliases");
}
