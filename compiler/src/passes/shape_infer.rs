//! `shape-infer`: recompute every node's result types from its operands, in program order
//! and in every region, with the op's type rule ([`kc_ir::infer::infer`]).
//!
//! After a rewrite or a change to a parameter's type, the types downstream are stale; this
//! pass makes them follow. Ops whose result type is declared (`reshape`, `broadcast_in_dim`,
//! `convert`, `iota`, `constant`, ...) keep their declared types, which the rule checks.
//! A `while` hands its carried types to its regions' parameters before they are inferred.
//!
//! With options, symbols are specialized first: `shape-infer{N=32,M=8}` replaces `N` by 32
//! and `M` by 8 in every type of every function whose parameters use them (a reshape's
//! declared `f32[N, 10]` becomes `f32[32, 10]`), which is what a lowering that emits static
//! shapes needs. A whole-dim slice of a symbolic dim (`limit = -1`) gets the extent as its
//! limit, since `-1` means "to the end" only for symbolic dims.
//!
//! Dims unify by name: `N` equals `N` only; a different name or an extent is a
//! contradiction (the type rules compare dims this way). The first contradiction is an
//! error naming the op, its source location, the operand types and the result type.
//! On error the function is left as it was.
use crate::pass::{Changed, Pass, PassContext, PassOptions};
use kc_ir::attr::check_and_fill;
use kc_ir::infer::infer;
use kc_ir::{Attr, Dim, Error, ErrorKind, Func, Module, NodeIndex, OpKind, Region, Result, Shape, TensorType, MAX_ELEMENTS};
use std::collections::{BTreeMap, BTreeSet};

pub struct ShapeInfer {
    /// Symbol → extent, from the options.
    bindings: BTreeMap<String, u64>,
}

fn error(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Pass, msg)
}

pub fn make(o: &PassOptions) -> Result<Box<dyn Pass>> {
    let mut bindings = BTreeMap::new();
    for (key, value) in o.entries() {
        if !valid_symbol(&key) {
            return Err(error(format!(
                "pass `shape-infer`: option `{key}` is not a symbol name ([A-Za-z_][A-Za-z0-9_]*); options bind symbolic dims, as in shape-infer{{N=32}}"
            )));
        }
        let n = value
            .parse::<u64>()
            .ok()
            .filter(|&n| n <= MAX_ELEMENTS)
            .ok_or_else(|| error(format!("pass `shape-infer`: option {key}={value}: the extent of symbol {key} must be an integer in 0..=2^40")))?;
        bindings.insert(key, n);
    }
    o.finish()?;
    Ok(Box::new(ShapeInfer { bindings }))
}

impl Pass for ShapeInfer {
    fn name(&self) -> &'static str {
        "shape-infer"
    }
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed> {
        let used: BTreeSet<String> = m.funcs.iter().flat_map(param_symbols).collect();
        for (sym, n) in &self.bindings {
            if !used.contains(sym) {
                return Err(error(format!(
                    "pass `shape-infer`: option {sym}={n}: no function parameter uses symbol {sym} ({})",
                    describe_symbols(&used)
                )));
            }
        }
        let mut out = m.clone();
        let mut retyped = 0;
        for f in &mut out.funcs {
            let mine = param_symbols(f);
            let bindings: BTreeMap<String, u64> =
                self.bindings.iter().filter(|(s, _)| mine.contains(*s)).map(|(s, n)| (s.clone(), *n)).collect();
            retyped += retype_func(f, &bindings)?;
        }
        *m = out;
        cx.stat("shape-infer.retyped", retyped as u64);
        Ok(Changed::from_bool(retyped > 0))
    }
}

/// Bind symbols to extents in `f`'s parameter types and propagate them through every type
/// of the function, checking each op on the way. Every symbol must be used by one of `f`'s
/// parameters and every extent must be in `0..=2^40`. On error `f` is unchanged.
pub fn specialize(f: &mut Func, bindings: &BTreeMap<String, i64>) -> Result<()> {
    let used = param_symbols(f);
    let mut checked = BTreeMap::new();
    for (sym, &n) in bindings {
        if !used.contains(sym) {
            return Err(error(format!("shape-infer: @{} has no parameter that uses symbol {sym} ({})", f.name, describe_symbols(&used))));
        }
        let n = u64::try_from(n)
            .ok()
            .filter(|&n| n <= MAX_ELEMENTS)
            .ok_or_else(|| error(format!("shape-infer: symbol {sym} cannot be bound to {n}: an extent is in 0..=2^40")))?;
        checked.insert(sym.clone(), n);
    }
    let mut work = f.clone();
    retype_func(&mut work, &checked)?;
    *f = work;
    Ok(())
}

