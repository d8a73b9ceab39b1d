//! Counted loops: a `while` whose trip count is known when compiling — `i < n` (or `<=`,
//! `>`, `>=`) with `i` a carried integer starting at a constant and stepping by 1, and `n`
//! a constant, a loop-invariant carried constant, or the extent of a dim: a
//! `get_dimension_size` of a carried value in `cond`, or a loop-invariant carried value
//! that the enclosing region computes with `get_dimension_size`. With a symbolic dim the
//! trip count is that symbol (the counter must then start at 0 with `<`, or at 1 with
//! `<=`), so one function serves every extent: a recurrent layer over a sequence of any
//! length. Reverse-mode autodiff needs the trip count to size its saved activations;
//! FLOP counting multiplies the body by it.
use kc_ir::{AttrsExt, Dim, LiteralData, OpKind, Region, Value};

fn not_counted<T>(why: &str) -> Result<T, String> {
    Err(why.to_string())
}

fn param_index(r: &Region, v: Value) -> Option<usize> {
    let node = r.node(v.node);
    (node.op == OpKind::Parameter).then(|| node.attrs.int("index").ok()).flatten().map(|i| i as usize)
}

fn const_int(r: &Region, v: Value) -> Option<i64> {
    let node = r.node(v.node);
    if node.op != OpKind::Constant {
        return None;
    }
    match node.attrs.literal("value").ok()? {
        LiteralData::Int(x) if x.len() == 1 => Some(x[0]),
        _ => None,
    }
}

/// `get_dimension_size(x, d)` in `r`: `x` and `d`.
fn dimension_size(r: &Region, v: Value) -> Option<(Value, usize)> {
    let node = r.node(v.node);
    if node.op != OpKind::GetDimensionSize {
        return None;
    }
    let d = node.attrs.int("dimension").ok()?;
    Some((r.operands(v.node)[0], d as usize))
}

/// Whether the body returns its parameter `j` unchanged.
pub fn invariant(body: &Region, j: usize) -> bool {
    let Some(ret) = body.return_node() else { return false };
    body.operands(ret).get(j).is_some_and(|&v| param_index(body, v) == Some(j))
}

/// A counted loop's trip count.
#[derive(Clone, Debug, PartialEq)]
pub struct Trip {
    /// How many times the body runs: known, or a symbolic dim's extent.
    pub count: Dim,
    /// For a symbolic count: a value of the enclosing region and a dim of it whose extent
    /// is the count (so a new loop can compute its bound with `get_dimension_size`).
    pub extent_of: Option<(Value, usize)>,
}

/// The bound `n` of the loop: a constant, or the extent of dim `d` of an outer value.
enum Bound {
    Const(i64),
    Extent(Value, usize),
}

/// The trip count of a counted `while` (its operands in `outer`, its regions), or why it
/// is not one.
pub fn trip_count(outer: &Region, operands: &[Value], regions: &[Region]) -> Result<Trip, String> {
    let (Some(cond), Some(body)) = (regions.first(), regions.get(1)) else { return not_counted("a while needs cond and body regions") };
    let Some(ret) = cond.return_node() else { return not_counted("cond has no return") };
    let test = cond.operands(ret)[0];
    let node = cond.node(test.node);
    if node.op != OpKind::Compare {
        return not_counted("cond does not end in a compare");
    }
    let ops = cond.operands(test.node);
    let (i, n, inclusive) = match node.attrs.sym("direction").map_err(|e| e.message)? {
        "lt" => (ops[0], ops[1], 0),
        "le" => (ops[0], ops[1], 1),
        "gt" => (ops[1], ops[0], 0),
        "ge" => (ops[1], ops[0], 1),
        d => return not_counted(&format!("the compare is `{d}`")),
    };
    let Some(ci) = param_index(cond, i) else { return not_counted("the counter is not a carried value") };
    let bound = if let Some(b) = const_int(cond, n) {
        Bound::Const(b)
    } else if let Some((x, d)) = dimension_size(cond, n) {
        // the extent of a carried value's dim: types do not change between iterations
        match param_index(cond, x) {
            Some(j) if j < operands.len() => Bound::Extent(operands[j], d),
            _ => return not_counted("the bound is the extent of a value that is not carried"),
        }
    } else {
        match param_index(cond, n) {
            Some(j) if invariant(body, j) => match (const_int(outer, operands[j]), dimension_size(outer, operands[j])) {
                (Some(b), _) => Bound::Const(b),
                (None, Some((x, d))) => Bound::Extent(x, d),
                _ => return not_counted("the bound is carried but neither a constant nor a get_dimension_size"),
            },
            _ => return not_counted("the bound is neither a constant, a dim's extent, nor a loop-invariant carried constant"),
        }
    };
    let Some(start) = const_int(outer, operands[ci]) else { return not_counted("the counter does not start at a constant") };
    let Some(bret) = body.return_node() else { return not_counted("body has no return") };
    let next = body.operands(bret)[ci];
    let step_ok = body.node(next.node).op == OpKind::Add && {
        let a = body.operands(next.node);
        (param_index(body, a[0]) == Some(ci) && const_int(body, a[1]) == Some(1))
            || (param_index(body, a[1]) == Some(ci) && const_int(body, a[0]) == Some(1))
    };
    if !step_ok {
        return not_counted("the body does not add 1 to the counter");
    }
    let (x, d) = match bound {
        Bound::Const(b) => return Ok(Trip { count: Dim::Known((b - start + inclusive).max(0) as u64), extent_of: None }),
        Bound::Extent(x, d) => (x, d),
    };
    let Some(dim) = outer.value_type(x).shape.0.get(d).cloned() else { return not_counted("get_dimension_size of a dim the value does not have") };
    match dim {
        Dim::Known(n) => Ok(Trip { count: Dim::Known((n as i64 - start + inclusive).max(0) as u64), extent_of: None }),
        Dim::Sym(_) if start == inclusive => Ok(Trip { count: dim, extent_of: Some((x, d)) }),
        Dim::Sym(s) => not_counted(&format!(
            "the bound is the symbolic extent {s}, so the counter must start at 0 (with `<`) or 1 (with `<=`); it starts at {start}"
        )),
    }
}
