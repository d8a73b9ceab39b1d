//! Type rules: each op's result types from its operand types and attributes.
//!
//! The rules are the single source of truth for typing: the builder calls them to make
//! nodes, and the verifier calls them to check parsed ones. Ops marked `declared_result`
//! in the op table get their result type from the caller (`reshape`'s target shape,
//! `convert`'s dtype, ...) and their rule checks it instead.
//! Symbolic dims are compared by name: `N` equals `N` and nothing else.
use crate::attr::{Attrs, AttrsExt};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::Region;
use crate::op::OpKind;
use crate::shape::{Dim, Shape, TensorType};
use std::collections::BTreeMap;

type Types = Vec<TensorType>;

fn err<T>(msg: impl Into<String>) -> Result<T> {
    Err(Error::ty(msg))
}

/// Result types of `op` applied to `operands`. `declared` holds the caller's result types
/// (required for `declared_result` ops, otherwise ignored); `regions` the op's regions.
pub fn infer(op: OpKind, operands: &[TensorType], attrs: &Attrs, declared: &[TensorType], regions: &[Region]) -> Result<Types> {
    use OpKind::*;
    let info = op.info();
    if !info.operands.accepts(operands.len()) {
        return err(format!("expects {}, got {}", info.operands.describe(), operands.len()));
    }
    if regions.len() != info.regions.len() {
        return err(format!("expects {} region(s), got {}", info.regions.len(), regions.len()));
    }
    if info.declared_result {
        let want = info.results.count(operands.len(), regions);
        if declared.len() != want {
            return err(format!("needs {want} declared result type(s), got {}", declared.len()));
        }
    }
    let x = operands.first();
    let one = |t: TensorType| Ok(vec![t]);
    match op {
        Parameter => one(declared[0].clone()),
        Constant => constant(attrs, &declared[0]),
        Iota => {
            let t = &declared[0];
            if t.dtype.is_bool() {
                return err("iota cannot produce bool");
            }
            axis(attrs.int("dimension")?, t.rank(), "dimension")?;
            one(t.clone())
        }
        Neg | Abs | Sign => unary(x.unwrap(), numeric, "a number type"),
        Exp | Expm1 | Log | Log1p | Sqrt | Rsqrt | Tanh | Logistic | Sin | Cos | Tan | Erf | Floor | Ceil
        | RoundNearestEven => unary(x.unwrap(), DType::is_float, "a float type"),
        IsFinite => {
            unary(x.unwrap(), DType::is_float, "a float type")?;
            one(x.unwrap().with_dtype(DType::Bool))
        }
        Not => unary(x.unwrap(), |d| d.is_int() || d.is_bool(), "an integer or bool type"),
        PopCnt => unary(x.unwrap(), DType::is_int, "an integer type"),
        Convert => {
            same_shape(&x.unwrap().shape, &declared[0].shape, "operand", "result")?;
            one(declared[0].clone())
        }
        BitcastConvert => {
            let (a, r) = (x.unwrap(), &declared[0]);
            same_shape(&a.shape, &r.shape, "operand", "result")?;
            if a.dtype.bits() != r.dtype.bits() || a.dtype.is_bool() || r.dtype.is_bool() {
                return err(format!("cannot bitcast {} to {}: widths differ or bool is involved", a.dtype, r.dtype));
            }
            one(r.clone())
        }
        Add | Sub | Mul | Div | Rem | Pow | Max | Min => binary(operands, numeric, "a number type"),
        Atan2 => binary(operands, DType::is_float, "a float type"),
        And | Or | Xor => binary(operands, |d| d.is_int() || d.is_bool(), "an integer or bool type"),
        ShiftLeft | ShiftRightLogical | ShiftRightArithmetic => binary(operands, DType::is_int, "an integer type"),
        Compare => {
            binary(operands, |_| true, "")?;
            one(operands[0].with_dtype(DType::Bool))
        }
        Select => {
            let (p, a, b) = (&operands[0], &operands[1], &operands[2]);
            if p.dtype != DType::Bool {
                return err(format!("pred must be bool, got {p}"));
            }
            same_type(a, b, "on_true", "on_false")?;
            if p.rank() != 0 {
                same_shape(&p.shape, &a.shape, "pred", "on_true")?;
            }
            one(a.clone())
        }
        Clamp => {
            let (lo, v, hi) = (&operands[0], &operands[1], &operands[2]);
            if !numeric(v.dtype) {
                return err(format!("operand must be a number type, got {v}"));
            }
            for (b, name) in [(lo, "min"), (hi, "max")] {
                if b.dtype != v.dtype {
                    return err(format!("{name} has dtype {}, operand has {}", b.dtype, v.dtype));
                }
                if b.rank() != 0 {
                    same_shape(&b.shape, &v.shape, name, "operand")?;
                }
            }
            one(v.clone())
        }
        BroadcastInDim => broadcast_in_dim(x.unwrap(), attrs.ints("dims")?, &declared[0]),
        Reshape => reshape(x.unwrap(), &declared[0]),
        Transpose => {
            let a = x.unwrap();
            let perm = attrs.ints("permutation")?;
            permutation(perm, a.rank(), "permutation")?;
            one(TensorType::new(a.dtype, Shape(perm.iter().map(|&p| a.shape.0[p as usize].clone()).collect())))
        }
        Slice => slice(x.unwrap(), attrs),
        DynamicSlice => dynamic_slice(operands, attrs),
        DynamicUpdateSlice => dynamic_update_slice(operands),
        Pad => pad(operands, attrs),
        Concatenate => concatenate(operands, attrs),
        Reverse => {
            let a = x.unwrap();
            unique_axes(attrs.ints("dimensions")?, a.rank(), "dimensions")?;
            one(a.clone())
        }
        Gather => gather(operands, attrs),
        Scatter => scatter(operands, attrs),
        GetDimensionSize => {
            axis(attrs.int("dimension")?, x.unwrap().rank(), "dimension")?;
            one(TensorType::scalar(DType::I32))
        }
        Reduce => reduce(x.unwrap(), attrs),
        ArgMax | ArgMin => {
            let (a, r) = (x.unwrap(), &declared[0]);
            if !numeric(a.dtype) {
                return err(format!("operand must be a number type, got {a}"));
            }
            if !matches!(r.dtype, DType::I32 | DType::I64) {
                return err(format!("result dtype must be i32 or i64, got {}", r.dtype));
            }
            let d = axis(attrs.int("dimension")?, a.rank(), "dimension")?;
            let mut dims = a.shape.0.clone();
            dims.remove(d);
            same_shape(&r.shape, &Shape(dims), "result", "reduced operand")?;
            one(r.clone())
        }
        ReduceWindow => reduce_window(x.unwrap(), attrs),
        DotGeneral => dot_general(&operands[0], &operands[1], attrs),
        Convolution => convolution(&operands[0], &operands[1], attrs),
        Sort => {
            let a = x.unwrap();
            axis(attrs.int("dimension")?, a.rank(), "dimension")?;
            for (i, o) in operands.iter().enumerate().skip(1) {
                same_shape(&a.shape, &o.shape, "operand 0", &format!("operand {i}"))?;
            }
            Ok(operands.to_vec())
        }
        TopK => {
            let a = x.unwrap();
            if a.rank() == 0 || !numeric(a.dtype) {
                return err(format!("operand must be a numeric tensor of rank >= 1, got {a}"));
            }
            let k = attrs.int("k")?;
            let last = &a.shape.0[a.rank() - 1];
            match last {
                Dim::Known(n) if k >= 0 && k as u64 <= *n => {}
                Dim::Known(n) => return err(format!("k = {k} must be in 0..={n} (the last dim of {a})")),
                Dim::Sym(s) => return err(format!("top_k needs a known last dim, got symbolic {s}")),
            }
            let mut dims = a.shape.0.clone();
            *dims.last_mut().unwrap() = Dim::Known(k as u64);
            let vals = TensorType::new(a.dtype, Shape(dims.clone()));
            let idx = TensorType::new(DType::I32, Shape(dims));
            let want = vec![vals, idx];
            if !declared.is_empty() && declared != want.as_slice() {
                return err(format!("declared result types do not match the expected {}, {}", want[0], want[1]));
            }
            Ok(want)
        }
        CumSum | CumProd | CumMax | CumMin => {
            let a = x.unwrap();
            if !numeric(a.dtype) {
                return err(format!("operand must be a number type, got {a}"));
            }
            axis(attrs.int("dimension")?, a.rank(), "dimension")?;
            one(a.clone())
        }
        While => while_loop(operands, regions),
        Fusion => fusion(operands, attrs, regions),
        Return => Ok(Vec::new()),
    }
}

