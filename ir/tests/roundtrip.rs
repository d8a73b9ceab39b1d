//! The `.kir` text form round-trips: random well-typed modules built with the builder
//! print, parse back to an equal module and print identically; and the parser never
//! panics, whatever text it is given.
//!
//! Modules come from lists of random words, one word per op: each word seeds a small
//! RNG that picks the op and its operands. Proptest shrinks a failure by dropping words,
//! i.e. ops, which keeps failing cases short.
use kc_ir::literal::round_to;
use kc_ir::{attrs, parse_module, print_module, Attr, DType, Dim, Func, LiteralData, Module, OpKind, Region, Shape, TensorType, Value};
use proptest::prelude::*;

/// splitmix64: deterministic, and any seed is fine (proptest shrinks seeds toward 0).
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
    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
    fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())].clone()
    }
}

fn shape(rng: &mut Rng, symbolic: bool) -> Shape {
    let rank = rng.below(4);
    Shape(
        (0..rank)
            .map(|_| match rng.below(8) {
                0 if symbolic => Dim::sym("N"),
                1 if symbolic => Dim::sym("M_2"),
                2 => Dim::Known(0),
                _ => Dim::Known(1 + rng.below(3) as u64),
            })
            .collect(),
    )
}

fn ty(rng: &mut Rng, symbolic: bool) -> TensorType {
    let dtype = rng.pick(&DType::ALL);
    TensorType::new(dtype, shape(rng, symbolic))
}

/// One float at `dtype`'s precision, often a value that is hard to print exactly.
fn float(rng: &mut Rng, dtype: DType) -> f64 {
    let v = match rng.below(8) {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => f64::NEG_INFINITY,
        3 => -0.0,
        4 => rng.below(100) as f64 - 50.0,
        5 => 1e-7,
        _ if dtype == DType::F64 => f64::from_bits(rng.next()),
        _ => f32::from_bits(rng.next() as u32) as f64,
    };
    round_to(dtype, v)
}

fn int(rng: &mut Rng, dtype: DType) -> i64 {
    let x = rng.next();
    match dtype {
        DType::I8 => x as i8 as i64,
        DType::I32 => x as i32 as i64,
        DType::U8 => x as u8 as i64,
        DType::U32 => x as u32 as i64,
        _ => x as i64,
    }
}

/// Data for a constant of type `t` (static shape): a splat or every element.
fn literal(rng: &mut Rng, t: &TensorType) -> LiteralData {
    let n = t.shape.num_elements().expect("static") as usize;
    let len = if n > 0 && rng.below(4) == 0 { 1 } else { n };
    let d = t.dtype;
    if d.is_float() {
        LiteralData::Float((0..len).map(|_| float(rng, d)).collect())
    } else if d.is_int() {
        LiteralData::Int((0..len).map(|_| int(rng, d)).collect())
    } else {
        LiteralData::Bool((0..len).map(|_| rng.coin()).collect())
    }
}

fn subset(rng: &mut Rng, rank: usize) -> Vec<i64> {
    (0..rank as i64).filter(|_| rng.coin()).collect()
}

fn permutation(rng: &mut Rng, rank: usize) -> Vec<i64> {
    let mut p: Vec<i64> = (0..rank as i64).collect();
    for i in (1..rank).rev() {
        p.swap(i, rng.below(i + 1));
    }
    p
}

fn numeric(d: DType) -> bool {
    d.is_float() || d.is_int()
}

/// Builds one region's ops into `r`, keeping the values made so far in `pool`.
struct Builder<'a> {
    r: &'a mut Region,
    pool: Vec<Value>,
}

