//! Common subexpression elimination: two ops with the same kind, attributes, result types
//! and operands compute the same value (the IR is pure), so later ones are replaced by the
//! first. Ops with regions and parameters are left alone. Dead duplicates are removed here;
//! run `dce` for the rest.
use super::for_each_region;
use crate::pass::{Changed, Pass, PassContext, PassOptions};
use kc_ir::{Module, OpKind, Region, Result, Value};
use std::collections::HashMap;

pub struct Cse;

pub fn make(o: &PassOptions) -> Result<Box<dyn Pass>> {
    o.finish()?;
    Ok(Box::new(Cse))
}

impl Pass for Cse {
    fn name(&self) -> &'static str {
        "cse"
    }
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed> {
        let mut merged = 0u64;
        let changed = for_each_region(m, &mut |r| {
            let n = merge(r);
            merged += n;
            n > 0
        });
        cx.stat("cse.merged", merged);
        Ok(Changed::from_bool(changed))
    }
}

fn merge(r: &mut Region) -> u64 {
    let Ok(order) = r.order() else { return 0 };
    // Attributes hold floats, which are not `Hash`; their Debug text is an exact key.
    let mut seen: HashMap<String, petgraph::stable_graph::NodeIndex> = HashMap::new();
    let mut merged = 0;
    for n in order {
        let node = r.node(n);
        if matches!(node.op, OpKind::Parameter | OpKind::Return) || !node.regions.is_empty() {
            continue;
        }
        let key = format!("{:?}|{:?}|{:?}|{:?}", node.op, node.attrs, node.types, r.operands(n));
        match seen.get(&key) {
            Some(&first) => {
                for result in 0..node.types.len() as u32 {
                    r.replace_all_uses(Value { node: n, result }, Value { node: first, result });
                }
                r.graph.remove_node(n);
                merged += 1;
            }
            None => {
                seen.insert(key, n);
            }
        }
    }
    merged
}
