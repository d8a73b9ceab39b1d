//! Counted loops: a `while` whose trip count is known when compiling — `i < n` (or `<=`,
//! `>`, `>=`) with `i` a carried integer starting at a constant and stepping by 1, and `n`
//! a constant or a loop-invariant carried constant. Reverse-mode autodiff needs the trip
//! count to size its saved activations; FLOP counting multiplies the body by it.
use kc_ir::{AttrsExt, LiteralData, OpKind, Region, Value};

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

/// Whether the body returns its parameter `j` unchanged.
pub fn invariant(body: &Region, j: usize) -> bool {
    let Some(ret) = body.return_node() else { return false };
    body.operands(ret).get(j).is_some_and(|&v| param_index(body, v) == Some(j))
}

/// The trip count of a counted `while` (its operands in `outer`, its regions), or why it
/// is not one.
pub fn trip_count(outer: &Region, operands: &[Value], regions: &[Region]) -> Result<i64, String> {
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
    let bound = match (const_int(cond, n), param_index(cond, n)) {
        (Some(b), _) => b,
        (None, Some(j)) if invariant(body, j) => match const_int(outer, operands[j]) {
            Some(b) => b,
            None => return not_counted("the bound is carried but not a constant"),
        },
        _ => return not_counted("the bound is neither a constant nor a loop-invariant carried constant"),
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
    Ok((bound - start + inclusive).max(0))
}