impl Builder<'_> {
    fn ty(&self, v: Value) -> TensorType {
        self.r.value_type(v).clone()
    }

    /// Add an op with explicit result types, so the test does not lean on inference; the
    /// builder still runs the type rule, which must accept what the generator made.
    fn op(&mut self, op: OpKind, operands: &[Value], a: &[(&str, Attr)], types: Vec<TensorType>, regions: Vec<Region>) -> Vec<Value> {
        let vs = self
            .r
            .build(op, operands, attrs(a), types.clone(), regions)
            .unwrap_or_else(|e| panic!("generator made an ill-typed {op} on {operands:?} -> {types:?}: {e}"));
        self.pool.extend(&vs);
        vs
    }

    /// A value of type `t` from the pool, or `fallback`.
    fn same_type(&self, rng: &mut Rng, t: &TensorType, fallback: Value) -> Value {
        let matches: Vec<Value> = self.pool.iter().copied().filter(|&v| self.r.value_type(v) == t).collect();
        if matches.is_empty() { fallback } else { rng.pick(&matches) }
    }

    /// One random op, its choices drawn from `seed`.
    fn step(&mut self, seed: u64, depth: usize) {
        let mut rng = Rng(seed);
        let rng = &mut rng;
        let kind = rng.below(17);
        // Leaves need no operands.
        if kind == 0 || self.pool.is_empty() {
            let mut t = ty(rng, false);
            if rng.below(3) == 0 {
                t.shape = Shape::scalar();
            }
            let data = literal(rng, &t);
            self.op(OpKind::Constant, &[], &[("value", Attr::Literal(data))], vec![t], vec![]);
            return;
        }
        if kind == 1 {
            let mut t = ty(rng, true);
            if t.dtype.is_bool() {
                t.dtype = DType::I32;
            }
            t.shape.0.push(Dim::Known(3));
            let dim = rng.below(t.rank()) as i64;
            self.op(OpKind::Iota, &[], &[("dimension", Attr::Int(dim))], vec![t], vec![]);
            return;
        }
        let v = rng.pick(&self.pool);
        let t = self.ty(v);
        let (d, rank) = (t.dtype, t.rank());
        use OpKind::*;
        match kind {
            2 => {
                let ops: &[OpKind] = if d.is_float() {
                    &[Neg, Abs, Sign, Exp, Expm1, Log, Log1p, Sqrt, Rsqrt, Tanh, Logistic, Sin, Cos, Tan, Erf, Floor, Ceil, RoundNearestEven, IsFinite]
                } else if d.is_int() {
                    &[Neg, Abs, Sign, Not, PopCnt]
                } else {
                    &[Not]
                };
                let op = rng.pick(ops);
                let rt = if op == IsFinite { t.with_dtype(DType::Bool) } else { t.clone() };
                self.op(op, &[v], &[], vec![rt], vec![]);
            }
            3 => {
                let w = self.same_type(rng, &t, v);
                let mut ops: Vec<OpKind> = Vec::new();
                if numeric(d) {
                    ops.extend([Add, Sub, Mul, Div, Rem, Pow, Max, Min]);
                }
                if d.is_float() {
                    ops.push(Atan2);
                }
                if !d.is_float() {
                    ops.extend([And, Or, Xor]);
                }
                if d.is_int() {
                    ops.extend([ShiftLeft, ShiftRightLogical, ShiftRightArithmetic]);
                }
                let op = rng.pick(&ops);
                self.op(op, &[v, w], &[], vec![t.clone()], vec![]);
            }
            4 => {
                let w = self.same_type(rng, &t, v);
                let dir = rng.pick(&["eq", "ne", "lt", "le", "gt", "ge"]);
                self.op(Compare, &[v, w], &[("direction", Attr::Sym(dir.into()))], vec![t.with_dtype(DType::Bool)], vec![]);
            }
            5 => {
                let w = self.same_type(rng, &t, v);
                let pred = if rng.coin() {
                    let b = TensorType::scalar(DType::Bool);
                    self.op(Constant, &[], &[("value", Attr::Literal(LiteralData::Bool(vec![rng.coin()])))], vec![b], vec![])[0]
                } else {
                    self.op(Compare, &[v, w], &[("direction", Attr::Sym("ne".into()))], vec![t.with_dtype(DType::Bool)], vec![])[0]
                };
                self.op(Select, &[pred, v, w], &[], vec![t.clone()], vec![]);
            }
            6 => {
                let to = rng.pick(&DType::ALL);
                self.op(Convert, &[v], &[], vec![t.with_dtype(to)], vec![]);
            }
            7 => {
                // Same element count: flatten a static shape, or shuffle the dims of any shape.
                let mut dims = t.shape.0.clone();
                match t.shape.num_elements() {
                    Some(n) if rng.coin() => dims = vec![Dim::Known(n)],
                    _ => {
                        let p = permutation(rng, rank);
                        dims = p.iter().map(|&i| dims[i as usize].clone()).collect();
                        dims.insert(rng.below(rank + 1), Dim::Known(1));
                    }
                }
                self.op(Reshape, &[v], &[], vec![TensorType::new(d, Shape(dims))], vec![]);
            }
            8 => {
                let p = permutation(rng, rank);
                let dims = p.iter().map(|&i| t.shape.0[i as usize].clone()).collect();
                self.op(Transpose, &[v], &[("permutation", Attr::Ints(p))], vec![TensorType::new(d, Shape(dims))], vec![]);
            }
            9 => {
                // Insert one new result dim; operand dim i keeps its place among the others.
                let at = rng.below(rank + 1);
                let mut dims = t.shape.0.clone();
                dims.insert(at, if rng.coin() { Dim::sym("N") } else { Dim::Known(2) });
                let map: Vec<i64> = (0..rank).map(|i| if i < at { i as i64 } else { i as i64 + 1 }).collect();
                self.op(BroadcastInDim, &[v], &[("dims", Attr::Ints(map))], vec![TensorType::new(d, Shape(dims))], vec![]);
            }
            10 => {
                let kinds: &[&str] = match (numeric(d), d.is_float()) {
                    (true, true) => &["sum", "prod", "max", "min"],
                    (true, false) => &["sum", "prod", "max", "min", "and", "or"],
                    _ => &["and", "or"],
                };
                let dims = subset(rng, rank);
                let kept = (0..rank).filter(|i| !dims.contains(&(*i as i64))).map(|i| t.shape.0[i].clone()).collect();
                let a = [("dimensions", Attr::Ints(dims)), ("kind", Attr::Sym(rng.pick(kinds).into()))];
                self.op(Reduce, &[v], &a, vec![TensorType::new(d, Shape(kept))], vec![]);
            }
            11 if rank > 0 => {
                // Sort keys and up to two payloads of the same shape.
                let mut operands = vec![v];
                for _ in 0..rng.below(3) {
                    let same: Vec<Value> = self.pool.iter().copied().filter(|&w| self.r.value_type(w).shape == t.shape).collect();
                    operands.push(rng.pick(&same));
                }
                let types = operands.iter().map(|&o| self.ty(o)).collect();
                let a = [("dimension", Attr::Int(rng.below(rank) as i64)), ("descending", Attr::Bool(rng.coin()))];
                self.op(Sort, &operands, &a, types, vec![]);
            }
            12 if rank > 0 && numeric(d) => {
                let op = rng.pick(&[CumSum, CumProd, CumMax, CumMin]);
                let a = [("dimension", Attr::Int(rng.below(rank) as i64)), ("reverse", Attr::Bool(rng.coin()))];
                self.op(op, &[v], &a, vec![t.clone()], vec![]);
            }
            13 if rank > 0 && numeric(d) => {
                let dim = rng.below(rank);
                let mut dims = t.shape.0.clone();
                if rng.coin() {
                    dims.remove(dim);
                    let op = rng.pick(&[ArgMax, ArgMin]);
                    let it = rng.pick(&[DType::I32, DType::I64]);
                    self.op(op, &[v], &[("dimension", Attr::Int(dim as i64))], vec![TensorType::new(it, Shape(dims))], vec![]);
                } else if let Some(Dim::Known(n)) = dims.last().cloned() {
                    let k = rng.below(n as usize + 1) as u64;
                    *dims.last_mut().unwrap() = Dim::Known(k);
                    let types = vec![TensorType::new(d, Shape(dims.clone())), TensorType::new(DType::I32, Shape(dims))];
                    self.op(TopK, &[v], &[("k", Attr::Int(k as i64))], types, vec![]);
                }
            }
            14 => {
                self.op(Reverse, &[v], &[("dimensions", Attr::Ints(subset(rng, rank)))], vec![t.clone()], vec![]);
            }
            15 if depth < 2 => self.while_loop(rng, depth),
            16 if depth < 2 => self.fusion(rng),
            _ => {}
        }
    }

    /// A `while` carrying one to three pool values, with random ops in both regions.
    fn while_loop(&mut self, rng: &mut Rng, depth: usize) {
        let carried: Vec<Value> = (0..1 + rng.below(3)).map(|_| rng.pick(&self.pool)).collect();
        let types: Vec<TensorType> = carried.iter().map(|&v| self.ty(v)).collect();
        let region = |rng: &mut Rng, prefix: &str, is_cond: bool| {
            let mut r = Region::new();
            let params: Vec<Value> = types.iter().enumerate().map(|(i, t)| r.param(&format!("{prefix}{i}"), t.clone())).collect();
            let mut inner = Builder { r: &mut r, pool: params };
            for _ in 0..rng.below(4) {
                inner.step(rng.next(), depth + 1);
            }
            let results: Vec<Value> = if is_cond {
                let b = TensorType::scalar(DType::Bool);
                let fallback = inner.pool[0];
                match inner.same_type(rng, &b, fallback) {
                    v if inner.ty(v) == b => vec![v],
                    _ => inner.op(OpKind::Constant, &[], &[("value", Attr::Literal(LiteralData::Bool(vec![false])))], vec![b], vec![]),
                }
            } else {
                types.iter().enumerate().map(|(i, t)| inner.same_type(rng, t, inner.pool[i])).collect()
            };
            r.ret(&results);
            r
        };
        let cond = region(rng, "c", true);
        let body = region(rng, "b.", false);
        self.op(OpKind::While, &carried, &[], types.clone(), vec![cond, body]);
    }
}

