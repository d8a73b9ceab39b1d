//! Reductions, windows, contractions and sorting. StableHLO's `reduce`,
//! `reduce_window` and `sort` take a region; the regions written here give kc's
//! identities, its NaN rules for `argmax`/`argmin`/`sort`, and stability.
use super::conv_taps::Conv;
use super::text::{i64_array, int_range, list, padding, Ty, Writer, V};
use super::{Error, Result};
use kc_ir::{AttrsExt, DType, LiteralData, Node, OpKind};

pub fn lower(w: &mut Writer, node: &Node, ops: &[V], ty: &Ty) -> Result<V> {
    let a = &node.attrs;
    let x = &ops[0];
    let rank = x.ty.rank();
    match node.op {
        OpKind::Reduce => reduce(w, x, a.sym("kind")?, a.ints("dimensions")?, ty),
        OpKind::ArgMax | OpKind::ArgMin => arg_extreme(w, x, a.int("dimension")? as usize, node.op == OpKind::ArgMax, ty),
        OpKind::ReduceWindow => {
            let win = Window {
                size: a.ints("window")?.to_vec(),
                strides: a.ints_or("strides", rank, 1)?,
                low: a.ints_or("padding_low", rank, 0)?,
                high: a.ints_or("padding_high", rank, 0)?,
                base_dilation: a.ints_or("base_dilation", rank, 1)?,
                window_dilation: a.ints_or("window_dilation", rank, 1)?,
            };
            reduce_window(w, x, a.sym("kind")?, &win, ty)
        }
        OpKind::CumSum | OpKind::CumProd | OpKind::CumMax | OpKind::CumMin => {
            let kind = match node.op {
                OpKind::CumSum => "sum",
                OpKind::CumProd => "prod",
                OpKind::CumMax => "max",
                _ => "min",
            };
            cumulative(w, x, kind, a.int("dimension")? as usize, a.boolean("reverse")?, ty)
        }
        OpKind::DotGeneral => {
            let dn = struct_attr(
                "#stablehlo.dot<",
                &[
                    ("lhs_batching_dimensions", a.ints_or("lhs_batch", 0, 0)?),
                    ("rhs_batching_dimensions", a.ints_or("rhs_batch", 0, 0)?),
                    ("lhs_contracting_dimensions", a.ints("lhs_contracting")?.to_vec()),
                    ("rhs_contracting_dimensions", a.ints("rhs_contracting")?.to_vec()),
                ],
            );
            Ok(w.op("stablehlo.dot_general", &[x, &ops[1]], &[("dot_dimension_numbers", dn)], ty.clone()))
        }
        OpKind::Convolution => convolution(w, node, x, &ops[1], ty),
        op => Err(Error::new(format!("{op} is not a reduction"))),
    }
}

/// `name<k = [..], ...>` leaving out empty lists.
fn struct_attr(open: &str, fields: &[(&str, Vec<i64>)]) -> String {
    let parts: Vec<String> = fields.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k} = {}", list(v))).collect();
    format!("{open}{}>", parts.join(", "))
}

/// The StableHLO combiner op and kc's identity of a reduction kind, for a dtype.
fn combiner(kind: &str, dtype: DType) -> Result<(&'static str, LiteralData)> {
    let (lo, hi) = int_range(dtype);
    let float = dtype.is_float();
    let lit = |f: f64, i: i64| {
        if float {
            LiteralData::Float(vec![f])
        } else if dtype.is_bool() {
            LiteralData::Bool(vec![i != 0])
        } else {
            LiteralData::Int(vec![i])
        }
    };
    Ok(match kind {
        "sum" => ("stablehlo.add", lit(0.0, 0)),
        "prod" => ("stablehlo.multiply", lit(1.0, 1)),
        "max" => ("stablehlo.maximum", lit(f64::NEG_INFINITY, lo)),
        "min" => ("stablehlo.minimum", lit(f64::INFINITY, hi)),
        // all ones: -1 for signed integers, the maximum for unsigned, true for bool
        "and" => ("stablehlo.and", lit(0.0, if matches!(dtype, DType::U8 | DType::U32) { hi } else { -1 })),
        "or" => ("stablehlo.or", lit(0.0, 0)),
        k => return Err(Error::new(format!("unknown reduction kind {k}"))),
    })
}