/// Recompute every type of `f` from its parameters (no specialization); returns how many
/// nodes changed type. On error `f` is unchanged.
pub fn infer_func(f: &mut Func) -> Result<usize> {
    let mut work = f.clone();
    let n = retype_func(&mut work, &BTreeMap::new())?;
    *f = work;
    Ok(n)
}

fn retype_func(f: &mut Func, bindings: &BTreeMap<String, u64>) -> Result<usize> {
    // Parameters first: the symbols they bind after specialization are the ones the rest
    // of the function may use.
    let mut bound = BTreeSet::new();
    for p in f.body.params() {
        for t in &f.body.node(p).types {
            let t = substitute(t, bindings);
            if t.shape.is_static() && t.shape.num_elements().is_none() {
                return Err(error(format!("shape-infer: parameter {} of @{} would be {t}, more than 2^40 elements", param_name(&f.body, p), f.name)));
            }
            bound.extend(t.shape.symbols().into_iter().map(String::from));
        }
    }
    let cx = Context { func: &f.name, bindings, bound: &bound };
    retype_region(&mut f.body, &cx, &format!("in @{}", f.name))
}

/// What every node of a function is checked against.
struct Context<'a> {
    func: &'a str,
    bindings: &'a BTreeMap<String, u64>,
    /// Symbols the function's parameters bind (after specialization).
    bound: &'a BTreeSet<String>,
}

/// Retype one region in program order; `path` says where it is, for errors. Returns the
/// number of nodes whose types (or, for slices, attributes) changed.
fn retype_region(r: &mut Region, cx: &Context<'_>, path: &str) -> Result<usize> {
    let order = r.order().map_err(|n| error(format!("shape-infer: {} ({path}) is on a cycle", describe(r, n))))?;
    let mut changed = 0;
    for n in order {
        let op = r.node(n).op;
        let old = r.node(n).types.clone();
        match op {
            OpKind::Return => continue,
            OpKind::Parameter => {
                let new: Vec<TensorType> = old.iter().map(|t| substitute(t, cx.bindings)).collect();
                if new != old {
                    r.node_mut(n).types = new;
                    changed += 1;
                }
                continue;
            }
            _ => {}
        }
        let operands = operand_types(r, n, path)?;
        let mut touched = false;
        if op == OpKind::Slice {
            touched |= fix_whole_slices(r, n, &operands);
        }
        if !r.node(n).regions.is_empty() {
            changed += retype_nested(r, n, &operands, cx, path)?;
        }
        let node = r.node(n);
        let declared: Vec<TensorType> =
            if op.info().declared_result { old.iter().map(|t| substitute(t, cx.bindings)).collect() } else { Vec::new() };
        let mut attrs = node.attrs.clone();
        let new = check_and_fill(op, &mut attrs)
            .and_then(|()| infer(op, &operands, &attrs, &declared, &node.regions))
            .map_err(|e| contradiction(r, n, &operands, &declared, &old, path, e))?;
        for t in &new {
            if let Some(s) = t.shape.symbols().into_iter().find(|s| !cx.bound.contains(*s)) {
                return Err(error(format!(
                    "shape-infer: {} ({path}): result type {t} uses symbol {s}, which no parameter of @{} binds",
                    describe(r, n),
                    cx.func
                ))
                .at(r.node(n).loc.clone()));
            }
        }
        if new != old {
            r.node_mut(n).types = new;
            touched = true;
        }
        changed += touched as usize;
    }
    Ok(changed)
}

