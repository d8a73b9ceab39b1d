//! Contractions. `dot_general`'s cotangents are two more dot_generals and a transpose;
//! `convolution`'s are two more convolutions (the input's through the flipped kernel,
//! the kernel's as a correlation of input and cotangent), following the derivation
//! JAX uses, written for kc's dimension attributes.
use super::single;
use crate::autodiff::emit::known_dims;
use crate::autodiff::{Emit, Site};
use kc_ir::{attrs, Attr, AttrsExt, Dim, Error, OpKind, Result, Shape, TensorType, Value};

type Out = Result<Vec<Option<Value>>>;

fn range(a: usize, b: usize) -> Vec<i64> {
    (a as i64..b as i64).collect()
}

/// Dims of a rank-`rank` operand that are neither batch nor contracting, ascending.
fn free(rank: usize, batch: &[i64], contracting: &[i64]) -> Vec<i64> {
    (0..rank as i64).filter(|d| !batch.contains(d) && !contracting.contains(d)).collect()
}

/// The transpose that puts a result whose dims are (in order) operand dims `src` back
/// in operand order.
fn restore(src: &[i64]) -> Vec<i64> {
    (0..src.len() as i64).map(|d| src.iter().position(|&s| s == d).unwrap_or(0) as i64).collect()
}

fn dot(e: &mut Emit, a: Value, b: Value, ab: &[i64], bb: &[i64], ac: &[i64], bc: &[i64]) -> Result<Value> {
    let v = |x: &[i64]| Attr::Ints(x.to_vec());
    let mut a_ = attrs(&[("lhs_contracting", v(ac)), ("rhs_contracting", v(bc))]);
    if !ab.is_empty() {
        a_.insert("lhs_batch".into(), v(ab));
        a_.insert("rhs_batch".into(), v(bb));
    }
    e.op(OpKind::DotGeneral, &[a, b], a_)
}

/// One side's cotangent: contract g's dims (`g_other`, a range) belonging to the other side with the other
/// operand's free dims; the other operand's contracting dims are left, in ascending
/// order, and pair with this side's contracting dims.
#[allow(clippy::too_many_arguments)]
fn side(
    e: &mut Emit,
    g: Value,
    other: Value,
    g_other: (usize, usize),
    (my_b, my_free, my_c): (&[i64], &[i64], &[i64]),
    (ot_b, ot_free, ot_c): (&[i64], &[i64], &[i64]),
) -> Result<Value> {
    let nb = my_b.len();
    let r = dot(e, g, other, &range(0, nb), ot_b, &range(g_other.0, g_other.1), ot_free)?;
    let mut ot_sorted = ot_c.to_vec();
    ot_sorted.sort();
    let mut src: Vec<i64> = my_b.to_vec();
    src.extend(my_free);
    src.extend(ot_sorted.iter().map(|d| my_c[ot_c.iter().position(|x| x == d).unwrap_or(0)]));
    e.transpose(r, &restore(&src))
}

pub fn dot_general(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let (l, r) = (s.x(0), s.x(1));
    let lb = s.attrs.ints_or("lhs_batch", 0, 0)?;
    let rb = s.attrs.ints_or("rhs_batch", 0, 0)?;
    let lc = s.attrs.ints("lhs_contracting")?.to_vec();
    let rc = s.attrs.ints("rhs_contracting")?.to_vec();
    let lf = free(e.rank(l), &lb, &lc);
    let rf = free(e.rank(r), &rb, &rc);
    let (nb, nl, nr) = (lb.len(), lf.len(), rf.len());
    let g_l = (nb, nb + nl);
    let g_r = (nb + nl, nb + nl + nr);
    let dl = side(e, g, r, g_r, (&lb, &lf, &lc), (&rb, &rf, &rc))?;
    let dr = side(e, g, l, g_l, (&rb, &rf, &rc), (&lb, &lf, &lc))?;
    Ok(vec![Some(dl), Some(dr)])
}

/// `(n - 1)·d + 1`, or 0 for an empty dim.
fn dilate(n: i64, d: i64) -> i64 {
    if n == 0 {
        0
    } else {
        (n - 1) * d + 1
    }
}