fn numeric(d: DType) -> bool {
    d.is_float() || d.is_int()
}

fn unary(a: &TensorType, ok: impl Fn(DType) -> bool, what: &str) -> Result<Types> {
    if !ok(a.dtype) {
        return err(format!("operand must be {what}, got {a}"));
    }
    Ok(vec![a.clone()])
}

fn binary(ops: &[TensorType], ok: impl Fn(DType) -> bool, what: &str) -> Result<Types> {
    let (a, b) = (&ops[0], &ops[1]);
    same_type(a, b, "lhs", "rhs")?;
    if !ok(a.dtype) {
        return err(format!("operands must be {what}, got {a}"));
    }
    Ok(vec![a.clone()])
}

fn same_type(a: &TensorType, b: &TensorType, an: &str, bn: &str) -> Result<()> {
    if a != b {
        return err(format!("{an} and {bn} types differ: {a} vs {b} (broadcast explicitly with broadcast_in_dim)"));
    }
    Ok(())
}

fn same_shape(a: &Shape, b: &Shape, an: &str, bn: &str) -> Result<()> {
    if a != b {
        return err(format!("{an} shape {a} differs from {bn} shape {b}"));
    }
    Ok(())
}

/// Check an axis attribute against a rank and return it as an index.
fn axis(d: i64, rank: usize, name: &str) -> Result<usize> {
    if d < 0 || d as usize >= rank {
        return err(format!("{name} = {d} is out of range for rank {rank}"));
    }
    Ok(d as usize)
}

