//! Control flow: `while` becomes `stablehlo.while` with kc's two regions as its `cond`
//! and `body`; `fusion` is emitted unfused — its body inline on its operands — because
//! XLA makes its own fusion decisions.
use super::text::{Writer, V};
use super::{region_body, result_types, Result};
use kc_ir::Node;

pub fn while_loop(w: &mut Writer, node: &Node, ops: &[V]) -> Result<Vec<V>> {
    let tys = result_types(node)?;
    let cond = w.region(&tys, |w, args| region_body(w, &node.regions[0], &args))?;
    let body = w.region(&tys, |w, args| region_body(w, &node.regions[1], &args))?;
    let refs: Vec<&V> = ops.iter().collect();
    Ok(w.op_full("stablehlo.while", &refs, &[cond, body], &[], &tys))
}

pub fn fusion(w: &mut Writer, node: &Node, ops: &[V]) -> Result<Vec<V>> {
    region_body(w, &node.regions[0], ops)
}