impl Builder<'_> {
    /// A `fusion` of one to three pool values whose body holds random ops (at the depth
    /// that makes no regions: fusions do not nest) and returns one or two of its values.
    fn fusion(&mut self, rng: &mut Rng) {
        let operands: Vec<Value> = (0..1 + rng.below(3)).map(|_| rng.pick(&self.pool)).collect();
        let mut body = Region::new();
        let params: Vec<Value> = operands.iter().enumerate().map(|(i, &v)| body.param(&format!("f{i}"), self.ty(v))).collect();
        let mut inner = Builder { r: &mut body, pool: params };
        for _ in 0..rng.below(5) {
            inner.step(rng.next(), 2);
        }
        let results: Vec<Value> = (0..1 + rng.below(2)).map(|_| rng.pick(&inner.pool)).collect();
        let kind = if results.iter().any(|v| body.node(v.node).op == OpKind::Reduce) { "input" } else { "loop" };
        body.ret(&results);
        self.op(OpKind::Fusion, &operands, &[("kind", Attr::Sym(kind.into()))], vec![], vec![body]);
    }
}

const PARAM_NAMES: [&str; 4] = ["x", "w_1", "layer.0.kernel", "_t"];
const FUNC_NAMES: [&str; 4] = ["main", "f1", "model.call", "_g"];