fn unique_axes(ds: &[i64], rank: usize, name: &str) -> Result<Vec<usize>> {
    let mut seen = vec![false; rank];
    let mut out = Vec::with_capacity(ds.len());
    for &d in ds {
        let a = axis(d, rank, name)?;
        if seen[a] {
            return err(format!("{name} {ds:?} repeats dim {d}"));
        }
        seen[a] = true;
        out.push(a);
    }
    Ok(out)
}

fn permutation(p: &[i64], rank: usize, name: &str) -> Result<()> {
    if p.len() != rank {
        return err(format!("{name} {p:?} must have {rank} entries (the operand rank)"));
    }
    unique_axes(p, rank, name).map(|_| ())
}

fn len_is(v: &[i64], n: usize, name: &str) -> Result<()> {
    if v.len() != n {
        return err(format!("{name} {v:?} must have {n} entries"));
    }
    Ok(())
}

fn known(d: &Dim, what: &str) -> Result<u64> {
    match d {
        Dim::Known(n) => Ok(*n),
        Dim::Sym(s) => err(format!("{what} needs a known size, got symbolic dim {s}")),
    }
}

fn constant(attrs: &Attrs, t: &TensorType) -> Result<Types> {
    let data = attrs.literal("value")?;
    let Some(n) = t.shape.num_elements() else {
        return err(format!("constant needs a static shape of at most 2^40 elements, got {}", t.shape));
    };
    if !data.matches(t.dtype) {
        return err(format!("value data does not match dtype {}", t.dtype));
    }
    if data.len() != 1 && data.len() as u64 != n {
        return err(format!("value has {} elements but {} holds {n}", data.len(), t));
    }
    if let crate::literal::LiteralData::Int(v) = data {
        if let Some(bad) = v.iter().find(|&&x| !crate::literal::int_fits(t.dtype, x)) {
            return err(format!("value {bad} does not fit {}", t.dtype));
        }
    }
    Ok(vec![t.clone()])
}

fn broadcast_in_dim(a: &TensorType, dims: &[i64], r: &TensorType) -> Result<Types> {
    if a.dtype != r.dtype {
        return err(format!("result dtype {} differs from operand dtype {}", r.dtype, a.dtype));
    }
    len_is(dims, a.rank(), "dims")?;
    let dims = unique_axes(dims, r.rank(), "dims")?;
    for (i, &d) in dims.iter().enumerate() {
        let (od, rd) = (&a.shape.0[i], &r.shape.0[d]);
        if od != rd && *od != Dim::Known(1) {
            return err(format!("operand dim {i} ({od}) cannot broadcast to result dim {d} ({rd})"));
        }
    }
    Ok(vec![r.clone()])
}

/// Element count as (product of known dims, sorted symbols): equal for equal counts.
fn symbolic_count(s: &Shape) -> (u128, Vec<&str>) {
    let mut p: u128 = 1;
    let mut syms = Vec::new();
    for d in &s.0 {
        match d {
            Dim::Known(n) => p = p.saturating_mul(*n as u128),
            Dim::Sym(x) => syms.push(x.as_str()),
        }
    }
    syms.sort();
    if p == 0 {
        syms.clear();
    }
    (p, syms)
}

fn reshape(a: &TensorType, r: &TensorType) -> Result<Types> {
    if a.dtype != r.dtype {
        return err(format!("result dtype {} differs from operand dtype {}", r.dtype, a.dtype));
    }
    if symbolic_count(&a.shape) != symbolic_count(&r.shape) {
        return err(format!("cannot reshape {} to {}: element counts differ", a.shape, r.shape));
    }
    Ok(vec![r.clone()])
}