/// `op(a, b)` inside a combiner region. Float `max`/`min` propagate NaN explicitly: the
/// plugin's XLA turns a max/min reduction region into a reduction that drops NaN.
pub fn combine(w: &mut Writer, op: &str, a: &V, b: &V) -> V {
    let m = w.binary(op, a, b);
    if !(a.ty.dtype.is_float() && (op == "stablehlo.maximum" || op == "stablehlo.minimum")) {
        return m;
    }
    let a_nan = w.is_nan(a);
    let r = w.select(&a_nan, a, &m);
    let b_nan = w.is_nan(b);
    w.select(&b_nan, b, &r)
}

fn reduce(w: &mut Writer, x: &V, kind: &str, dims: &[i64], ty: &Ty) -> Result<V> {
    let (op, identity) = combiner(kind, x.ty.dtype)?;
    let s = Ty::scalar(x.ty.dtype);
    let init = w.constant(&s, &identity);
    let region = w.region(&[s.clone(), s], |w, a| Ok(vec![combine(w, op, &a[0], &a[1])]))?;
    Ok(w.op_full("stablehlo.reduce", &[x, &init], &[region], &[("dimensions", i64_array(dims))], &[ty.clone()]).remove(0))
}

struct Window {
    size: Vec<i64>,
    strides: Vec<i64>,
    low: Vec<i64>,
    high: Vec<i64>,
    base_dilation: Vec<i64>,
    window_dilation: Vec<i64>,
}

fn reduce_window(w: &mut Writer, x: &V, kind: &str, win: &Window, ty: &Ty) -> Result<V> {
    let (op, identity) = combiner(kind, x.ty.dtype)?;
    let s = Ty::scalar(x.ty.dtype);
    let init = w.constant(&s, &identity);
    let region = w.region(&[s.clone(), s], |w, a| Ok(vec![combine(w, op, &a[0], &a[1])]))?;
    let attrs = [
        ("window_dimensions", i64_array(&win.size)),
        ("window_strides", i64_array(&win.strides)),
        ("base_dilations", i64_array(&win.base_dilation)),
        ("window_dilations", i64_array(&win.window_dilation)),
        ("padding", padding(&win.low, &win.high)),
    ];
    Ok(w.op_full("stablehlo.reduce_window", &[x, &init], &[region], &attrs, &[ty.clone()]).remove(0))
}

/// An inclusive running reduction: a window as long as the dim, padded on the side the
/// running value comes from, so output `i` sees exactly `x[0..=i]` (or `x[i..]`).
fn cumulative(w: &mut Writer, x: &V, kind: &str, dim: usize, reverse: bool, ty: &Ty) -> Result<V> {
    let rank = x.ty.rank();
    let n = x.ty.dims.get(dim).copied().ok_or_else(|| Error::new(format!("dimension {dim} out of range")))? as i64;
    let mut size = vec![1; rank];
    let (mut low, mut high) = (vec![0; rank], vec![0; rank]);
    if n > 0 {
        size[dim] = n;
        if reverse {
            high[dim] = n - 1;
        } else {
            low[dim] = n - 1;
        }
    }
    let win = Window { size, strides: vec![1; rank], low, high, base_dilation: vec![1; rank], window_dilation: vec![1; rank] };
    reduce_window(w, x, kind, &win, ty)
}

