//! Control flow: `scan` (Keras's `keras.ops.scan`), built on the IR's `while`.
//!
//! The loop is a counted loop over the leading axis of the scanned tensors: its bound is
//! `get_dimension_size` of the first of them, so a symbolic length (`T`) stays symbolic
//! and one trace serves every length. The step function is traced once, into the loop's
//! body; the compiler's autodiff differentiates the loop (saving the carry of every step)
//! and every lowering runs it.
use super::{apply1, ints, scalar};
use crate::error::{Error, Result};
use crate::graph::{Graph, ParamSource};
use crate::tensor::Tensor;
use kc_ir::{attrs, Attr, Attrs, DType, Dim, OpKind, Region, Shape, TensorType, Value};

/// The step of a [`scan`]: `(carry, x_t, consts) -> (new carry, y_t)`.
pub trait ScanFn: FnMut(&[Tensor], &[Tensor], &[Tensor]) -> Result<(Vec<Tensor>, Vec<Tensor>)> {}
impl<F: FnMut(&[Tensor], &[Tensor], &[Tensor]) -> Result<(Vec<Tensor>, Vec<Tensor>)>> ScanFn for F {}

/// `keras.ops.scan` over the leading axis of `xs`: `f(carry, [x[t] for x in xs], consts)`
/// returns the next carry (same types) and the step's outputs `y_t`; the result is the
/// final carry and each output stacked along a new leading axis (`ys[t]`). With
/// `reverse`, `t` runs from the end and `ys[t]` still belongs to `x[t]` (JAX's
/// `lax.scan(reverse=True)`).
///
/// `f` is traced once, on symbolic stand-ins, into the loop body: it sees only its
/// arguments (and variables, which it may read freely), so anything else it needs from the
/// caller's trace goes in `consts`. Concrete arguments run at once on the interpreter.
pub fn scan(f: impl ScanFn, init: &[Tensor], xs: &[Tensor], consts: &[Tensor], reverse: bool) -> Result<(Vec<Tensor>, Vec<Tensor>)> {
    let Some(x0) = xs.first() else { crate::bail!("scan needs at least one sequence to scan over (xs is empty)") };
    for (k, x) in xs.iter().enumerate() {
        if x.rank() == 0 {
            crate::bail!("scan: xs[{k}] is a scalar ({}); sequences are scanned along their leading axis", x.ty());
        }
        if x.dims()[0] != x0.dims()[0] {
            crate::bail!("scan: xs[{k}] has {} steps ({}), xs[0] has {} ({})", x.dims()[0], x.ty(), x0.dims()[0], x0.ty());
        }
    }
    let all: Vec<&Tensor> = init.iter().chain(xs).chain(consts).collect();
    let outer = all.iter().find_map(|t| t.graph().cloned());
    match outer {
        Some(g) => {
            if g.is_functional() && g.depth() == 0 {
                crate::bail!("scan on Input tensors must run inside a layer (a Lambda, say), so that a model can replay it");
            }
            traced(&g, f, init, xs, consts, reverse)
        }
        None => eager(f, init, xs, consts, reverse),
    }
}

/// Concrete arguments: trace into a function of its own and run it on the interpreter.
fn eager(f: impl ScanFn, init: &[Tensor], xs: &[Tensor], consts: &[Tensor], reverse: bool) -> Result<(Vec<Tensor>, Vec<Tensor>)> {
    let g = Graph::new();
    let _active = g.activate();
    let args: Vec<&Tensor> = init.iter().chain(xs).chain(consts).collect();
    let syms: Vec<Tensor> = args.iter().enumerate().map(|(i, t)| g.input(&format!("a{i}"), t.ty())).collect();
    let (ni, nx) = (init.len(), xs.len());
    let (carry, ys) = traced(&g, f, &syms[..ni], &syms[ni..ni + nx], &syms[ni + nx..], reverse)?;
    let outs: Vec<Tensor> = carry.iter().chain(&ys).cloned().collect();
    let (func, sources) = g.finish("scan", &outs)?;
    let hosts = sources
        .iter()
        .map(|s| match s {
            ParamSource::Input(name) => {
                let i: usize = name.strip_prefix('a').and_then(|i| i.parse().ok()).ok_or_else(|| Error::msg(format!("internal: scan input {name}")))?;
                args[i].host()
            }
            ParamSource::Variable(v) => Ok(v.value()),
        })
        .collect::<Result<Vec<_>>>()?;
    let mut res: Vec<Tensor> = kc_runtime::run_func(&func, &hosts).map_err(|e| Error::from(e).context("scan"))?.into_iter().map(Tensor::from_host).collect();
    let ys = res.split_off(carry.len());
    Ok((res, ys))
}