fn func(name: &str, words: &[u64]) -> Func {
    let mut rng = Rng(words.first().copied().unwrap_or(0));
    let mut body = Region::new();
    let params: Vec<Value> = (0..rng.below(4)).map(|i| body.param(PARAM_NAMES[i], ty(&mut rng, true))).collect();
    let mut b = Builder { r: &mut body, pool: params };
    for &w in words.iter().skip(1) {
        b.step(w, 0);
    }
    let results: Vec<Value> = if b.pool.is_empty() { vec![] } else { (0..rng.below(3)).map(|_| rng.pick(&b.pool)).collect() };
    body.ret(&results);
    Func { name: name.to_string(), body }
}

fn module(funcs: &[Vec<u64>]) -> Module {
    Module { funcs: funcs.iter().zip(FUNC_NAMES).map(|(words, name)| func(name, words)).collect() }
}

fn modules() -> impl Strategy<Value = Module> {
    prop::collection::vec(prop::collection::vec(any::<u64>(), 0..24), 0..4).prop_map(|fs| module(&fs))
}

/// Parsing must not panic; and whatever parses must print and re-parse to itself.
fn parse_is_total(src: &str) -> Result<(), TestCaseError> {
    if let Ok(m) = parse_module(src, "fuzz.kir") {
        let text = print_module(&m);
        let again = parse_module(&text, "printed.kir").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&again, &m, "{}", text);
        prop_assert_eq!(print_module(&again), text);
    }
    Ok(())
}