/// `argmax`/`argmin`: reduce (value, index) pairs, keeping the better value, the lower
/// index on ties, and NaN as the extreme (the first NaN wins).
fn arg_extreme(w: &mut Writer, x: &V, dim: usize, max: bool, ty: &Ty) -> Result<V> {
    let idx_ty = x.ty.with_dtype(ty.dtype);
    let iota = w.iota(&idx_ty, dim);
    let (sv, si) = (Ty::scalar(x.ty.dtype), Ty::scalar(ty.dtype));
    let (lo, hi) = int_range(x.ty.dtype);
    let float = x.ty.dtype.is_float();
    let init_v = if float {
        LiteralData::Float(vec![if max { f64::NEG_INFINITY } else { f64::INFINITY }])
    } else {
        LiteralData::Int(vec![if max { lo } else { hi }])
    };
    let init_v = w.constant(&sv, &init_v);
    // the initial index loses every tie
    let init_i = w.constant(&si, &LiteralData::Int(vec![int_range(ty.dtype).1]));
    let region = w.region(&[sv.clone(), si.clone(), sv.clone(), si.clone()], |w, a| {
        let (av, ai, bv, bi) = (&a[0], &a[1], &a[2], &a[3]);
        let better = w.compare(if max { "GT" } else { "LT" }, av, bv, false);
        let eq = w.compare("EQ", av, bv, false);
        let ilt = w.compare("LT", ai, bi, false);
        let tie = w.binary("stablehlo.and", &eq, &ilt);
        let mut take = w.binary("stablehlo.or", &better, &tie);
        if float {
            let (an, bn) = (w.is_nan(av), w.is_nan(bv));
            let not_bn = w.unary("stablehlo.not", &bn);
            let nan_wins = w.binary("stablehlo.or", &not_bn, &ilt);
            let a_nan_wins = w.binary("stablehlo.and", &an, &nan_wins);
            let neither = w.binary("stablehlo.or", &an, &bn);
            let neither = w.unary("stablehlo.not", &neither);
            let plain = w.binary("stablehlo.and", &neither, &take);
            take = w.binary("stablehlo.or", &a_nan_wins, &plain);
        }
        Ok(vec![w.select(&take, av, bv), w.select(&take, ai, bi)])
    })?;
    let vals_ty = ty.with_dtype(x.ty.dtype);
    let outs = w.op_full("stablehlo.reduce", &[x, &iota, &init_v, &init_i], &[region], &[("dimensions", i64_array(&[dim as i64]))], &[vals_ty, ty.clone()]);
    Ok(outs[1].clone())
}

fn convolution(w: &mut Writer, node: &Node, x: &V, k: &V, ty: &Ty) -> Result<V> {
    let a = &node.attrs;
    let n = x.ty.rank().saturating_sub(2);
    let seq: Vec<i64> = (0..n as i64 + 2).collect();
    let input = a.ints_or("input_dims", 0, 0)?;
    let input = if input.is_empty() { seq.clone() } else { input };
    let kernel = a.ints_or("kernel_dims", 0, 0)?;
    let kernel = if kernel.is_empty() {
        let mut v = vec![1, 0];
        v.extend(2..n as i64 + 2);
        v
    } else {
        kernel
    };
    let output = a.ints_or("output_dims", 0, 0)?;
    let output = if output.is_empty() { seq } else { output };
    let (strides, pad_low, pad_high) = (a.ints_or("window_strides", n, 1)?, a.ints_or("padding_low", n, 0)?, a.ints_or("padding_high", n, 0)?);
    let (lhs_dilation, rhs_dilation) = (a.ints_or("lhs_dilation", n, 1)?, a.ints_or("rhs_dilation", n, 1)?);
    let conv = Conv {
        input: &input,
        kernel: &kernel,
        output: &output,
        strides: &strides,
        pad_low: &pad_low,
        pad_high: &pad_high,
        lhs_dilation: &lhs_dilation,
        rhs_dilation: &rhs_dilation,
        groups: a.int("feature_group_count")?,
    };
    if conv.by_taps(&x.ty, &k.ty) && ty.elements() > 0 {
        return Ok(conv.lower_by_taps(w, x, k, ty));
    }
    let dn = format!(
        "#stablehlo.conv<raw input_batch_dimension = {}, input_feature_dimension = {}, input_spatial_dimensions = {}, kernel_input_feature_dimension = {}, kernel_output_feature_dimension = {}, kernel_spatial_dimensions = {}, output_batch_dimension = {}, output_feature_dimension = {}, output_spatial_dimensions = {}>",
        input[0],
        input[1],
        list(&input[2..]),
        kernel[0],
        kernel[1],
        list(&kernel[2..]),
        output[0],
        output[1],
        list(&output[2..])
    );
    let attrs = [
        ("dimension_numbers", dn),
        ("window_strides", i64_array(&strides)),
        ("padding", padding(&pad_low, &pad_high)),
        ("lhs_dilation", i64_array(&lhs_dilation)),
        ("rhs_dilation", i64_array(&rhs_dilation)),
        ("feature_group_count", format!("{} : i64", a.int("feature_group_count")?)),
        ("batch_group_count", "1 : i64".into()),
    ];
    Ok(w.op("stablehlo.convolution", &[x, k], &attrs, ty.clone()))
}

