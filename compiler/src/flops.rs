//! FLOP counting, for throughput figures (`kc bench` reports GFLOP/s from it).
//!
//! Conventions, as XLA's cost analysis counts them: a multiply-add is 2 FLOPs
//! (`dot_general`: 2 · result elements · contracted extent; `convolution`: 2 · output
//! elements · input features per group · kernel window); an elementwise op (arithmetic,
//! transcendental, compare, select, convert) is 1 per result element; `reduce`,
//! `cumsum`-style scans and `reduce_window` are one per element combined; data movement,
//! constants, `sort` and indexing ops are 0. A `fusion` counts its body; a counted `while`
//! counts its body and condition once per trip (another loop counts one trip and marks
//! the result approximate).
use crate::loops::trip_count;
use kc_ir::{AttrsExt, Dim, Error, Family, Func, OpKind, Region, Result, TensorType};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FlopCount {
    pub total: u64,
    /// By op name.
    pub by_op: BTreeMap<&'static str, u64>,
    /// True when a loop's trip count was unknown (counted once).
    pub approximate: bool,
}

impl FlopCount {
    fn add(&mut self, op: OpKind, n: u64) {
        if n > 0 {
            self.total += n;
            *self.by_op.entry(op.name()).or_default() += n;
        }
    }
    fn merge(&mut self, other: &FlopCount, times: u64) {
        for (k, v) in &other.by_op {
            *self.by_op.entry(k).or_default() += v * times;
        }
        self.total += other.total * times;
        self.approximate |= other.approximate;
    }
}

fn elements(t: &TensorType, b: &BTreeMap<String, i64>) -> Result<u64> {
    t.shape.0.iter().try_fold(1u64, |n, d| {
        let k = match d {
            Dim::Known(k) => *k,
            Dim::Sym(s) => *b.get(s).ok_or_else(|| Error::ty(format!("counting FLOPs needs a size for the symbolic dim {s} of {t}")))? as u64,
        };
        Ok(n.saturating_mul(k))
    })
}

/// The FLOPs of one call of `f`, symbolic dims sized by `bindings`.
pub fn count(f: &Func, bindings: &BTreeMap<String, i64>) -> Result<FlopCount> {
    region(&f.body, bindings)
}

fn region(r: &Region, b: &BTreeMap<String, i64>) -> Result<FlopCount> {
    let mut c = FlopCount::default();
    let order = r.order().map_err(|_| Error::ty("counting FLOPs: the region has a cycle"))?;
    for n in order {
        let node = r.node(n);
        let ops = r.operands(n);
        let ty = |i: usize| r.value_type(ops[i]).clone();
        let out = || node.types.first().map(|t| elements(t, b)).unwrap_or(Ok(0));
        use OpKind::*;
        let flops = match node.op {
            DotGeneral => {
                let lhs = ty(0);
                let mut k = 1u64;
                for &d in node.attrs.ints("lhs_contracting")? {
                    k = k.saturating_mul(elements(&TensorType::new(lhs.dtype, kc_ir::Shape(vec![lhs.shape.0[d as usize].clone()])), b)?);
                }
                2u64.saturating_mul(out()?).saturating_mul(k)
            }
            Convolution => {
                let k = ty(1);
                let rank = k.rank();
                let oihw: Vec<i64> = [1, 0].into_iter().chain(2..rank as i64).collect();
                let kd = node.attrs.ints_or("kernel_dims", 0, 0).map(|v| if v.is_empty() { oihw } else { v })?;
                // per output element: (input features per group) x (kernel window)
                let per: u64 = kd.iter().enumerate().filter(|(i, _)| *i != 1).try_fold(1u64, |p, (_, &d)| {
                    Ok::<u64, Error>(p.saturating_mul(elements(&TensorType::new(k.dtype, kc_ir::Shape(vec![k.shape.0[d as usize].clone()])), b)?))
                })?;
                2u64.saturating_mul(out()?).saturating_mul(per)
            }
            Reduce | CumSum | CumProd | CumMax | CumMin => elements(&ty(0), b)?,
            ReduceWindow => {
                let w: u64 = node.attrs.ints("window")?.iter().map(|&x| x.max(0) as u64).product();
                out()?.saturating_mul(w)
            }
            Fusion => {
                let inner = region(&node.regions[0], b)?;
                c.merge(&inner, 1);
                0
            }
            While => {
                let body = region(&node.regions[1], b)?;
                let cond = region(&node.regions[0], b)?;
                let trips = trip_count(r, &ops, &node.regions).ok().and_then(|t| match t.count {
                    Dim::Known(n) => Some(n),
                    Dim::Sym(s) => b.get(&s).map(|&n| n.max(0) as u64),
                });
                match trips {
                    Some(t) => {
                        c.merge(&body, t);
                        c.merge(&cond, t + 1);
                    }
                    None => {
                        c.merge(&body, 1);
                        c.merge(&cond, 1);
                        c.approximate = true;
                    }
                }
                0
            }
            BitcastConvert => 0,
            op => match op.info().family {
                Family::Unary | Family::Binary | Family::Ternary => out()?,
                _ => 0,
            },
        };
        c.add(node.op, flops);
    }
    Ok(c)
}