fn slice(a: &TensorType, attrs: &Attrs) -> Result<Types> {
    let r = a.rank();
    let (start, limit) = (attrs.ints("start")?, attrs.ints("limit")?);
    let strides = attrs.ints_or("strides", r, 1)?;
    len_is(start, r, "start")?;
    len_is(limit, r, "limit")?;
    len_is(&strides, r, "strides")?;
    let mut dims = Vec::with_capacity(r);
    for i in 0..r {
        let (s, l, st) = (start[i], limit[i], strides[i]);
        if st <= 0 {
            return err(format!("strides[{i}] = {st} must be positive"));
        }
        match &a.shape.0[i] {
            Dim::Sym(name) => {
                if s != 0 || l != -1 || st != 1 {
                    return err(format!(
                        "dim {i} is symbolic ({name}): only the whole dim can be sliced (start 0, limit -1, stride 1)"
                    ));
                }
                dims.push(Dim::Sym(name.clone()));
            }
            Dim::Known(n) => {
                if s < 0 || l < s || l as u64 > *n {
                    return err(format!("dim {i}: need 0 <= start ({s}) <= limit ({l}) <= {n}"));
                }
                dims.push(Dim::Known(((l - s) as u64).div_ceil(st as u64)));
            }
        }
    }
    Ok(vec![TensorType::new(a.dtype, Shape(dims))])
}

fn scalar_indices(ops: &[TensorType], what: &str) -> Result<()> {
    let Some(first) = ops.first() else { return Ok(()) };
    for (i, o) in ops.iter().enumerate() {
        if o.rank() != 0 || !o.dtype.is_int() || o.dtype != first.dtype {
            return err(format!("{what} {i} must be an integer scalar of one dtype with the others, got {o}"));
        }
    }
    Ok(())
}

fn dynamic_slice(ops: &[TensorType], attrs: &Attrs) -> Result<Types> {
    let a = &ops[0];
    let r = a.rank();
    if ops.len() != r + 1 {
        return err(format!("needs one start index per dim: {} for {a}, got {}", r, ops.len() - 1));
    }
    scalar_indices(&ops[1..], "start index")?;
    let sizes = attrs.ints("sizes")?;
    len_is(sizes, r, "sizes")?;
    // `-1` takes the whole dim, which is how a symbolic dim (a batch) is sliced.
    let mut dims = Vec::with_capacity(r);
    for (i, (&s, d)) in sizes.iter().zip(&a.shape.0).enumerate() {
        if s == -1 {
            dims.push(d.clone());
            continue;
        }
        if s < 0 || matches!(d, Dim::Known(n) if s as u64 > *n) {
            return err(format!("sizes[{i}] = {s} must be in 0..={d} (or -1 for the whole dim)"));
        }
        dims.push(Dim::Known(s as u64));
    }
    Ok(vec![TensorType::new(a.dtype, Shape(dims))])
}

fn dynamic_update_slice(ops: &[TensorType]) -> Result<Types> {
    let (a, u) = (&ops[0], &ops[1]);
    if u.dtype != a.dtype || u.rank() != a.rank() {
        return err(format!("update {u} must have the dtype and rank of the operand {a}"));
    }
    if ops.len() != a.rank() + 2 {
        return err(format!("needs one start index per dim: {} for {a}, got {}", a.rank(), ops.len() - 2));
    }
    scalar_indices(&ops[2..], "start index")?;
    for (i, (ud, od)) in u.shape.0.iter().zip(&a.shape.0).enumerate() {
        if let (Dim::Known(x), Dim::Known(y)) = (ud, od) {
            if x > y {
                return err(format!("update dim {i} ({x}) is larger than the operand's ({y})"));
            }
        } else if ud != od && ud.known().is_none() {
            return err(format!("update dim {i} ({ud}) must be known or equal to the operand's ({od})"));
        }
    }
    Ok(vec![a.clone()])
}

fn pad(ops: &[TensorType], attrs: &Attrs) -> Result<Types> {
    let (a, v) = (&ops[0], &ops[1]);
    if v.rank() != 0 || v.dtype != a.dtype {
        return err(format!("padding value must be a {} scalar, got {v}", a.dtype));
    }
    let r = a.rank();
    let (lo, hi) = (attrs.ints("low")?, attrs.ints("high")?);
    let interior = attrs.ints_or("interior", r, 0)?;
    len_is(lo, r, "low")?;
    len_is(hi, r, "high")?;
    len_is(&interior, r, "interior")?;
    let mut dims = Vec::with_capacity(r);
    for i in 0..r {
        if interior[i] < 0 {
            return err(format!("interior[{i}] = {} must be >= 0", interior[i]));
        }
        match &a.shape.0[i] {
            Dim::Sym(s) if lo[i] == 0 && hi[i] == 0 && interior[i] == 0 => dims.push(Dim::Sym(s.clone())),
            Dim::Sym(s) => return err(format!("dim {i} is symbolic ({s}) and cannot be padded")),
            Dim::Known(n) => {
                let n = *n as i128;
                let size = lo[i] as i128 + hi[i] as i128 + n + (n - 1).max(0) * interior[i] as i128;
                if size < 0 {
                    return err(format!("dim {i} would have negative size {size}"));
                }
                dims.push(Dim::Known(size as u64));
            }
        }
    }
    Ok(vec![TensorType::new(a.dtype, Shape(dims))])
}