/// Pieces of `.kir` that random splicing combines into nearly-valid text.
const TOKENS: &[&str] = &[
    "func", "@f", "(", ")", "{", "}", "[", "]", "->", ":", ",", "=", "%0", "%x", "%0:2", "%0#1", "return", "add",
    "constant", "while", "cond", "body", "f32", "i8", "bool", "N", "3", "{value = 1.5}", "f32[2, N]", "nan", "-inf",
    "\"s\\\"\"", "// c\n", "fusion", "{kind = loop}", "\n", " ", "99999999999999999999", "1e999", "-", "#", "sort", "{dimension = 0}",
];

proptest! {
    #[test]
    fn print_parse_roundtrip(m in modules()) {
        let text = print_module(&m);
        let parsed = parse_module(&text, "gen.kir").map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&parsed, &m, "{}", text);
        prop_assert_eq!(print_module(&parsed), text);
    }

    #[test]
    fn parse_never_panics_on_any_string(s in any::<String>()) {
        parse_is_total(&s)?;
    }

    #[test]
    fn parse_never_panics_on_token_soup(toks in prop::collection::vec(prop::sample::select(TOKENS), 0..60)) {
        parse_is_total(&toks.join(" "))?;
    }

    #[test]
    fn parse_never_panics_on_mutations(
        m in modules(),
        edits in prop::collection::vec((any::<usize>(), 0..3u8, prop::sample::select(b"%#:=,{}[]()-.e0123456789\"/\n xNf@\xff".to_vec())), 1..6),
    ) {
        let mut bytes = print_module(&m).into_bytes();
        for (at, kind, b) in edits {
            let at = at % (bytes.len() + 1);
            match kind {
                0 if at < bytes.len() => { bytes.remove(at); }
                1 => bytes.insert(at, b),
                _ if at < bytes.len() => bytes[at] = b,
                _ => {}
            }
        }
        parse_is_total(&String::from_utf8_lossy(&bytes))?;
    }
}

