//! Ops with regions.
//!
//! `while`: loop-carried values go through `cond` (a region returning one bool[]) and,
//! while it is true, through `body` (a region returning the next carried values). Both
//! regions are isolated: their parameters are the carried values, nothing else. There is
//! no iteration limit; a loop that never ends is the program's meaning.
use super::env::Dims;
use super::{bind_params, eval_region};
use crate::tensor::HostTensor;
use kc_ir::{DType, Node};

/// `fusion`: the body is an ordinary isolated region; running it on the operands gives the
/// results. Fusing never changes what is computed, only how a lowering schedules it.
pub fn fusion(node: &Node, args: &[&HostTensor], dims: &Dims) -> Result<Vec<HostTensor>, String> {
    let [body] = &node.regions[..] else {
        return Err(format!("needs one region (body), has {}", node.regions.len()));
    };
    // As for `while`: the body binds its parameters' symbols on a copy of the caller's.
    let mut d = dims.clone();
    bind_params(body, args, &mut d, "body").map_err(|e| format!("body: {e}"))?;
    eval_region(body, args.iter().map(|&t| Cow::Borrowed(t)).collect(), &d).map_err(|e| format!("body: {e}"))
}
use std::borrow::Cow;

pub fn while_loop(node: &Node, args: &[&HostTensor], dims: &Dims) -> Result<Vec<HostTensor>, String> {
    let [cond, body] = &node.regions[..] else {
        return Err(format!("needs two regions (cond, body), has {}", node.regions.len()));
    };
    let mut carried: Vec<HostTensor> = args.iter().map(|&t| t.clone()).collect();
    loop {
        // Region parameters may name the caller's symbols; bind on a copy so a region
        // cannot rebind them for the caller.
        let mut d = dims.clone();
        bind_params(cond, &carried.iter().collect::<Vec<_>>(), &mut d, "cond").map_err(|e| format!("cond: {e}"))?;
        let c = eval_region(cond, carried.iter().map(Cow::Borrowed).collect(), &d).map_err(|e| format!("cond: {e}"))?;
        let go = match c.as_slice() {
            [p] if p.dtype() == DType::Bool && p.rank() == 0 => p.as_slice::<bool>().expect("bool")[0],
            _ => {
                let got: Vec<String> = c.iter().map(|t| t.to_string()).collect();
                return Err(format!("cond must return one bool[], returned ({})", got.join(", ")));
            }
        };
        if !go {
            return Ok(carried);
        }
        let mut d = dims.clone();
        bind_params(body, &carried.iter().collect::<Vec<_>>(), &mut d, "body").map_err(|e| format!("body: {e}"))?;
        carried = eval_region(body, carried.into_iter().map(Cow::Owned).collect(), &d).map_err(|e| format!("body: {e}"))?;
    }
}