fn concatenate(ops: &[TensorType], attrs: &Attrs) -> Result<Types> {
    let a = &ops[0];
    let d = axis(attrs.int("dimension")?, a.rank(), "dimension")?;
    let mut total: u64 = 0;
    let mut sym = None;
    for (i, o) in ops.iter().enumerate() {
        if o.dtype != a.dtype || o.rank() != a.rank() {
            return err(format!("operand {i} ({o}) must have the dtype and rank of operand 0 ({a})"));
        }
        for (j, (x, y)) in o.shape.0.iter().zip(&a.shape.0).enumerate() {
            if j != d && x != y {
                return err(format!("operand {i} ({o}) differs from operand 0 ({a}) in dim {j}"));
            }
        }
        match &o.shape.0[d] {
            Dim::Known(n) => total += n,
            Dim::Sym(s) => sym = Some(s.clone()),
        }
    }
    let mut dims = a.shape.0.clone();
    dims[d] = match sym {
        Some(s) if ops.len() == 1 => Dim::Sym(s),
        Some(s) => return err(format!("cannot concatenate along symbolic dim {s}")),
        None => Dim::Known(total),
    };
    Ok(vec![TensorType::new(a.dtype, Shape(dims))])
}

fn sorted_unique(v: &[i64], name: &str) -> Result<()> {
    if v.windows(2).any(|w| w[0] >= w[1]) {
        return err(format!("{name} {v:?} must be sorted and unique"));
    }
    Ok(())
}

/// The index-vector length and batch dims of gather/scatter indices.
fn index_dims(idx: &TensorType, ivd: i64) -> Result<(u64, Vec<Dim>)> {
    if !idx.dtype.is_int() {
        return err(format!("indices must be integers, got {idx}"));
    }
    let q = idx.rank();
    if ivd < 0 || ivd as usize > q {
        return err(format!("index_vector_dim = {ivd} must be in 0..={q}"));
    }
    let ivd = ivd as usize;
    let len = if ivd == q { 1 } else { known(&idx.shape.0[ivd], "the index vector dim")? };
    let batch = idx.shape.0.iter().enumerate().filter(|(i, _)| *i != ivd).map(|(_, d)| d.clone()).collect();
    Ok((len, batch))
}

fn gather(ops: &[TensorType], attrs: &Attrs) -> Result<Types> {
    let (a, idx) = (&ops[0], &ops[1]);
    let r = a.rank();
    let offset = attrs.ints("offset_dims")?;
    let collapsed = attrs.ints("collapsed_slice_dims")?;
    let start_map = attrs.ints("start_index_map")?;
    let sizes = attrs.ints("slice_sizes")?;
    let (vec_len, batch) = index_dims(idx, attrs.int("index_vector_dim")?)?;
    len_is(sizes, r, "slice_sizes")?;
    len_is(start_map, vec_len as usize, "start_index_map")?;
    unique_axes(start_map, r, "start_index_map")?;
    sorted_unique(collapsed, "collapsed_slice_dims")?;
    unique_axes(collapsed, r, "collapsed_slice_dims")?;
    sorted_unique(offset, "offset_dims")?;
    for (i, (&s, d)) in sizes.iter().zip(&a.shape.0).enumerate() {
        if s < 0 || matches!(d, Dim::Known(n) if s as u64 > *n) {
            return err(format!("slice_sizes[{i}] = {s} must be in 0..={d}"));
        }
        if collapsed.contains(&(i as i64)) && s > 1 {
            return err(format!("collapsed dim {i} must have slice size <= 1, got {s}"));
        }
    }
    if offset.len() + collapsed.len() != r {
        return err(format!("offset_dims ({}) + collapsed_slice_dims ({}) must cover the operand rank {r}", offset.len(), collapsed.len()));
    }
    let out_rank = batch.len() + offset.len();
    unique_axes(offset, out_rank, "offset_dims")?;
    let window: Vec<u64> =
        (0..r).filter(|i| !collapsed.contains(&(*i as i64))).map(|i| sizes[i] as u64).collect();
    let (mut w, mut b) = (window.into_iter(), batch.into_iter());
    let dims = (0..out_rank)
        .map(|i| if offset.contains(&(i as i64)) { Dim::Known(w.next().unwrap()) } else { b.next().unwrap() })
        .collect();
    Ok(vec![TensorType::new(a.dtype, Shape(dims))])
}

