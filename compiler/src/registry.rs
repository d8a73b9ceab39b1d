//! Every pass, one line each: name, what it does, and how to make it from its options.
use crate::pass::{Pass, PassOptions};
use crate::passes;
use kc_ir::Result;

pub struct PassEntry {
    pub name: &'static str,
    pub summary: &'static str,
    pub make: fn(&PassOptions) -> Result<Box<dyn Pass>>,
}

pub static PASSES: &[PassEntry] = &[
    PassEntry { name: "dce", summary: "remove ops whose results are never used", make: passes::dce::make },
    PassEntry { name: "grad", summary: "add @F_grad returning an output and its gradients (reverse mode)", make: passes::grad::make },
    PassEntry { name: "cse", summary: "merge identical ops on identical operands", make: passes::cse::make },
    PassEntry { name: "shape-infer", summary: "recompute result types from operands; {N=32} specializes symbols", make: passes::shape_infer::make },
    PassEntry { name: "canonicalize", summary: "exact algebraic and movement rewrites and constant folding, to a fixpoint", make: passes::canonicalize::make },
    PassEntry { name: "fuse", summary: "group elementwise/broadcast/reshape/reduce chains into fusion ops", make: passes::fuse::make },
    PassEntry { name: "plan-memory", summary: "analysis: liveness and buffer reuse; options bind symbols (N=128)", make: passes::plan_memory::make },
];

/// The pipeline `kc` runs on a traced model before lowering (and the one the
/// semantic-preservation tests hold to bit-identical interpreter results).
pub const DEFAULT_PIPELINE: &str = "shape-infer,canonicalize,cse,dce,fuse";

pub fn lookup(name: &str) -> Option<&'static PassEntry> {
    PASSES.iter().find(|p| p.name == name)
}
