//! What the fuser may do with each op, as data: a role per op family, a few named ops,
//! and the list of elementwise ops too costly to compute twice.
use kc_ir::op::Family;
use kc_ir::{Attr, NodeIndex, OpKind, Region};

/// How an op takes part in fusion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Never fused: stays outside every fusion (parameters, `return`, contractions,
    /// gathers, sorts, control flow, `iota`, constants bigger than [`SMALL_CONSTANT`], ...).
    Opaque,
    /// One output element from the same element of each input, up to an index map
    /// (elementwise ops, `broadcast_in_dim`, `reshape`): the ops of a loop fusion.
    Elementwise,
    /// `reduce`: fuses with the ops computing its input and is then the fusion's root. It
    /// is never fused into its consumers, which would recompute the reduction per element.
    Reduce,
    /// A constant small enough to copy into every fusion that uses it.
    SmallConstant,
}

/// Constants with at most this many stored values (a splat stores one) are copied into
/// fusions; bigger ones stay outside and are passed in as operands.
pub const SMALL_CONSTANT: usize = 16;

/// Movement ops that are pure index maps (a reshape is a bitcast in row-major order):
/// fusible, and free to recompute.
const INDEX_MAPS: &[OpKind] = &[OpKind::BroadcastInDim, OpKind::Reshape];

/// Elementwise ops whose cost (a transcendental function, a division) makes computing
/// them twice a real loss; the others are a few instructions each. This is XLA's
/// "expensive instruction" notion.
const EXPENSIVE: &[OpKind] = &[
    OpKind::Exp,
    OpKind::Expm1,
    OpKind::Log,
    OpKind::Log1p,
    OpKind::Sqrt,
    OpKind::Rsqrt,
    OpKind::Tanh,
    OpKind::Logistic,
    OpKind::Sin,
    OpKind::Cos,
    OpKind::Tan,
    OpKind::Erf,
    OpKind::Div,
    OpKind::Rem,
    OpKind::Pow,
    OpKind::Atan2,
];

/// The role of node `n` of `r`.
pub fn role(r: &Region, n: NodeIndex) -> Role {
    let node = r.node(n);
    let op = node.op;
    match op.info().family {
        Family::Unary | Family::Binary | Family::Ternary => Role::Elementwise,
        _ if INDEX_MAPS.contains(&op) => Role::Elementwise,
        _ if op == OpKind::Reduce => Role::Reduce,
        _ if op == OpKind::Constant && small(node.attrs.get("value")) => Role::SmallConstant,
        _ => Role::Opaque,
    }
}

fn small(value: Option<&Attr>) -> bool {
    matches!(value, Some(Attr::Literal(data)) if data.len() <= SMALL_CONSTANT)
}

/// Whether node `n` is cheap enough to copy into each fusion that consumes it, rather
/// than computing it once and passing it in: small constants, index maps, and cheap unary
/// ops applied directly to a region parameter (so that copying them copies nothing else).
pub fn duplicable(r: &Region, n: NodeIndex) -> bool {
    let node = r.node(n);
    match role(r, n) {
        Role::SmallConstant => true,
        Role::Elementwise if INDEX_MAPS.contains(&node.op) => true,
        Role::Elementwise if node.op.info().family == Family::Unary && !EXPENSIVE.contains(&node.op) => {
            r.operands(n).iter().all(|v| r.node(v.node).op == OpKind::Parameter)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expensive_ops_are_elementwise() {
        // The list only matters for ops the fuser treats as elementwise.
        for op in EXPENSIVE {
            assert!(matches!(op.info().family, Family::Unary | Family::Binary), "{op}");
        }
    }
}