fn scatter(ops: &[TensorType], attrs: &Attrs) -> Result<Types> {
    let (a, idx, upd) = (&ops[0], &ops[1], &ops[2]);
    let r = a.rank();
    if upd.dtype != a.dtype {
        return err(format!("updates dtype {} differs from operand dtype {}", upd.dtype, a.dtype));
    }
    let kind = attrs.sym("kind")?;
    if a.dtype.is_bool() && kind != "replace" {
        return err(format!("scatter kind {kind} does not apply to bool (only replace does)"));
    }
    let window = attrs.ints("update_window_dims")?;
    let inserted = attrs.ints("inserted_window_dims")?;
    let to_operand = attrs.ints("scatter_dims_to_operand_dims")?;
    let (vec_len, batch) = index_dims(idx, attrs.int("index_vector_dim")?)?;
    sorted_unique(window, "update_window_dims")?;
    unique_axes(window, upd.rank(), "update_window_dims")?;
    sorted_unique(inserted, "inserted_window_dims")?;
    unique_axes(inserted, r, "inserted_window_dims")?;
    len_is(to_operand, vec_len as usize, "scatter_dims_to_operand_dims")?;
    unique_axes(to_operand, r, "scatter_dims_to_operand_dims")?;
    if window.len() + inserted.len() != r {
        return err(format!("update_window_dims ({}) + inserted_window_dims ({}) must cover the operand rank {r}", window.len(), inserted.len()));
    }
    let scatter_dims: Vec<&Dim> =
        upd.shape.0.iter().enumerate().filter(|(i, _)| !window.contains(&(*i as i64))).map(|(_, d)| d).collect();
    if scatter_dims.len() != batch.len() || scatter_dims.iter().zip(&batch).any(|(x, y)| *x != y) {
        return err(format!("update scatter dims {scatter_dims:?} must equal the index batch dims {batch:?}"));
    }
    let operand_window: Vec<&Dim> =
        a.shape.0.iter().enumerate().filter(|(i, _)| !inserted.contains(&(*i as i64))).map(|(_, d)| d).collect();
    for (k, &wd) in window.iter().enumerate() {
        let (u, o) = (&upd.shape.0[wd as usize], operand_window[k]);
        if let (Dim::Known(x), Dim::Known(y)) = (u, o) {
            if x > y {
                return err(format!("update window dim {wd} ({x}) exceeds operand dim ({y})"));
            }
        }
    }
    Ok(vec![a.clone()])
}

fn reduce(a: &TensorType, attrs: &Attrs) -> Result<Types> {
    let kind = attrs.sym("kind")?;
    let ok = match kind {
        "and" | "or" => a.dtype.is_int() || a.dtype.is_bool(),
        _ => numeric(a.dtype),
    };
    if !ok {
        return err(format!("reduce kind {kind} does not apply to {}", a.dtype));
    }
    let dims = unique_axes(attrs.ints("dimensions")?, a.rank(), "dimensions")?;
    let kept = a.shape.0.iter().enumerate().filter(|(i, _)| !dims.contains(i)).map(|(_, d)| d.clone());
    Ok(vec![TensorType::new(a.dtype, Shape(kept.collect()))])
}

/// Output extent of a window op along one dim (shared by reduce_window and convolution).
fn window_out(n: u64, lo: i64, hi: i64, base_dil: i64, win: i64, win_dil: i64, stride: i64) -> Result<u64> {
    if base_dil <= 0 || win_dil <= 0 || stride <= 0 || win < 0 {
        return err("window sizes, strides and dilations must be positive");
    }
    let dilated = if n == 0 { 0 } else { (n as i128 - 1) * base_dil as i128 + 1 };
    let padded = dilated + lo as i128 + hi as i128;
    let dwin = if win == 0 { 0 } else { (win as i128 - 1) * win_dil as i128 + 1 };
    if padded < 0 {
        return err(format!("padding makes a dim negative ({padded})"));
    }
    Ok(if padded < dwin { 0 } else { ((padded - dwin) / stride as i128 + 1) as u64 })
}

fn reduce_window(a: &TensorType, attrs: &Attrs) -> Result<Types> {
    let r = a.rank();
    if !numeric(a.dtype) {
        return err(format!("operand must be a number type, got {a}"));
    }
    let win = attrs.ints("window")?;
    len_is(win, r, "window")?;
    let strides = attrs.ints_or("strides", r, 1)?;
    let lo = attrs.ints_or("padding_low", r, 0)?;
    let hi = attrs.ints_or("padding_high", r, 0)?;
    let bd = attrs.ints_or("base_dilation", r, 1)?;
    let wd = attrs.ints_or("window_dilation", r, 1)?;
    for (v, n) in [(&strides, "strides"), (&lo, "padding_low"), (&hi, "padding_high"), (&bd, "base_dilation"), (&wd, "window_dilation")] {
        len_is(v, r, n)?;
    }
    let mut dims = Vec::with_capacity(r);
    for i in 0..r {
        let identity = win[i] == 1 && strides[i] == 1 && lo[i] == 0 && hi[i] == 0 && bd[i] == 1 && wd[i] == 1;
        match &a.shape.0[i] {
            Dim::Sym(s) if identity => dims.push(Dim::Sym(s.clone())),
            Dim::Sym(s) => return err(format!("dim {i} is symbolic ({s}); windows over it must be trivial")),
            Dim::Known(n) => {
                dims.push(Dim::Known(window_out(*n, lo[i], hi[i], bd[i], win[i], wd[i], strides[i]).map_err(|e| e.context(format!("dim {i}")))?))
            }
        }
    }
    Ok(vec![TensorType::new(a.dtype, Shape(dims))])
}

