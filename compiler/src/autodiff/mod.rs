//! Reverse-mode automatic differentiation as a graph-to-graph transform.
//!
//! [`value_and_grad`] copies a function and appends its reverse pass: the new function
//! returns the chosen output followed by the gradients of that output with respect to
//! the chosen parameters. [`vjp`] is the general form for non-scalar outputs (it takes
//! the output cotangents as extra parameters). Both produce ordinary IR built from the
//! same op set, so the result can be differentiated again (second order) wherever the
//! ops used by the rules have rules themselves.
//!
//! Each op's vector-Jacobian product lives in `rules/`; [`rules::rule`] is the table
//! that says, for every op, whether it has a rule, has a zero derivative, or is not
//! differentiable at all (and why).
mod emit;
mod inline;
pub mod rules;

pub use emit::Emit;
pub use inline::inline;

use kc_ir::{Attrs, DType, Error, Func, Loc, NodeIndex, OpKind, Region, Result, TensorType, Value};
use rules::Rule;
use std::collections::{HashMap, HashSet};

/// One op being differentiated: a snapshot of its node, taken before the rule adds ops
/// to the region.
pub struct Site {
    pub node: NodeIndex,
    pub op: OpKind,
    pub attrs: Attrs,
    pub types: Vec<TensorType>,
    pub regions: Vec<Region>,
    pub loc: Option<Loc>,
    pub operands: Vec<Value>,
    pub results: Vec<Value>,
}

impl Site {
    fn new(r: &Region, n: NodeIndex) -> Site {
        let node = r.node(n);
        Site {
            node: n,
            op: node.op,
            attrs: node.attrs.clone(),
            types: node.types.clone(),
            regions: node.regions.clone(),
            loc: node.loc.clone(),
            operands: r.operands(n),
            results: (0..node.types.len() as u32).map(|result| Value { node: n, result }).collect(),
        }
    }
    /// `x`, the operand in slot `i`.
    pub fn x(&self, i: usize) -> Value {
        self.operands[i]
    }
    /// `y`, the (first) result.
    pub fn y(&self) -> Value {
        self.results[0]
    }
    fn describe(&self) -> String {
        match &self.loc {
            Some(l) => format!("`{}` at {}:{}", self.op, l.line, l.col),
            None => format!("`{}`", self.op),
        }
    }
}

fn is_float(r: &Region, v: Value) -> bool {
    r.value_type(v).dtype.is_float()
}

/// Append the reverse pass for `seeds` (value, cotangent) to `r` and return the cotangent
/// of each of `wanted` (`None`: it does not influence any seeded value).
pub fn backprop(r: &mut Region, seeds: &[(Value, Value)], wanted: &[Value]) -> Result<Vec<Option<Value>>> {
    let order = r.order().map_err(|n| Error::ty(format!("cannot differentiate a region with a cycle (at node {})", n.index())))?;
    // Only ops that both depend on a wanted value and feed a seeded one need a rule.
    let mut varied: HashSet<NodeIndex> = wanted.iter().map(|v| v.node).collect();
    for &n in &order {
        if r.operands(n).iter().any(|v| varied.contains(&v.node)) {
            varied.insert(n);
        }
    }
    let mut useful: HashSet<NodeIndex> = seeds.iter().map(|(v, _)| v.node).collect();
    for &n in order.iter().rev() {
        if useful.contains(&n) {
            for v in r.operands(n) {
                useful.insert(v.node);
            }
        }
    }
    let mut ct: HashMap<Value, Value> = HashMap::new();
    for &(v, s) in seeds {
        accumulate(r, &mut ct, v, s)?;
    }
    for &n in order.iter().rev() {
        if !(varied.contains(&n) && useful.contains(&n)) || matches!(r.node(n).op, OpKind::Parameter | OpKind::Return) {
            continue;
        }
        let site = Site::new(r, n);
        let cts: Vec<Option<Value>> = site.results.iter().map(|v| ct.remove(v)).collect();
        if cts.iter().all(Option::is_none) {
            continue;
        }
        let needs: Vec<bool> = site.operands.iter().map(|v| varied.contains(&v.node) && is_float(r, *v)).collect();
        if !needs.iter().any(|&b| b) {
            continue;
        }
        let grads = match rules::rule(site.op) {
            Rule::Zero => continue,
            Rule::NotDifferentiable(why) => {
                return Err(Error::ty(format!("cannot differentiate through {}: {why}", site.describe())).at(site.loc.clone()))
            }
            Rule::Vjp(f) => f(&mut Emit::new(r), &site, &cts).map_err(|e| e.context(format!("gradient of {}", site.describe())).at(site.loc.clone()))?,
        };
        for (i, g) in grads.into_iter().enumerate() {
            if let (Some(g), true) = (g, needs.get(i).copied().unwrap_or(false)) {
                accumulate(r, &mut ct, site.operands[i], g)?;
            }
        }
    }
    Ok(wanted.iter().map(|v| ct.get(v).copied()).collect())
}