/// The example of the format from the docs parses and prints back verbatim.
#[test]
fn documented_example_prints_verbatim() {
    let src = "\
func @mlp(%x: f32[N, 784], %w: f32[784, 10], %a: f32[4], %b: i32[4], %i: i32[]) -> (f32[N, 10], f32[4]) {
  %0 = dot_general %x, %w {lhs_contracting = [1], rhs_contracting = [0]} : f32[N, 10]
  %1 = constant {value = 0.0} : f32[]
  %2 = broadcast_in_dim %1 {dims = []} : f32[N, 10]
  %3 = max %0, %2 : f32[N, 10]
  %4:2 = sort %a, %b {dimension = 0} : f32[4], i32[4]
  %5 = add %4#0, %4#0 : f32[4]
  %6:2 = while %i, %5 cond(%ci: i32[], %ca: f32[4]) {
    %7 = compare %ci, %ci {direction = lt} : bool[]
    return %7
  } body(%bi: i32[], %ba: f32[4]) {
    return %bi, %ba
  } : i32[], f32[4]
  return %3, %6#1
}
";
    let m = parse_module(src, "mlp.kir").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(print_module(&m), src);
    // Comments, free whitespace, `%N#0` on a single result and named results are accepted.
    let loose = "// a comment\nfunc @g ( %x : f32 [ 2 ] )->(f32[2]){ %y = neg %x#0 // c\n : f32[2]\n return %y }";
    let g = parse_module(loose, "g.kir").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(print_module(&g), "func @g(%x: f32[2]) -> (f32[2]) {\n  %0 = neg %x : f32[2]\n  return %0\n}\n");
}

#[test]
fn constants_print_by_shape() {
    let src = "\
func @c() -> (f32[2, 3], i8[2, 0], bf16[3], bool[1, 1], f64[], u32[N]) {
  %0 = constant {value = [[1.0, -0.0, nan], [inf, -inf, 1e-7]]} : f32[2, 3]
  %1 = constant {value = []} : i8[2, 0]
  %2 = constant {value = 0.1} : bf16[3]
  %3 = constant {value = [[true]]} : bool[1, 1]
  %4 = constant {value = 0.1} : f64[]
  %5 = constant {value = 4294967295} : u32[N]
  return %0, %1, %2, %3, %4, %5
}
";
    let m = parse_module(src, "c.kir").unwrap_or_else(|e| panic!("{e}"));
    // bf16 rounds 0.1 to its nearest value, which then prints in full.
    assert_eq!(print_module(&m), src.replace("{value = 0.1} : bf16", "{value = 0.100097656} : bf16"));
    // A one-element list and a scalar are the same data.
    let one = parse_module("func @o() -> (f32[1]) {\n  %0 = constant {value = 2} : f32[1]\n  return %0\n}\n", "o").unwrap();
    assert!(print_module(&one).contains("{value = [2.0]}"));
}

/// Nesting just under the limit parses (no stack overflow); over it is an error.
#[test]
fn deep_nesting_is_bounded() {
    fn whiles(depth: usize) -> String {
        let mut s = String::from("func @f(%x: bool[]) -> (bool[]) {\n");
        for i in 0..depth {
            s += &format!("%r{i} = while %x cond(%x: bool[]) {{ return %x }} body(%x: bool[]) {{\n");
        }
        for i in (0..depth).rev() {
            s += &format!("return %x\n}} : bool[]\n%s{i} = not %r{i} : bool[]\n");
        }
        s + "return %x\n}\n"
    }
    let m = parse_module(&whiles(62), "deep.kir").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parse_module(&print_module(&m), "again").unwrap(), m);
    let e = parse_module(&whiles(70), "deep.kir").unwrap_err();
    assert!(e.to_string().contains("nesting is deeper than 64 levels"), "{e}");

    let data = |n: usize| "[".repeat(n) + "1" + &"]".repeat(n);
    let dims = |n: usize| vec!["1"; n].join(", ");
    let lists = |n: usize| format!("func @l() -> () {{\n  %0 = constant {{value = {}}} : f32[{}]\n  return\n}}\n", data(n), dims(n));
    let m = parse_module(&lists(60), "lists.kir").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(print_module(&m), lists(60).replace("[1]", "[1.0]"));
    assert!(parse_module(&lists(100_000), "lists.kir").is_err());
}

/// Ops with no results print without `=` or types, and still read back.
#[test]
fn zero_result_while_roundtrips() {
    let src = "\
func @spin() -> () {
  while cond() {
    %0 = constant {value = false} : bool[]
    return %0
  } body() {
    return
  }
  return
}
";
    let m = parse_module(src, "spin.kir").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(print_module(&m), src);
}