/// The comparator region of a stable sort by the first operand: kc's order (NaN above
/// everything and all NaNs equal; `-0.0 < 0.0`; bool `false < true`).
fn comparator(w: &mut Writer, tys: &[Ty], descending: bool) -> Result<String> {
    let mut arg_tys = Vec::new();
    for t in tys {
        arg_tys.push(Ty::scalar(t.dtype));
        arg_tys.push(Ty::scalar(t.dtype));
    }
    let float = tys[0].dtype.is_float();
    w.region(&arg_tys, |w, a| {
        let (l, r) = (&a[0], &a[1]);
        let dir = if descending { "GT" } else { "LT" };
        if !float {
            return Ok(vec![w.compare(dir, l, r, false)]);
        }
        let ordered = w.compare(dir, l, r, true);
        let (ln, rn) = (w.is_nan(l), w.is_nan(r));
        // ascending: l < r iff l is a number and (r is NaN or l < r in total order);
        // descending: l > r iff r is a number and (l is NaN or l > r)
        let (first, second) = if descending { (&rn, &ln) } else { (&ln, &rn) };
        let num = w.unary("stablehlo.not", first);
        let either = w.binary("stablehlo.or", second, &ordered);
        Ok(vec![w.binary("stablehlo.and", &num, &either)])
    })
}

pub fn sort(w: &mut Writer, node: &Node, ops: &[V]) -> Result<Vec<V>> {
    let dim = node.attrs.int("dimension")?;
    let descending = node.attrs.boolean("descending")?;
    let tys: Vec<Ty> = ops.iter().map(|o| o.ty.clone()).collect();
    let region = comparator(w, &tys, descending)?;
    let refs: Vec<&V> = ops.iter().collect();
    let attrs = [("dimension", format!("{dim} : i64")), ("is_stable", "true".into())];
    Ok(w.op_full("stablehlo.sort", &refs, &[region], &attrs, &tys))
}

/// `top_k`: a stable descending sort of (values, indices) along the last dim, sliced to
/// the first `k` (so ties keep the lower index first).
pub fn top_k(w: &mut Writer, node: &Node, ops: &[V], tys: &[Ty]) -> Result<Vec<V>> {
    let x = &ops[0];
    let last = x.ty.rank().checked_sub(1).ok_or_else(|| Error::new("top_k of a scalar"))?;
    let k = node.attrs.int("k")?;
    let iota = w.iota(&x.ty.with_dtype(tys[1].dtype), last);
    let region = comparator(w, &[x.ty.clone(), iota.ty.clone()], true)?;
    let attrs = [("dimension", format!("{last} : i64")), ("is_stable", "true".into())];
    let sorted = w.op_full("stablehlo.sort", &[x, &iota], &[region], &attrs, &[x.ty.clone(), iota.ty.clone()]);
    let start = vec![0i64; last + 1];
    let mut limit: Vec<i64> = x.ty.dims.iter().map(|&d| d as i64).collect();
    limit[last] = k;
    let strides = vec![1i64; last + 1];
    Ok(vec![w.slice(&sorted[0], &start, &limit, &strides), w.slice(&sorted[1], &start, &limit, &strides)])
}
