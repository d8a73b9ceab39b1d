//! Data movement that does nothing, or that composes into one op. These only move
//! elements, so every rewrite is exact for every dtype.
use super::site::{is_iota, splat_of, Site};
use super::{Ops, Replacement, Rule};
use kc_ir::{attrs, Attr, AttrsExt, Dim, OpKind, Result};

pub static RULES: &[Rule] = &[
    Rule { name: "transpose-identity", ops: Ops::These(&[OpKind::Transpose]), summary: "transpose with permutation [0, 1, ...] → x", apply: transpose_identity },
    Rule { name: "transpose-transpose", ops: Ops::These(&[OpKind::Transpose]), summary: "transpose(transpose(x)) → one transpose, or x when they cancel", apply: transpose_transpose },
    Rule { name: "reshape-identity", ops: Ops::These(&[OpKind::Reshape]), summary: "reshape to the operand's own type → x", apply: reshape_identity },
    Rule { name: "reshape-reshape", ops: Ops::These(&[OpKind::Reshape]), summary: "reshape(reshape(x)) → reshape(x), or x when the shapes match", apply: reshape_reshape },
    Rule { name: "broadcast-identity", ops: Ops::These(&[OpKind::BroadcastInDim]), summary: "broadcast_in_dim to the operand's shape with dims [0, 1, ...] → x", apply: broadcast_identity },
    Rule { name: "broadcast-broadcast", ops: Ops::These(&[OpKind::BroadcastInDim]), summary: "broadcast_in_dim(broadcast_in_dim(x)) → one broadcast_in_dim", apply: broadcast_broadcast },
    Rule { name: "broadcast-splat", ops: Ops::These(&[OpKind::BroadcastInDim]), summary: "broadcast_in_dim of a splat constant to a static shape → a splat constant of that shape", apply: broadcast_splat },
    Rule { name: "slice-whole", ops: Ops::These(&[OpKind::Slice]), summary: "slice that takes every element → x", apply: slice_whole },
    Rule { name: "pad-none", ops: Ops::These(&[OpKind::Pad]), summary: "pad with all-zero low, high and interior → x", apply: pad_none },
    Rule { name: "reverse-none", ops: Ops::These(&[OpKind::Reverse]), summary: "reverse of no dims, or only of dims of extent 0 or 1 → x", apply: reverse_none },
    Rule { name: "concatenate-single", ops: Ops::These(&[OpKind::Concatenate]), summary: "concatenate of one operand → that operand", apply: concatenate_single },
];

fn only_operand(s: &Site<'_>) -> Option<kc_ir::Value> {
    s.operand(0)
}

fn transpose_identity(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(x) = only_operand(s) else { return Ok(None) };
    let Ok(perm) = s.attrs().ints("permutation") else { return Ok(None) };
    Ok(is_iota(perm).then(|| vec![x]))
}

fn transpose_transpose(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(y) = only_operand(s) else { return Ok(None) };
    let Some(x) = s.produced_by(y, OpKind::Transpose).and_then(|ops| ops.first().copied()) else { return Ok(None) };
    let (Ok(outer), Some(inner)) = (s.attrs().ints("permutation"), s.ints_of(y, "permutation")) else { return Ok(None) };
    // Result dim i is y's dim outer[i], which is x's dim inner[outer[i]].
    let Some(perm) = outer.iter().map(|&o| usize::try_from(o).ok().and_then(|o| inner.get(o).copied())).collect::<Option<Vec<i64>>>() else {
        return Ok(None);
    };
    if is_iota(&perm) {
        return Ok(Some(vec![x]));
    }
    let t = s.build1(OpKind::Transpose, &[x], attrs(&[("permutation", Attr::Ints(perm))]), Vec::new())?;
    Ok(Some(vec![t]))
}

fn reshape_identity(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(x) = only_operand(s) else { return Ok(None) };
    Ok((s.ty(x) == s.result_type(0)).then(|| vec![x]))
}