fn accumulate(r: &mut Region, ct: &mut HashMap<Value, Value>, v: Value, g: Value) -> Result<()> {
    let (want, got) = (r.value_type(v).clone(), r.value_type(g).clone());
    if want != got {
        return Err(Error::ty(format!("internal: a gradient rule produced a {got} cotangent for a {want} value")));
    }
    let sum = match ct.get(&v) {
        Some(&prev) => add_cotangents(r, prev, g)?,
        None => g,
    };
    ct.insert(v, sum);
    Ok(())
}

/// `a + b`. When one of them is zero outside a window — `dynamic_update_slice(zeros, u,
/// start...)`, the cotangent of a `dynamic_slice` — only that window is added:
/// `dynamic_update_slice(a, dynamic_slice(a, start...) + u, start...)` (both clamp the
/// start the same way). A loop reading one step of a sequence per iteration then
/// accumulates the sequence's cotangent in O(step) per iteration, not O(sequence).
fn add_cotangents(r: &mut Region, a: Value, b: Value) -> Result<Value> {
    for (acc, one_hot) in [(a, b), (b, a)] {
        if let Some((u, starts)) = window_of_zeros(r, one_hot) {
            let ut = r.value_type(u).clone();
            let sizes: Vec<i64> = ut.shape.0.iter().map(|d| d.known().map(|n| n as i64).unwrap_or(-1)).collect();
            let mut operands = vec![acc];
            operands.extend(&starts);
            let old = r.push1(OpKind::DynamicSlice, &operands, kc_ir::attrs(&[("sizes", kc_ir::Attr::Ints(sizes))]))?;
            let new = Emit::new(r).add(old, u)?;
            let mut operands = vec![acc, new];
            operands.extend(&starts);
            return r.push1(OpKind::DynamicUpdateSlice, &operands, Attrs::new());
        }
    }
    Emit::new(r).add(a, b)
}

/// `dynamic_update_slice(broadcast(0), u, start...)`: `u` and the starts.
fn window_of_zeros(r: &Region, v: Value) -> Option<(Value, Vec<Value>)> {
    let node = r.node(v.node);
    if node.op != OpKind::DynamicUpdateSlice {
        return None;
    }
    let ops = r.operands(v.node);
    let base = r.node(ops[0].node);
    let zero_scalar = |n: &kc_ir::Node| {
        n.op == OpKind::Constant
            && match n.attrs.get("value") {
                Some(kc_ir::Attr::Literal(kc_ir::LiteralData::Float(x))) => x.iter().all(|&x| x == 0.0),
                _ => false,
            }
    };
    let zeros = zero_scalar(base) || (base.op == OpKind::BroadcastInDim && zero_scalar(r.node(r.operands(ops[0].node)[0].node)));
    // a symbolic dim of the update must be the operand's whole dim for the slice back
    let whole = {
        let (ut, at) = (r.value_type(ops[1]), r.value_type(ops[0]));
        ut.shape.0.iter().zip(&at.shape.0).all(|(u, a)| u.known().is_some() || u == a)
    };
    (zeros && whole).then(|| (ops[1], ops[2..].to_vec()))
}

fn describe_producer(r: &Region, v: Value) -> String {
    let node = r.node(v.node);
    let at = node.loc.as_ref().map(|l| format!(" at {}:{}", l.line, l.col)).unwrap_or_default();
    match node.op {
        OpKind::Parameter => format!("parameter %{}", node.attrs.get("name").map(|a| format!("{a:?}")).unwrap_or_default()),
        op => format!("`{op}`{at}"),
    }
}

/// Check the parameters asked for and return their values.
fn wanted_params(f: &Func, body: &Region, wrt: &[usize]) -> Result<Vec<Value>> {
    let params = body.params();
    wrt.iter()
        .map(|&i| {
            let p = *params.get(i).ok_or_else(|| {
                Error::ty(format!("@{} has {} parameter(s); cannot differentiate with respect to parameter {i}", f.name, params.len()))
            })?;
            let t = &body.node(p).types[0];
            if !t.dtype.is_float() {
                return Err(Error::ty(format!("parameter {i} of @{} is {t}: only float parameters have gradients", f.name)));
            }
            Ok(Value::of(p))
        })
        .collect()
}

fn outputs(f: &Func, body: &Region, of: &[usize]) -> Result<(NodeIndex, Vec<Value>)> {
    let ret = body.return_node().ok_or_else(|| Error::ty(format!("@{} has no single return", f.name)))?;
    let outs = body.operands(ret);
    for &i in of {
        let v = *outs.get(i).ok_or_else(|| Error::ty(format!("@{} has {} result(s); there is no output {i}", f.name, outs.len())))?;
        let t = body.value_type(v);
        if !t.dtype.is_float() {
            return Err(Error::ty(format!(
                "output {i} of @{} is {t}, produced by {}, which has no gradient: only float outputs can be differentiated",
                f.name,
                describe_producer(body, v)
            )));
        }
    }
    Ok((ret, outs))
}