struct ConvAttrs {
    id: Vec<i64>,
    kd: Vec<i64>,
    od: Vec<i64>,
    strides: Vec<i64>,
    lo: Vec<i64>,
    ld: Vec<i64>,
    rd: Vec<i64>,
    groups: i64,
}

impl ConvAttrs {
    fn read(s: &Site, rank: usize) -> Result<ConvAttrs> {
        let n = rank - 2;
        let natural: Vec<i64> = (0..rank as i64).collect();
        let oihw: Vec<i64> = [1, 0].into_iter().chain(2..rank as i64).collect();
        let or = |k: &str, d: Vec<i64>| -> Result<Vec<i64>> { s.attrs.ints_or(k, 0, 0).map(|v| if v.is_empty() { d } else { v }) };
        Ok(ConvAttrs {
            id: or("input_dims", natural.clone())?,
            kd: or("kernel_dims", oihw)?,
            od: or("output_dims", natural)?,
            strides: s.attrs.ints_or("window_strides", n, 1)?,
            lo: s.attrs.ints_or("padding_low", n, 0)?,
            ld: s.attrs.ints_or("lhs_dilation", n, 1)?,
            rd: s.attrs.ints_or("rhs_dilation", n, 1)?,
            groups: s.attrs.int("feature_group_count")?,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn conv(
    e: &mut Emit,
    x: Value,
    k: Value,
    strides: &[i64],
    lo: &[i64],
    hi: &[i64],
    ld: &[i64],
    rd: &[i64],
    groups: i64,
    dims: (&[i64], &[i64], &[i64]),
) -> Result<Value> {
    let v = |x: &[i64]| Attr::Ints(x.to_vec());
    e.op(
        OpKind::Convolution,
        &[x, k],
        attrs(&[
            ("window_strides", v(strides)),
            ("padding_low", v(lo)),
            ("padding_high", v(hi)),
            ("lhs_dilation", v(ld)),
            ("rhs_dilation", v(rd)),
            ("feature_group_count", Attr::Int(groups)),
            ("input_dims", v(dims.0)),
            ("kernel_dims", v(dims.1)),
            ("output_dims", v(dims.2)),
        ]),
    )
}

fn spatial(t: &TensorType, dims: &[i64], what: &str) -> Result<Vec<i64>> {
    let all = known_dims(&TensorType::new(t.dtype, Shape(dims[2..].iter().map(|&d| t.shape.0[d as usize].clone()).collect())), what)?;
    Ok(all)
}

pub fn convolution(e: &mut Emit, s: &Site, g: &[Option<Value>]) -> Out {
    let g = single(g)?;
    let (x, k) = (s.x(0), s.x(1));
    let (xt, kt, gt) = (e.ty(x), e.ty(k), e.ty(g));
    let rank = xt.rank();
    let c = ConvAttrs::read(s, rank)?;
    let n_in = spatial(&xt, &c.id, "the gradient of convolution")?;
    let n_k = spatial(&kt, &c.kd, "the gradient of convolution")?;
    let n_out = spatial(&gt, &c.od, "the gradient of convolution")?;
    let dx = conv_input(e, g, k, &c, (&n_in, &n_k, &n_out), &kt)?;
    let dk = if c.groups == 1 {
        conv_kernel(e, x, g, &c, (&n_in, &n_k, &n_out))?
    } else {
        // No batch-grouped convolution in the IR: one kernel gradient per group, joined
        // along the kernel's output-feature dim.
        // only the feature dims must be known: the batch dim may be symbolic
        let feature = |t: &TensorType, d: i64| {
            t.shape.0[d as usize].known().map(|n| n as i64).ok_or_else(|| Error::ty(format!("a grouped convolution's gradient needs the feature dim {d} of {t} to be known")))
        };
        let ci = feature(&xt, c.id[1])? / c.groups;
        let og = feature(&gt, c.od[1])? / c.groups;
        let mut parts = Vec::new();
        for grp in 0..c.groups {
            let xs = take(e, x, c.id[1] as usize, grp * ci, ci)?;
            let gs = take(e, g, c.od[1] as usize, grp * og, og)?;
            parts.push(conv_kernel(e, xs, gs, &c, (&n_in, &n_k, &n_out))?);
        }
        e.op(OpKind::Concatenate, &parts, attrs(&[("dimension", Attr::Int(c.kd[1]))]))?
    };
    Ok(vec![Some(dx), Some(dk)])
}

/// `len` entries of dim `d` starting at `start`.
fn take(e: &mut Emit, v: Value, d: usize, start: i64, len: i64) -> Result<Value> {
    let t = e.ty(v);
    let r = t.rank();
    let mut st = vec![0; r];
    let mut lim: Vec<i64> = t.shape.0.iter().map(|x| x.known().map(|n| n as i64).unwrap_or(-1)).collect();
    st[d] = start;
    lim[d] = start + len;
    e.slice(v, &st, &lim, &vec![1; r])
}

/// d input: convolve the cotangent with the spatially flipped kernel whose in/out
/// feature roles are swapped (groups regrouped so each group maps back to its inputs),
/// with strides and input dilation trading places.
fn conv_input(e: &mut Emit, g: Value, k: Value, c: &ConvAttrs, (n_in, n_k, n_out): (&[i64], &[i64], &[i64]), kt: &TensorType) -> Result<Value> {
    let rank = kt.rank();
    let sp = rank - 2;
    // Canonical kernel layout [O, I, spatial...].
    let mut to_oi = vec![c.kd[1], c.kd[0]];
    to_oi.extend(&c.kd[2..]);
    let kc = e.transpose(k, &to_oi)?;
    let gr = c.groups;
    let kc = if gr > 1 {
        let kdims = known_dims(&e.ty(kc), "the gradient of a grouped convolution")?;
        let (o, i) = (kdims[0], kdims[1]);
        // [O, I, s] -> [G, O/G, I, s] -> [O/G, G, I, s] -> [O/G, G·I, s]
        let dt = kt.dtype;
        let mk = |d: Vec<i64>| TensorType::new(dt, Shape(d.into_iter().map(|x| Dim::Known(x as u64)).collect()));
        let mut split = vec![gr, o / gr, i];
        split.extend(&kdims[2..]);
        let a = e.reshape(kc, mk(split))?;
        let mut perm = vec![1, 0, 2];
        perm.extend(3..(rank as i64 + 1));
        let a = e.transpose(a, &perm)?;
        let mut merged = vec![o / gr, gr * i];
        merged.extend(&kdims[2..]);
        e.reshape(a, mk(merged))?
    } else {
        kc
    };
    let flip: Vec<i64> = (2..rank as i64).collect();
    let kf = if flip.is_empty() { kc } else { e.op(OpKind::Reverse, &[kc], attrs(&[("dimensions", Attr::Ints(flip))]))? };
    let (mut pb, mut pa) = (vec![0; sp], vec![0; sp]);
    for s in 0..sp {
        let win = dilate(n_k[s], c.rd[s]);
        pb[s] = win - c.lo[s] - 1;
        pa[s] = dilate(n_in[s], c.ld[s]) + win - 1 - dilate(n_out[s], c.strides[s]) - pb[s];
    }
    let canonical: Vec<i64> = (0..rank as i64).collect();
    conv(e, g, kf, &c.ld, &pb, &pa, &c.strides, &c.rd, gr, (&c.od, &canonical, &c.id))
}

/// d kernel (one group): correlate the input with the cotangent, the batch dim playing
/// the contracted feature role, with strides and kernel dilation trading places.
fn conv_kernel(e: &mut Emit, x: Value, g: Value, c: &ConvAttrs, (n_in, n_k, n_out): (&[i64], &[i64], &[i64])) -> Result<Value> {
    let sp = n_in.len();
    let mut hi = vec![0; sp];
    for s in 0..sp {
        let win = dilate(n_k[s], c.rd[s]);
        hi[s] = dilate(n_out[s], c.strides[s]) - dilate(n_in[s], c.ld[s]) + win - c.lo[s] - 1;
    }
    let swap = |d: &[i64]| -> Vec<i64> { [vec![d[1], d[0]], d[2..].to_vec()].concat() };
    let input_dims = swap(&c.id);
    let kernel_dims = c.od.clone();
    let output_dims = c.kd.clone();
    if input_dims.len() < 2 {
        return Err(Error::ty("convolution needs rank >= 2"));
    }
    conv(e, x, g, &c.rd, &c.lo, &hi, &c.ld, &c.strides, 1, (&input_dims, &kernel_dims, &output_dims))
}
