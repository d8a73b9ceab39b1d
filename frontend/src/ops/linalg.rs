//! `keras.ops.einsum` on the IR's `dot_general`, `reduce` and `transpose`.
//!
//! Supported: any number of operands (contracted left to right), explicit (`->`) and
//! implicit output, `...` for leading broadcast dims (as many on every operand that
//! uses it), labels summed away, batch labels shared by operands and output. Not
//! supported (an error says so): a label repeated within one operand (diagonals) and
//! dims that differ between operands for one label (no broadcasting of size-1 dims).
use super::math::sum;
use super::{apply1, ints};
use crate::error::Result;
use crate::tensor::Tensor;
use kc_ir::{attrs, OpKind};

/// Ellipsis dims get labels outside the letters a user can write, counted from the
/// right so that operands of different ellipsis rank line up as numpy aligns them.
fn ellipsis_label(k_from_right: usize) -> char {
    char::from_u32(0x100 + k_from_right as u32).unwrap_or('\u{2FF}')
}

fn parse_term(term: &str, rank: usize, which: &str) -> Result<Vec<char>> {
    let letters = term.replace("...", "");
    if letters.chars().any(|c| !c.is_ascii_alphabetic()) {
        crate::bail!("einsum: {which} `{term}` may hold only letters and one `...`");
    }
    let n_ell = term.matches("...").count();
    if n_ell > 1 {
        crate::bail!("einsum: {which} `{term}` has more than one `...`");
    }
    let named = letters.chars().count();
    if n_ell == 0 {
        if named != rank {
            crate::bail!("einsum: {which} `{term}` names {named} dims but the operand has rank {rank}");
        }
        return Ok(letters.chars().collect());
    }
    if named > rank {
        crate::bail!("einsum: {which} `{term}` names {named} dims but the operand has rank {rank}");
    }
    let k = rank - named;
    let (before, after) = term.split_once("...").unwrap_or((term, ""));
    let mut out: Vec<char> = before.chars().collect();
    out.extend((0..k).rev().map(ellipsis_label));
    out.extend(after.chars());
    Ok(out)
}

/// `np.einsum(subscripts, *operands)` for the common forms: `ij,jk->ik`, `bij,bjk->bik`,
/// `...i,ij->...j`, `ij->ji`, `ij->`, `i,i->`, `i,j->ij`.
pub fn einsum(subscripts: &str, operands: &[Tensor]) -> Result<Tensor> {
    let s: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match s.split_once("->") {
        Some((l, r)) => (l.to_string(), Some(r.to_string())),
        None => (s.clone(), None),
    };
    let terms: Vec<&str> = lhs.split(',').collect();
    if terms.len() != operands.len() {
        crate::bail!("einsum: `{subscripts}` has {} input terms but {} operands were given", terms.len(), operands.len());
    }
    let mut labels = Vec::with_capacity(terms.len());
    let mut max_ell = 0;
    for (i, (t, x)) in terms.iter().zip(operands).enumerate() {
        let l = parse_term(t, x.rank(), &format!("term {i}"))?;
        for (j, c) in l.iter().enumerate() {
            if l[j + 1..].contains(c) {
                crate::bail!("einsum: label `{c}` repeats within term `{t}` (diagonals are not supported)");
            }
        }
        max_ell = max_ell.max(l.iter().filter(|c| !c.is_ascii_alphabetic()).count());
        labels.push(l);
    }
    let out: Vec<char> = match rhs {
        Some(r) => parse_term(&r, r.replace("...", "").chars().count() + if r.contains("...") { max_ell } else { 0 }, "the output")?,
        None => {
            // numpy's implicit output: ellipsis dims, then the labels used once, sorted
            let mut once: Vec<char> = Vec::new();
            let all: Vec<char> = labels.iter().flatten().copied().collect();
            for &c in &all {
                if c.is_ascii_alphabetic() && all.iter().filter(|&&d| d == c).count() == 1 {
                    once.push(c);
                }
            }
            once.sort();
            let mut o: Vec<char> = (0..max_ell).rev().map(ellipsis_label).collect();
            o.extend(once);
            o
        }
    };
    for (j, c) in out.iter().enumerate() {
        if out[j + 1..].contains(c) {
            crate::bail!("einsum: output label `{c}` repeats in `{subscripts}`");
        }
        if !labels.iter().any(|l| l.contains(c)) {
            crate::bail!("einsum: output label `{c}` is in no input term of `{subscripts}`");
        }
    }
    // a label's extent must agree everywhere it appears
    for (i, l) in labels.iter().enumerate() {
        for (j, m) in labels.iter().enumerate().skip(i + 1) {
            for (a, c) in l.iter().enumerate() {
                if let Some(b) = m.iter().position(|d| d == c) {
                    let (da, db) = (&operands[i].dims()[a], &operands[j].dims()[b]);
                    if da != db {
                        crate::bail!("einsum: label `{c}` is {da} in operand {i} but {db} in operand {j} (`{subscripts}`)");
                    }
                }
            }
        }
    }
    let Some((first, rest)) = operands.split_first() else { crate::bail!("einsum needs at least one operand") };
    let mut acc = (first.clone(), labels[0].clone());
    for (k, x) in rest.iter().enumerate() {
        // labels still needed: in the output or in a later operand
        let later: Vec<char> = labels[k + 2..].iter().flatten().copied().chain(out.iter().copied()).collect();
        acc = contract(&acc.0, &acc.1, x, &labels[k + 1], &later)?;
    }
    let (x, l) = sum_away(&acc.0, &acc.1, &out)?;
    let perm: Vec<i64> = out.iter().map(|c| l.iter().position(|d| d == c).unwrap_or(0) as i64).collect();
    if perm.iter().enumerate().all(|(i, &p)| p == i as i64) {
        return Ok(x);
    }
    super::transpose(&x, Some(&perm))
}