/// The dims after the leading one, as `dynamic_slice` sizes (`-1`: a whole symbolic dim).
fn row_sizes(t: &TensorType) -> Vec<i64> {
    let mut s = vec![1];
    s.extend(t.shape.0[1..].iter().map(|d| d.known().map(|n| n as i64).unwrap_or(-1)));
    s
}

fn with_leading(t: &TensorType, lead: Dim) -> TensorType {
    let mut d = vec![lead];
    d.extend(t.shape.0.iter().cloned());
    TensorType::new(t.dtype, Shape(d))
}

/// The loop in `outer`: carried values are `[i, carry.., xs.., consts.., variables.., ys..]`
/// (the variables are those `f` reads, the `ys` the stacked outputs being written).
fn traced(outer: &Graph, mut f: impl ScanFn, init: &[Tensor], xs: &[Tensor], consts: &[Tensor], reverse: bool) -> Result<(Vec<Tensor>, Vec<Tensor>)> {
    let i32t = TensorType::scalar(DType::I32);
    let steps = xs[0].dims()[0].clone();
    // 1. The body: trace `f` on stand-ins in a graph of its own.
    let body = Graph::new();
    let (params, n_before_ys, accs) = {
        let _active = body.activate();
        let i = body.input("i", i32t.clone());
        let carry: Vec<Tensor> = init.iter().enumerate().map(|(k, t)| body.input(&format!("carry{k}"), t.ty())).collect();
        let seqs: Vec<Tensor> = xs.iter().enumerate().map(|(k, t)| body.input(&format!("xs{k}"), t.ty())).collect();
        let cs: Vec<Tensor> = consts.iter().enumerate().map(|(k, t)| body.input(&format!("const{k}"), t.ty())).collect();
        let zero = scalar(0.0, DType::I32)?;
        let t = if reverse {
            let n = apply1(OpKind::GetDimensionSize, &[&seqs[0]], attrs(&[("dimension", Attr::Int(0))]), None)?;
            super::subtract(&super::subtract(&n, 1.0)?, &i)?
        } else {
            i.clone()
        };
        let mut x_t = Vec::with_capacity(seqs.len());
        for s in &seqs {
            let ty = s.ty();
            let mut idx: Vec<&Tensor> = vec![s, &t];
            idx.extend(std::iter::repeat_n(&zero, ty.rank() - 1));
            let row = apply1(OpKind::DynamicSlice, &idx, attrs(&[("sizes", ints(&row_sizes(&ty)))]), None)?;
            x_t.push(super::reshape_dims(&row, ty.shape.0[1..].to_vec())?);
        }
        let (new_carry, ys) = f(&carry, &x_t, &cs)?;
        if new_carry.len() != init.len() {
            crate::bail!("scan: the step returned {} carried value(s) for {} given", new_carry.len(), init.len());
        }
        for (k, (n, o)) in new_carry.iter().zip(init).enumerate() {
            if n.ty() != o.ty() {
                crate::bail!("scan: the step returned carry {k} as {}, but it is {}: a carry keeps its type", n.ty(), o.ty());
            }
        }
        // everything the step returns, in the body (variables it returns are captured now)
        let in_body = |t: &Tensor| -> Result<Tensor> { Ok(body.tensor(t.in_graph(&body)?)) };
        let new_carry: Vec<Tensor> = new_carry.iter().map(in_body).collect::<Result<_>>()?;
        let ys: Vec<Tensor> = ys.iter().map(in_body).collect::<Result<_>>()?;
        let n_before_ys = body.param_count();
        let mut accs = Vec::with_capacity(ys.len());
        let mut acc_next = Vec::with_capacity(ys.len());
        for (k, y) in ys.iter().enumerate() {
            let acc = body.input(&format!("ys{k}"), with_leading(&y.ty(), steps.clone()));
            let row = super::reshape_dims(y, with_leading(&y.ty(), Dim::Known(1)).shape.0)?;
            let mut idx: Vec<&Tensor> = vec![&acc, &row, &t];
            idx.extend(std::iter::repeat_n(&zero, y.rank()));
            acc_next.push(apply1(OpKind::DynamicUpdateSlice, &idx, Attrs::new(), None)?);
            accs.push(acc);
        }
        let next_i = super::add(&i, 1.0)?;
        let mut params = vec![(i, next_i)];
        params.extend(carry.into_iter().zip(new_carry.iter().cloned()));
        params.extend(seqs.iter().map(|s| (s.clone(), s.clone())));
        params.extend(cs.iter().map(|c| (c.clone(), c.clone())));
        (params, n_before_ys, accs.into_iter().zip(acc_next).collect::<Vec<_>>())
    };
    // return the next value of every parameter, in parameter order
    let mut rets: Vec<Tensor> = params.iter().map(|(_, n)| n.clone()).collect();
    let captured = body.captured_variables();
    if params.len() + captured.len() != n_before_ys {
        crate::bail!("internal: scan's body has {n_before_ys} parameters before its outputs, expected {}", params.len() + captured.len());
    }
    rets.extend(captured.iter().map(|v| Tensor::from_variable(v.clone())));
    rets.extend(accs.iter().map(|(_, n)| n.clone()));
    let (body_fn, sources) = body.finish("scan_body", &rets)?;
    let types: Vec<TensorType> = body_fn.body.params().iter().map(|&p| body_fn.body.value_type(Value::of(p)).clone()).collect();
    // 2. The cond: `i < get_dimension_size(xs[0], 0)`.
    let mut cond = Region::new();
    let cp: Vec<Value> = types.iter().enumerate().map(|(k, t)| cond.param(&format!("p{k}"), t.clone())).collect();
    let xs0 = 1 + init.len();
    let n = cond.build(OpKind::GetDimensionSize, &[cp[xs0]], attrs(&[("dimension", Attr::Int(0))]), Vec::new(), Vec::new())?[0];
    let test = cond.build(OpKind::Compare, &[cp[0], n], attrs(&[("direction", Attr::Sym("lt".into()))]), Vec::new(), Vec::new())?[0];
    cond.ret(&[test]);
    // 3. The loop in the caller's trace.
    let mut operands: Vec<Value> = vec![scalar(0.0, DType::I32)?.in_graph(outer)?];
    for t in init.iter().chain(xs).chain(consts) {
        operands.push(t.in_graph(outer)?);
    }
    for s in &sources[params.len()..params.len() + captured.len()] {
        let ParamSource::Variable(v) = s else { crate::bail!("internal: scan's body parameter is not a variable") };
        operands.push(outer.capture(v));
    }
    for (acc, _) in &accs {
        let zero = scalar(0.0, acc.dtype())?.in_graph(outer)?;
        operands.push(outer.push(OpKind::BroadcastInDim, &[zero], attrs(&[("dims", ints(&[]))]), vec![acc.ty()])?[0]);
    }
    let res = outer.push_with_regions(OpKind::While, &operands, Attrs::new(), vec![cond, body_fn.body])?;
    let carry: Vec<Tensor> = res[1..1 + init.len()].iter().map(|&v| outer.tensor(v)).collect();
    let ys: Vec<Tensor> = res[res.len() - accs.len()..].iter().map(|&v| outer.tensor(v)).collect();
    Ok((carry, ys))
}
