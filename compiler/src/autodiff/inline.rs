//! Copy a region's ops into another region (used to splice a loop body or its VJP into a
//! new loop body). Regions are isolated from above, so the copy only needs the values to
//! use for the source's parameters.
use kc_ir::{Error, OpKind, Region, Result, Value};
use std::collections::HashMap;

/// Copy every op of `src` except its parameters and `return` into `dst`, with `args[i]`
/// standing for parameter `i`; returns the values `src` returns.
pub fn inline(src: &Region, dst: &mut Region, args: &[Value]) -> Result<Vec<Value>> {
    let params = src.params();
    if params.len() != args.len() {
        return Err(Error::ty(format!("inline: region takes {} parameter(s), given {}", params.len(), args.len())));
    }
    let order = src.order().map_err(|_| Error::ty("inline: the region has a cycle"))?;
    let mut map: HashMap<kc_ir::NodeIndex, kc_ir::NodeIndex> = HashMap::new();
    let mut param_of: HashMap<kc_ir::NodeIndex, Value> = HashMap::new();
    for (p, a) in params.iter().zip(args) {
        param_of.insert(*p, *a);
    }
    let lookup = |map: &HashMap<_, _>, v: Value| -> Value {
        match param_of.get(&v.node) {
            Some(a) => *a,
            None => Value { node: map[&v.node], result: v.result },
        }
    };
    let mut results = Vec::new();
    for n in order {
        let node = src.node(n);
        match node.op {
            OpKind::Parameter => {}
            OpKind::Return => results = src.operands(n).into_iter().map(|v| lookup(&map, v)).collect(),
            _ => {
                let operands: Vec<Value> = src.operands(n).into_iter().map(|v| lookup(&map, v)).collect();
                map.insert(n, dst.add_node(node.clone(), &operands));
            }
        }
    }
    Ok(results)
}
