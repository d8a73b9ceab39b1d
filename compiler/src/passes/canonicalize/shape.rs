//! Rules decided by shapes alone.
use super::site::Site;
use super::{Ops, Replacement, Rule};
use kc_ir::{attrs, Attr, LiteralData, OpKind, Result};

pub static RULES: &[Rule] = &[
    Rule {
        name: "empty-result",
        ops: Ops::Any,
        summary: "an op whose results all have a static shape with no elements → empty constants",
        apply: empty_result,
    },
    Rule {
        name: "known-dimension-size",
        ops: Ops::These(&[OpKind::GetDimensionSize]),
        summary: "get_dimension_size of a known dim → its extent as a constant",
        apply: known_dimension_size,
    },
];

fn known_dimension_size(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(x) = s.operand(0) else { return Ok(None) };
    let Ok(d) = kc_ir::AttrsExt::int(s.attrs(), "dimension") else { return Ok(None) };
    let Some(n) = s.ty(x).and_then(|t| t.shape.0.get(d as usize)).and_then(|d| d.known()) else { return Ok(None) };
    let Ok(n) = i32::try_from(n) else { return Ok(None) };
    let ty = kc_ir::TensorType::scalar(kc_ir::DType::I32);
    Ok(Some(vec![s.build1(OpKind::Constant, &[], attrs(&[("value", Attr::Literal(LiteralData::Int(vec![n as i64])))]), vec![ty])?]))
}

fn empty_result(s: &mut Site<'_>) -> Result<Replacement> {
    let node = s.node();
    // A constant is already a constant; an op with regions (`while`) may not terminate,
    // and replacing it would make a program that hangs finish.
    if node.op == OpKind::Constant || !node.regions.is_empty() || node.types.is_empty() {
        return Ok(None);
    }
    if !node.types.iter().all(|t| t.shape.num_elements() == Some(0)) {
        return Ok(None);
    }
    let types = node.types.clone();
    let mut out = Vec::with_capacity(types.len());
    for ty in types {
        let data = if ty.dtype.is_float() {
            LiteralData::Float(Vec::new())
        } else if ty.dtype.is_int() {
            LiteralData::Int(Vec::new())
        } else {
            LiteralData::Bool(Vec::new())
        };
        out.push(s.build1(OpKind::Constant, &[], attrs(&[("value", Attr::Literal(data))]), vec![ty])?);
    }
    Ok(Some(out))
}