/// A node with regions (`while`): each region's parameters take the carried types, then
/// the region is retyped; its `return` is what the op's rule then checks.
fn retype_nested(r: &mut Region, n: NodeIndex, carried: &[TensorType], cx: &Context<'_>, path: &str) -> Result<usize> {
    let op = r.node(n).op;
    let mut regions = std::mem::take(&mut r.node_mut(n).regions);
    let mut changed = 0;
    let mut outcome = Ok(());
    for (k, sub) in regions.iter_mut().enumerate() {
        for (i, p) in sub.params().into_iter().enumerate() {
            if let Some(t) = carried.get(i) {
                if sub.node(p).types.first() != Some(t) {
                    sub.node_mut(p).types = vec![t.clone()];
                    changed += 1;
                }
            }
        }
        let label = op.info().regions.get(k).copied().unwrap_or("nested");
        let inner = format!("{path}, {label} region of {}", describe(r, n));
        match retype_region(sub, cx, &inner) {
            Ok(c) => changed += c,
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
    }
    // Put the regions back even on error, so the node stays whole.
    r.node_mut(n).regions = regions;
    outcome.map(|()| changed)
}

/// `limit = -1` takes a symbolic dim whole; once that dim is known it must be the extent.
fn fix_whole_slices(r: &mut Region, n: NodeIndex, operands: &[TensorType]) -> bool {
    let Some(x) = operands.first() else { return false };
    let Some(Attr::Ints(limit)) = r.node_mut(n).attrs.get_mut("limit") else { return false };
    let mut changed = false;
    for (l, d) in limit.iter_mut().zip(x.shape.dims()) {
        if let (-1, Dim::Known(k)) = (*l, d) {
            if let Ok(k) = i64::try_from(*k) {
                *l = k;
                changed = true;
            }
        }
    }
    changed
}

fn operand_types(r: &Region, n: NodeIndex, path: &str) -> Result<Vec<TensorType>> {
    r.operands(n)
        .into_iter()
        .map(|v| {
            r.node(v.node).types.get(v.result as usize).cloned().ok_or_else(|| {
                error(format!("shape-infer: {} ({path}) reads result {} of a node that has fewer", describe(r, n), v.result))
            })
        })
        .collect()
}

fn contradiction(
    r: &Region,
    n: NodeIndex,
    operands: &[TensorType],
    declared: &[TensorType],
    old: &[TensorType],
    path: &str,
    e: Error,
) -> Error {
    let result = if declared.is_empty() { format!("result type was {}", join(old)) } else { format!("declared result type {}", join(declared)) };
    error(format!(
        "shape-infer: {} ({path}) contradicts its operands: operand types ({}), {result}: {}",
        describe(r, n),
        join(operands),
        e.message
    ))
    .at(r.node(n).loc.clone())
}

/// "`reshape` at 4:3" when the node came from text, else "`reshape` node 7".
fn describe(r: &Region, n: NodeIndex) -> String {
    let op = r.node(n).op;
    match &r.node(n).loc {
        Some(l) => format!("`{op}` at {}:{}", l.line, l.col),
        None => format!("`{op}` node {}", n.index()),
    }
}

fn join(ts: &[TensorType]) -> String {
    ts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
}

fn substitute(t: &TensorType, bindings: &BTreeMap<String, u64>) -> TensorType {
    if bindings.is_empty() {
        return t.clone();
    }
    let dims = t
        .shape
        .dims()
        .iter()
        .map(|d| match d {
            Dim::Sym(s) => bindings.get(s).map_or_else(|| d.clone(), |&k| Dim::Known(k)),
            Dim::Known(_) => d.clone(),
        })
        .collect();
    TensorType::new(t.dtype, Shape(dims))
}

fn param_symbols(f: &Func) -> BTreeSet<String> {
    f.body.param_types().iter().flat_map(|t| t.shape.symbols().into_iter().map(String::from)).collect()
}

fn param_name(r: &Region, p: NodeIndex) -> String {
    match r.node(p).attrs.get("name") {
        Some(Attr::Str(s)) => format!("%{s}"),
        _ => format!("(node {})", p.index()),
    }
}

fn describe_symbols(used: &BTreeSet<String>) -> String {
    if used.is_empty() {
        "the parameters use no symbols".to_string()
    } else {
        format!("symbols used: {}", used.iter().cloned().collect::<Vec<_>>().join(", "))
    }
}

/// Symbol names as `.kir` spells them: `[A-Za-z_][A-Za-z0-9_]*`.
fn valid_symbol(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