fn reshape_reshape(s: &mut Site<'_>) -> Result<Replacement> {
    // Both keep row-major element order, so only the last shape matters.
    let Some(y) = only_operand(s) else { return Ok(None) };
    let Some(x) = s.produced_by(y, OpKind::Reshape).and_then(|ops| ops.first().copied()) else { return Ok(None) };
    let Some(ty) = s.result_type(0).cloned() else { return Ok(None) };
    if s.ty(x) == Some(&ty) {
        return Ok(Some(vec![x]));
    }
    Ok(Some(vec![s.build1(OpKind::Reshape, &[x], Default::default(), vec![ty])?]))
}

fn broadcast_identity(s: &mut Site<'_>) -> Result<Replacement> {
    // The same shape with dims not in order would be a transpose, not an identity.
    let Some(x) = only_operand(s) else { return Ok(None) };
    let Ok(dims) = s.attrs().ints("dims") else { return Ok(None) };
    Ok((s.ty(x) == s.result_type(0) && is_iota(dims)).then(|| vec![x]))
}

fn broadcast_broadcast(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(y) = only_operand(s) else { return Ok(None) };
    let Some(x) = s.produced_by(y, OpKind::BroadcastInDim).and_then(|ops| ops.first().copied()) else { return Ok(None) };
    let (Ok(outer), Some(inner)) = (s.attrs().ints("dims"), s.ints_of(y, "dims")) else { return Ok(None) };
    let Some(ty) = s.result_type(0).cloned() else { return Ok(None) };
    // x's dim i is y's dim inner[i], which is the result's dim outer[inner[i]]. Each step
    // either keeps the extent or stretches a 1, so the composition does one of the two.
    let Some(dims) = inner.iter().map(|&i| usize::try_from(i).ok().and_then(|i| outer.get(i).copied())).collect::<Option<Vec<i64>>>() else {
        return Ok(None);
    };
    let b = s.build1(OpKind::BroadcastInDim, &[x], attrs(&[("dims", Attr::Ints(dims))]), vec![ty])?;
    Ok(Some(vec![b]))
}

fn broadcast_splat(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(x) = only_operand(s) else { return Ok(None) };
    let Some(value) = s.constant(x).and_then(|(lit, _)| splat_of(lit)) else { return Ok(None) };
    let Some(ty) = s.result_type(0).cloned() else { return Ok(None) };
    if !ty.shape.is_static() {
        return Ok(None);
    }
    Ok(Some(vec![s.splat_const(value, &ty)?]))
}

fn slice_whole(s: &mut Site<'_>) -> Result<Replacement> {
    // With every start 0, the result can only have the operand's type when it takes
    // every element: a stride > 1 on a dim of extent >= 2 would shorten it, and on a dim
    // of extent 0 or 1 it takes the one element there is anyway.
    let Some(x) = only_operand(s) else { return Ok(None) };
    let Ok(start) = s.attrs().ints("start") else { return Ok(None) };
    Ok((start.iter().all(|&b| b == 0) && s.ty(x) == s.result_type(0)).then(|| vec![x]))
}

fn pad_none(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(x) = only_operand(s) else { return Ok(None) };
    let a = s.attrs();
    let (Ok(lo), Ok(hi)) = (a.ints("low"), a.ints("high")) else { return Ok(None) };
    let interior = a.ints_or("interior", 0, 0).unwrap_or_default();
    let none = lo.iter().chain(hi).chain(&interior).all(|&p| p == 0);
    Ok((none && s.ty(x) == s.result_type(0)).then(|| vec![x]))
}

fn reverse_none(s: &mut Site<'_>) -> Result<Replacement> {
    let Some(x) = only_operand(s) else { return Ok(None) };
    let Ok(dims) = s.attrs().ints("dimensions") else { return Ok(None) };
    let Some(ty) = s.ty(x) else { return Ok(None) };
    // Reversing a dim of extent 0 or 1 moves nothing.
    let trivial = dims.iter().all(|&d| {
        usize::try_from(d).ok().and_then(|d| ty.shape.dims().get(d)).is_some_and(|e| matches!(e, Dim::Known(0 | 1)))
    });
    Ok(trivial.then(|| vec![x]))
}

fn concatenate_single(s: &mut Site<'_>) -> Result<Replacement> {
    let ops = s.operands();
    Ok((ops.len() == 1 && s.ty(ops[0]) == s.result_type(0)).then(|| vec![ops[0]]))
}