fn dot_general(l: &TensorType, r: &TensorType, attrs: &Attrs) -> Result<Types> {
    if l.dtype != r.dtype || !numeric(l.dtype) {
        return err(format!("operands must share a number dtype, got {l} and {r}"));
    }
    let lb = attrs.ints_or("lhs_batch", 0, 0)?;
    let rb = attrs.ints_or("rhs_batch", 0, 0)?;
    let (lc, rc) = (attrs.ints("lhs_contracting")?, attrs.ints("rhs_contracting")?);
    if lb.len() != rb.len() || lc.len() != rc.len() {
        return err(format!("batch dims ({lb:?} vs {rb:?}) and contracting dims ({lc:?} vs {rc:?}) must pair up"));
    }
    let lall: Vec<i64> = lb.iter().chain(lc).copied().collect();
    let rall: Vec<i64> = rb.iter().chain(rc).copied().collect();
    unique_axes(&lall, l.rank(), "lhs batch+contracting dims")?;
    unique_axes(&rall, r.rank(), "rhs batch+contracting dims")?;
    for (kind, ls, rs) in [("batch", &lb[..], &rb[..]), ("contracting", lc, rc)] {
        for (&x, &y) in ls.iter().zip(rs) {
            let (a, b) = (&l.shape.0[x as usize], &r.shape.0[y as usize]);
            if a != b {
                return err(format!("{kind} dims differ: lhs dim {x} is {a}, rhs dim {y} is {b} ({l} · {r})"));
            }
        }
    }
    let mut dims: Vec<Dim> = lb.iter().map(|&d| l.shape.0[d as usize].clone()).collect();
    dims.extend((0..l.rank()).filter(|i| !lall.contains(&(*i as i64))).map(|i| l.shape.0[i].clone()));
    dims.extend((0..r.rank()).filter(|i| !rall.contains(&(*i as i64))).map(|i| r.shape.0[i].clone()));
    Ok(vec![TensorType::new(l.dtype, Shape(dims))])
}

fn convolution(x: &TensorType, k: &TensorType, attrs: &Attrs) -> Result<Types> {
    if x.dtype != k.dtype || !numeric(x.dtype) {
        return err(format!("input and kernel must share a number dtype, got {x} and {k}"));
    }
    let rank = x.rank();
    if rank < 2 || k.rank() != rank {
        return err(format!("input ({x}) and kernel ({k}) must have the same rank >= 2"));
    }
    let n = rank - 2;
    let natural: Vec<i64> = (0..rank as i64).collect();
    let oihw: Vec<i64> = [1, 0].into_iter().chain(2..rank as i64).collect();
    let id = attrs.ints_or("input_dims", 0, 0).map(|v| if v.is_empty() { natural.clone() } else { v })?;
    let kd = attrs.ints_or("kernel_dims", 0, 0).map(|v| if v.is_empty() { oihw.clone() } else { v })?;
    let od = attrs.ints_or("output_dims", 0, 0).map(|v| if v.is_empty() { natural.clone() } else { v })?;
    permutation(&id, rank, "input_dims")?;
    permutation(&kd, rank, "kernel_dims")?;
    permutation(&od, rank, "output_dims")?;
    let strides = attrs.ints_or("window_strides", n, 1)?;
    let lo = attrs.ints_or("padding_low", n, 0)?;
    let hi = attrs.ints_or("padding_high", n, 0)?;
    let ld = attrs.ints_or("lhs_dilation", n, 1)?;
    let rd = attrs.ints_or("rhs_dilation", n, 1)?;
    for (v, name) in [(&strides, "window_strides"), (&lo, "padding_low"), (&hi, "padding_high"), (&ld, "lhs_dilation"), (&rd, "rhs_dilation")] {
        len_is(v, n, name)?;
    }
    let groups = attrs.int("feature_group_count")?;
    if groups < 1 {
        return err(format!("feature_group_count = {groups} must be >= 1"));
    }
    let groups = groups as u64;
    let (xc, kc) = (&x.shape.0[id[1] as usize], &k.shape.0[kd[0] as usize]);
    // The same symbolic feature dim on both sides is fine without groups: a kernel's
    // gradient contracts over the batch this way.
    if !(matches!(xc, Dim::Sym(_)) && xc == kc && groups == 1) {
        let c = known(xc, "the input feature dim")?;
        let ki = known(kc, "the kernel input feature dim")?;
        if c % groups != 0 || ki * groups != c {
            return err(format!("input features {c} must equal kernel input features {ki} × feature_group_count {groups}"));
        }
    }
    // The output features may be symbolic without groups (second derivatives make one).
    let ko_dim = &k.shape.0[kd[1] as usize];
    if groups > 1 {
        let ko = known(ko_dim, "the kernel output feature dim")?;
        if ko % groups != 0 {
            return err(format!("kernel output features {ko} must be divisible by feature_group_count {groups}"));
        }
    }
    let mut out = vec![Dim::Known(0); rank];
    out[od[0] as usize] = x.shape.0[id[0] as usize].clone();
    out[od[1] as usize] = ko_dim.clone();
    for i in 0..n {
        let xi = known(&x.shape.0[id[2 + i] as usize], "a spatial input dim")?;
        let kw = known(&k.shape.0[kd[2 + i] as usize], "a spatial kernel dim")?;
        let o = window_out(xi, lo[i], hi[i], ld[i], kw as i64, rd[i], strides[i]).map_err(|e| e.context(format!("spatial dim {i}")))?;
        out[od[2 + i] as usize] = Dim::Known(o);
    }
    Ok(vec![TensorType::new(x.dtype, Shape(out))])
}

