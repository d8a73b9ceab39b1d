//! Constant folding: an op whose operands are all constants becomes constants, computed
//! by the pipeline's [`ConstEvaluator`] (the reference interpreter, in the `kc` CLI and
//! tests). Without one, or with `fold-limit=0`, nothing is folded.
//!
//! What is never folded, and why:
//! - ops with regions (`while`): the trip count is unknown, possibly unbounded;
//! - ops without operands (`iota`, `constant`, parameters): a leaf is already as small
//!   as it gets, and turning `iota` into its elements only makes the IR bigger;
//! - ops with an operand or result of more than `fold-limit` elements, or whose work
//!   (see [`work`]) exceeds [`MAX_FOLD_WORK`]: folding must stay cheap;
//! - results holding a NaN: the text form spells every NaN `nan`, so a folded NaN's sign
//!   and payload would not survive printing and parsing, while the unfolded op's would
//!   be recomputed the same way on every run.
//!
//! An evaluator error leaves the op alone (it will fail, or not, at run time as before).
use super::site::{splat_of, Site};
use super::{Ops, Replacement, Rule};
use crate::evaluator::ConstOperand;
use kc_ir::{attrs, Attr, AttrsExt, Error, ErrorKind, LiteralData, Node, OpKind, Result, TensorType};

pub static RULES: &[Rule] = &[Rule {
    name: "fold",
    ops: Ops::Any,
    summary: "an op whose operands are all constants → constants (needs an evaluator; limited by fold-limit)",
    apply: fold,
}];

/// The most multiply-adds (or window steps) a folded contraction or window op may take.
pub const MAX_FOLD_WORK: u64 = 1 << 26;

fn fold(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(evaluator) = s.cfg.evaluator.clone() else { return Ok(None) };
    let limit = s.cfg.fold_limit;
    let node = s.node();
    let op = node.op;
    if limit == 0 || matches!(op, OpKind::Constant | OpKind::Parameter | OpKind::Return) || !node.regions.is_empty() {
        return Ok(None);
    }
    let operands = s.operands();
    if operands.is_empty() {
        return Ok(None);
    }
    let small = |t: &TensorType| t.shape.num_elements().is_some_and(|n| n <= limit);
    let mut consts: Vec<(LiteralData, TensorType)> = Vec::with_capacity(operands.len());
    for v in &operands {
        match s.constant(*v) {
            Some((data, ty)) if small(ty) => consts.push((data.clone(), ty.clone())),
            _ => return Ok(None),
        }
    }
    if !node.types.iter().all(small) || work(node, &consts) > MAX_FOLD_WORK {
        return Ok(None);
    }
    let types = node.types.clone();
    let args: Vec<ConstOperand<'_>> = consts.iter().map(|(data, ty)| ConstOperand { data, ty }).collect();
    let Ok(results) = evaluator.eval(op, &node.attrs, &node.regions, &args, &types) else { return Ok(None) };
    if results.len() != types.len() {
        return Err(Error::new(
            ErrorKind::Pass,
            format!("canonicalize: the constant evaluator returned {} results for `{op}`, which has {}", results.len(), types.len()),
        ));
    }
    if results.iter().any(|r| matches!(r, LiteralData::Float(v) if v.iter().any(|x| x.is_nan()))) {
        return Ok(None);
    }
    let mut out = Vec::with_capacity(types.len());
    for (data, ty) in results.into_iter().zip(types) {
        let data = compact(data);
        let c = s
            .build1(OpKind::Constant, &[], attrs(&[("value", Attr::Literal(data))]), vec![ty])
            .map_err(|e| e.context(format!("canonicalize: the constant evaluator's result for `{op}` is not a valid constant")))?;
        out.push(c);
    }
    Ok(Some(out))
}

/// A literal whose elements are all the same bits, stored as a splat.
fn compact(data: LiteralData) -> LiteralData {
    if data.len() <= 1 {
        return data;
    }
    match splat_of(&data) {
        Some(v) => v.literal(),
        None => data,
    }
}

/// Roughly how many steps evaluating the op takes: result elements times the steps per
/// element for contractions and windows; for everything else, the elements touched
/// (which `fold-limit` already bounds).
fn work(node: &Node, operands: &[(LiteralData, TensorType)]) -> u64 {
    let elems = |t: &TensorType| t.shape.num_elements().unwrap_or(u64::MAX);
    let results: u64 = node.types.iter().map(elems).fold(0, u64::saturating_add);
    let per_element = match node.op {
        OpKind::DotGeneral => node.attrs.ints("lhs_contracting").ok().and_then(|dims| {
            let lhs = &operands.first()?.1;
            dims.iter().try_fold(1u64, |p, &d| Some(p.saturating_mul(lhs.shape.dims().get(usize::try_from(d).ok()?)?.known()?)))
        }),
        OpKind::Convolution => operands.get(1).map(|(_, k)| elems(k)),
        OpKind::ReduceWindow => node.attrs.ints("window").ok().map(|w| w.iter().fold(1u64, |p, &x| p.saturating_mul(x.max(0) as u64))),
        _ => Some(1),
    };
    let touched: u64 = operands.iter().map(|(_, t)| elems(t)).fold(results, u64::saturating_add);
    match per_element {
        Some(k) => results.saturating_mul(k).max(touched),
        None => u64::MAX,
    }
}
