//! The planning graph on which fusion decisions are made: a copy of the region's dataflow
//! in which every cheap node (see [`classify::duplicable`]) with several fusible consumers
//! is split into one copy per consumer. That is XLA's duplication of cheap producers done
//! up front: each copy can then join its own consumer's group, and the rewrite folds the
//! copies whose group is not fused back into one node. Expensive nodes are never split,
//! so never computed twice.
use super::classify::{self, Role};
use kc_ir::{NodeIndex, Region};
use std::collections::HashMap;

/// A planning-graph node: an original node or a copy of a cheap one.
pub type V = usize;

#[derive(Clone, Debug)]
pub struct Vnode {
    /// The node of the region this computes (copies share it with the original).
    pub orig: NodeIndex,
    pub role: Role,
    /// Operand slots in order: (producer, result index).
    pub inputs: Vec<(V, u32)>,
    /// Distinct consumers.
    pub users: Vec<V>,
    /// The original's position in program order (copies share it).
    pub pos: usize,
    /// An original all of whose uses went to copies: it is no longer computed.
    pub removed: bool,
}

pub struct Graph {
    pub v: Vec<Vnode>,
}

impl Graph {
    /// The planning graph of `r`; `None` when `r` has a cycle (it would not verify).
    pub fn build(r: &Region) -> Option<Graph> {
        let order = r.order().ok()?;
        let id: HashMap<NodeIndex, V> = order.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let mut v: Vec<Vnode> = order
            .iter()
            .enumerate()
            .map(|(pos, &n)| Vnode { orig: n, role: classify::role(r, n), inputs: Vec::new(), users: Vec::new(), pos, removed: false })
            .collect();
        for (i, &n) in order.iter().enumerate() {
            let inputs: Vec<(V, u32)> = r.operands(n).iter().map(|val| (id[&val.node], val.result)).collect();
            for &(p, _) in &inputs {
                if !v[p].users.contains(&i) {
                    v[p].users.push(i);
                }
            }
            v[i].inputs = inputs;
        }
        let mut g = Graph { v };
        // Consumers first, so that copies made for a consumer's copies are split in turn.
        for i in (0..order.len()).rev() {
            if classify::duplicable(r, order[i]) {
                g.split(i);
            }
        }
        Some(g)
    }

    /// Give each fusible consumer of `x` its own copy of `x`. The original keeps the
    /// other consumers, and is removed when none are left.
    fn split(&mut self, x: V) {
        let fusible: Vec<V> = self.v[x].users.iter().copied().filter(|&u| self.v[u].role != Role::Opaque).collect();
        let others = self.v[x].users.len() - fusible.len();
        if fusible.len() + usize::from(others > 0) < 2 {
            return; // one consumer: it can take `x` itself
        }
        for u in fusible {
            let c = self.v.len();
            let copy = Vnode { users: vec![u], ..self.v[x].clone() };
            for &(p, _) in &copy.inputs {
                if !self.v[p].users.contains(&c) {
                    self.v[p].users.push(c);
                }
            }
            self.v.push(copy);
            for input in &mut self.v[u].inputs {
                if input.0 == x {
                    input.0 = c;
                }
            }
            self.v[x].users.retain(|&w| w != u);
        }
        if self.v[x].users.is_empty() {
            self.v[x].removed = true;
            let producers: Vec<V> = self.v[x].inputs.iter().map(|&(p, _)| p).collect();
            for p in producers {
                self.v[p].users.retain(|&w| w != x);
            }
        }
    }

    /// Live planning nodes in program order (copies next to their originals).
    pub fn program_order(&self) -> Vec<V> {
        let mut order: Vec<V> = (0..self.v.len()).filter(|&i| !self.v[i].removed).collect();
        order.sort_by_key(|&i| (self.v[i].pos, i));
        order
    }
}