/// Sum over the labels of `x` not in `keep`.
fn sum_away(x: &Tensor, labels: &[char], keep: &[char]) -> Result<(Tensor, Vec<char>)> {
    let gone: Vec<i64> = (0..labels.len()).filter(|&i| !keep.contains(&labels[i])).map(|i| i as i64).collect();
    if gone.is_empty() {
        return Ok((x.clone(), labels.to_vec()));
    }
    let kept: Vec<char> = labels.iter().copied().filter(|c| keep.contains(c)).collect();
    Ok((sum(x, Some(&gone), false)?, kept))
}

/// One pairwise contraction: shared labels still needed are batch dims, shared labels no
/// longer needed are contracted; the result's labels are batch, then `a`'s free ones,
/// then `b`'s (`dot_general`'s order).
fn contract(a: &Tensor, la: &[char], b: &Tensor, lb: &[char], later: &[char]) -> Result<(Tensor, Vec<char>)> {
    let keep_a: Vec<char> = later.iter().chain(lb).copied().collect();
    let keep_b: Vec<char> = later.iter().chain(la).copied().collect();
    let (a, la) = sum_away(a, la, &keep_a)?;
    let (b, lb) = sum_away(b, lb, &keep_b)?;
    let shared: Vec<char> = la.iter().copied().filter(|c| lb.contains(c)).collect();
    let batch: Vec<char> = shared.iter().copied().filter(|c| later.contains(c)).collect();
    let contracting: Vec<char> = shared.iter().copied().filter(|c| !later.contains(c)).collect();
    let pos = |l: &[char], c: &char| l.iter().position(|d| d == c).unwrap_or(0) as i64;
    let mut at = attrs(&[
        ("lhs_contracting", ints(&contracting.iter().map(|c| pos(&la, c)).collect::<Vec<_>>())),
        ("rhs_contracting", ints(&contracting.iter().map(|c| pos(&lb, c)).collect::<Vec<_>>())),
    ]);
    if !batch.is_empty() {
        at.insert("lhs_batch".into(), ints(&batch.iter().map(|c| pos(&la, c)).collect::<Vec<_>>()));
        at.insert("rhs_batch".into(), ints(&batch.iter().map(|c| pos(&lb, c)).collect::<Vec<_>>()));
    }
    let y = apply1(OpKind::DotGeneral, &[&a, &b], at, None)?;
    let mut l = batch.clone();
    l.extend(la.iter().copied().filter(|c| !shared.contains(c)));
    l.extend(lb.iter().copied().filter(|c| !shared.contains(c)));
    Ok((y, l))
}
