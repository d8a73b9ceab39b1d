//! `fuse`: group producer→consumer chains into `fusion` ops, in the manner of XLA's
//! instruction fusion, so that a lowering emits each group as one kernel and the values
//! inside never go to memory.
//!
//! - Loop fusion: chains of elementwise ops (unary, binary, ternary, `convert`),
//!   `broadcast_in_dim` and `reshape`.
//! - Reduction-input fusion: a `reduce` together with the chain computing its input; the
//!   reduce is the fusion's root (`kind = input`) and is never fused into its consumers.
//! - Cheap producers (small constants, broadcasts, reshapes, cheap unary ops of a
//!   parameter) are copied into every fusion that uses them; expensive ones are computed
//!   once: either all their consumers join one fusion, or the producer's value becomes an
//!   extra result of the fusion computing it (multi-output fusion), or it stays outside.
//! - A fusion never takes part in a cycle, holds at most `max-ops` ops, and wraps at least
//!   two ops that are not constants. Contractions, convolutions, gathers, scatters, sorts,
//!   control flow, `iota` and large constants stay outside. Fusions inside `while` bodies
//!   are made too; fusion bodies are left alone (fusions do not nest).
//!
//! `classify` says what each op may do, `plan` builds the planning graph, `group` chooses
//! the groups on it, and `rewrite` builds the fusion ops.
mod classify;
mod group;
mod plan;
mod rewrite;

use crate::pass::{Changed, Pass, PassContext, PassOptions};
use kc_ir::{Error, ErrorKind, Module, OpKind, Region, Result};
use group::{Grouping, Limits};
use plan::Graph;

pub struct Fuse {
    limits: Limits,
}

/// Options: `max-ops=N` (default 64) bounds the ops in one fusion; `multi-output=false`
/// keeps values used outside a fusion from becoming extra results.
pub fn make(o: &PassOptions) -> Result<Box<dyn Pass>> {
    let max_ops = o.u64_or("max-ops", 64)?;
    let multi_output = o.bool_or("multi-output", true)?;
    o.finish()?;
    if max_ops < 2 {
        return Err(Error::new(ErrorKind::Pass, format!("pass `fuse`: max-ops={max_ops} must be at least 2 (a fusion holds two ops or more)")));
    }
    let max_ops = usize::try_from(max_ops).unwrap_or(usize::MAX);
    Ok(Box::new(Fuse { limits: Limits { max_ops, multi_output } }))
}

impl Pass for Fuse {
    fn name(&self) -> &'static str {
        "fuse"
    }
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed> {
        let (mut fusions, mut ops) = (0u64, 0u64);
        for f in &mut m.funcs {
            visit(&mut f.body, &mut |r| {
                let Some(g) = Graph::build(r) else { return Ok(()) }; // a cycle: the verifier reports it
                let groups = Grouping::run(&g, self.limits).fusions();
                if groups.is_empty() {
                    return Ok(());
                }
                let done = rewrite::rewrite(r, &g, &groups)?;
                *r = done.region;
                fusions += done.fusions as u64;
                ops += done.fused_ops as u64;
                Ok(())
            })
            .map_err(|e| e.context(format!("in @{}", f.name)))?;
        }
        cx.stat("fuse.fusions", fusions);
        cx.stat("fuse.ops-fused", ops);
        Ok(Changed::from_bool(fusions > 0))
    }
}

/// Apply `f` to `r` and every region nested in it, inner regions first, except the bodies
/// of fusions (they are kernels already, and fusions do not nest).
fn visit(r: &mut Region, f: &mut dyn FnMut(&mut Region) -> Result<()>) -> Result<()> {
    let nodes: Vec<_> = r.graph.node_indices().collect();
    for n in nodes {
        if r.node(n).op == OpKind::Fusion {
            continue;
        }
        for sub in &mut r.node_mut(n).regions {
            visit(sub, f)?;
        }
    }
    f(r)
}
