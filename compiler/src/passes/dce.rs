//! Dead code elimination: keep what the region's `return` transitively needs, plus the
//! parameters (they are the signature); drop everything else. The IR has no side effects
//! (RNG is counter-based), so an unused op is always removable.
use super::for_each_region;
use crate::pass::{Changed, Pass, PassContext, PassOptions};
use kc_ir::{Module, OpKind, Region, Result};
use petgraph::visit::{Reversed, Walker};

pub struct Dce;

pub fn make(o: &PassOptions) -> Result<Box<dyn Pass>> {
    o.finish()?;
    Ok(Box::new(Dce))
}

impl Pass for Dce {
    fn name(&self) -> &'static str {
        "dce"
    }
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed> {
        let mut removed = 0u64;
        let changed = for_each_region(m, &mut |r| {
            let n = sweep(r);
            removed += n;
            n > 0
        });
        cx.stat("dce.removed", removed);
        Ok(Changed::from_bool(changed))
    }
}

fn sweep(r: &mut Region) -> u64 {
    let Some(ret) = r.return_node() else { return 0 };
    let live: std::collections::HashSet<_> = petgraph::visit::Dfs::new(Reversed(&r.graph), ret).iter(Reversed(&r.graph)).collect();
    let dead: Vec<_> = r
        .graph
        .node_indices()
        .filter(|n| !live.contains(n) && r.node(*n).op != OpKind::Parameter)
        .collect();
    for &n in &dead {
        r.graph.remove_node(n);
    }
    dead.len() as u64
}