/// Rebuild the return: the old operands (forward values may have been replaced by the
/// rules, so they are read back from the old return node) followed by `extra`.
fn finish(body: &mut Region, ret: NodeIndex, keep: &[usize], extra: Vec<Value>) {
    let outs = body.operands(ret);
    body.graph.remove_node(ret);
    let mut vals: Vec<Value> = keep.iter().map(|&i| outs[i]).collect();
    vals.extend(extra);
    body.ret(&vals);
}

fn zero_filled(body: &mut Region, cts: Vec<Option<Value>>, like: &[Value]) -> Result<Vec<Value>> {
    cts.into_iter().zip(like).map(|(c, &p)| match c {
        Some(c) => Ok(c),
        None => Emit::new(body).zeros_like(p),
    }).collect()
}

/// `name(params) -> (output_of, d output_of / d params[wrt]...)`. The output must be a
/// float scalar (a loss); for other outputs use [`vjp`].
pub fn value_and_grad(f: &Func, wrt: &[usize], of: usize, name: &str) -> Result<Func> {
    reverse(f, wrt, of, name, false)
}

/// Like [`value_and_grad`] but keeping every output: `name(params) -> (all outputs...,
/// d outputs[of] / d params[wrt]...)`. A training step uses it to get the loss, the
/// predictions (for metrics) and state updates from one trace.
pub fn grad_keeping_outputs(f: &Func, wrt: &[usize], of: usize, name: &str) -> Result<Func> {
    reverse(f, wrt, of, name, true)
}

fn reverse(f: &Func, wrt: &[usize], of: usize, name: &str, keep_all: bool) -> Result<Func> {
    let mut body = f.body.clone();
    let wanted = wanted_params(f, &body, wrt)?;
    let (ret, outs) = outputs(f, &body, &[of])?;
    let y = outs[of];
    let t = body.value_type(y).clone();
    if t.rank() != 0 {
        return Err(Error::ty(format!("grad needs a scalar output, but output {of} of @{} is {t}; use vjp with a cotangent", f.name)));
    }
    let seed = Emit::new(&mut body).full(&t, 1.0)?;
    let cts = backprop(&mut body, &[(y, seed)], &wanted)?;
    let grads = zero_filled(&mut body, cts, &wanted)?;
    let keep: Vec<usize> = if keep_all { (0..outs.len()).collect() } else { vec![of] };
    finish(&mut body, ret, &keep, grads);
    Ok(Func { name: name.to_string(), body })
}

/// `name(params..., ct_of...) -> (outputs[of]..., vjp wrt params[wrt]...)`: the
/// vector-Jacobian product of the chosen outputs with the given cotangents.
pub fn vjp(f: &Func, wrt: &[usize], of: &[usize], name: &str) -> Result<Func> {
    let mut body = f.body.clone();
    let wanted = wanted_params(f, &body, wrt)?;
    let (ret, outs) = outputs(f, &body, of)?;
    let mut seeds = Vec::new();
    for &i in of {
        let t = body.value_type(outs[i]).clone();
        let c = body.param(&format!("ct{i}"), t);
        seeds.push((outs[i], c));
    }
    let cts = backprop(&mut body, &seeds, &wanted)?;
    let grads = zero_filled(&mut body, cts, &wanted)?;
    finish(&mut body, ret, of, grads);
    Ok(Func { name: name.to_string(), body })
}

/// The VJP of a region as a new region: parameters are the region's parameters followed
/// by one cotangent per float result; results are one cotangent per float parameter.
/// Returns the region and the indices of the float parameters and results.
pub fn vjp_region(src: &Region) -> Result<(Region, Vec<usize>, Vec<usize>)> {
    let mut r = src.clone();
    let ret = r.return_node().ok_or_else(|| Error::ty("region has no single return"))?;
    let outs = r.operands(ret);
    let params: Vec<Value> = r.params().into_iter().map(Value::of).collect();
    let float_params: Vec<usize> = (0..params.len()).filter(|&i| is_float(&r, params[i])).collect();
    let float_outs: Vec<usize> = (0..outs.len()).filter(|&i| is_float(&r, outs[i])).collect();
    let mut seeds = Vec::new();
    for &i in &float_outs {
        let t = r.value_type(outs[i]).clone();
        let c = r.param(&format!("ct{i}"), t);
        seeds.push((outs[i], c));
    }
    let wanted: Vec<Value> = float_params.iter().map(|&i| params[i]).collect();
    let cts = backprop(&mut r, &seeds, &wanted)?;
    let grads = zero_filled(&mut r, cts, &wanted)?;
    finish(&mut r, ret, &[], grads);
    Ok((r, float_params, float_outs))
}

/// Whether values of this dtype carry cotangents.
pub fn differentiable_dtype(d: DType) -> bool {
    d.is_float()
}
