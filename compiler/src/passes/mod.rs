//! One file (or folder) per pass; each exposes `make` for the registry.
pub mod canonicalize;
pub mod cse;
pub mod dce;
pub mod grad;
pub mod shape_infer;
pub mod fuse;
pub mod plan_memory;

use kc_ir::{Module, Region, Result};

/// Apply `f` to every region of the module, nested regions first (so a rewrite of an
/// outer region sees its inner regions already rewritten).
pub fn for_each_region(m: &mut Module, f: &mut dyn FnMut(&mut Region) -> bool) -> bool {
    let mut changed = false;
    for func in &mut m.funcs {
        changed |= visit(&mut func.body, f);
    }
    changed
}

fn visit(r: &mut Region, f: &mut dyn FnMut(&mut Region) -> bool) -> bool {
    let mut changed = false;
    let nodes: Vec<_> = r.graph.node_indices().collect();
    for n in nodes {
        for sub in &mut r.node_mut(n).regions {
            changed |= visit(sub, f);
        }
    }
    changed | f(r)
}

/// [`for_each_region`] for a rewrite that can fail: stops at the first error.
pub fn try_for_each_region(m: &mut Module, f: &mut dyn FnMut(&mut Region) -> Result<bool>) -> Result<bool> {
    let mut changed = false;
    for func in &mut m.funcs {
        changed |= try_visit(&mut func.body, f)?;
    }
    Ok(changed)
}

fn try_visit(r: &mut Region, f: &mut dyn FnMut(&mut Region) -> Result<bool>) -> Result<bool> {
    let mut changed = false;
    let nodes: Vec<_> = r.graph.node_indices().collect();
    for n in nodes {
        for sub in &mut r.node_mut(n).regions {
            changed |= try_visit(sub, f)?;
        }
    }
    Ok(changed | f(r)?)
}