fn while_loop(ops: &[TensorType], regions: &[Region]) -> Result<Types> {
    let (cond, body) = (&regions[0], &regions[1]);
    let carried = ops.to_vec();
    if cond.param_types() != carried {
        return err(format!("cond parameters {} must match the carried values {}", list(&cond.param_types()), list(&carried)));
    }
    if body.param_types() != carried {
        return err(format!("body parameters {} must match the carried values {}", list(&body.param_types()), list(&carried)));
    }
    let cr = cond.result_types();
    if cr != [TensorType::scalar(DType::Bool)] {
        return err(format!("cond must return one bool[], returns {}", list(&cr)));
    }
    if body.result_types() != carried {
        return err(format!("body returns {} but carries {}", list(&body.result_types()), list(&carried)));
    }
    Ok(carried)
}

/// A fusion is one straight-line kernel: its body takes the operands as parameters and
/// returns the results. Control flow and nested fusions stay outside (lowerings emit a
/// fusion as one loop nest), and an `input` fusion's root (a returned value) is a `reduce`.
fn fusion(ops: &[TensorType], attrs: &Attrs, regions: &[Region]) -> Result<Types> {
    let body = &regions[0];
    if body.param_types() != ops {
        return err(format!("body parameters {} must match the operands {}", list(&body.param_types()), list(ops)));
    }
    for n in body.graph.node_indices() {
        match body.node(n).op {
            OpKind::Fusion => return err("nested fusions are not allowed: the body contains a `fusion`"),
            op if !body.node(n).regions.is_empty() => {
                return err(format!("a fusion body cannot contain `{op}`: control flow stays outside fusions"))
            }
            _ => {}
        }
    }
    let results = body.result_types();
    if results.is_empty() {
        return err("a fusion must return at least one value");
    }
    if attrs.sym("kind")? == "input" {
        let ret = body.return_node();
        let roots = ret.map(|r| body.operands(r)).unwrap_or_default();
        if !roots.iter().any(|v| body.node(v.node).op == OpKind::Reduce) {
            return err("an `input` fusion must return the result of a `reduce` (its root)");
        }
    }
    Ok(results)
}

fn list(ts: &[TensorType]) -> String {
    let parts: Vec<String> = ts.iter().map(|t| t.to_string()).collect();
    format!("({})", parts.join(", "))
}

/// Bind symbolic dims of `formal` to the extents of `actual`, adding to `env`; used by
/// callers that resolve a function's symbols at call time. Errors name the dim.
pub fn bind_dims(formal: &Shape, actual: &[u64], env: &mut BTreeMap<String, u64>) -> Result<()> {
    if formal.rank() != actual.len() {
        return err(format!("expected rank {} ({formal}), got shape {actual:?}", formal.rank()));
    }
    for (d, &n) in formal.0.iter().zip(actual) {
        match d {
            Dim::Known(k) if *k != n => return err(format!("expected shape {formal}, got {actual:?}")),
            Dim::Known(_) => {}
            Dim::Sym(s) => match env.get(s) {
                Some(&m) if m != n => return err(format!("dim {s} is bound to {m} but got {n} (shape {actual:?})")),
                Some(_) => {}
                None => {
                    env.insert(s.clone(), n);
                }
            },
        }
    }
    Ok(())
}
