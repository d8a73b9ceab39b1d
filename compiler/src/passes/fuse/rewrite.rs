//! Turning the chosen groups into `fusion` ops: the region is rebuilt in a topological
//! order of its new items (each fusion, and each node left outside), so that it prints in
//! the order of the original program.
//!
//! Copies of a cheap node that ended up outside every fusion are the same computation;
//! they are folded back into one node. In principle folding could join two paths into a
//! cycle that the planning graph did not have; then the copies are kept apart instead,
//! which is exactly the planning graph and so acyclic.
use super::classify::Role;
use super::plan::{Graph, V};
use kc_ir::{attrs, Attr, Error, ErrorKind, NodeIndex, OpKind, Region, Result, Value};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// What one rewrite made.
pub struct Rewritten {
    pub region: Region,
    pub fusions: usize,
    /// Ops placed in fusion bodies (copies included).
    pub fused_ops: usize,
}

fn internal(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Pass, format!("fuse: internal error: {}", msg.into()))
}

/// A node of the rewritten region: a fusion (index into the groups) or a node kept outside,
/// named by the planning node it is cloned from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Item {
    Fusion(usize),
    Node(V),
}

pub fn rewrite(r: &Region, g: &Graph, groups: &[Vec<V>]) -> Result<Rewritten> {
    for fold in [true, false] {
        let items = Items::new(g, groups, fold);
        if let Some(order) = items.topological_order() {
            return items.build(r, groups, &order);
        }
    }
    Err(internal("the fused region has a cycle"))
}

struct Items<'g> {
    g: &'g Graph,
    /// The item computing each live planning node.
    item: Vec<Option<Item>>,
    /// Where each item sits in program order, for a stable, readable result.
    key: HashMap<Item, (usize, V)>,
    /// The planning nodes each item outside the fusions stands for.
    folded: HashMap<Item, Vec<V>>,
}

impl<'g> Items<'g> {
    fn new(g: &'g Graph, groups: &[Vec<V>], fold: bool) -> Items<'g> {
        let mut item = vec![None; g.v.len()];
        let mut key = HashMap::new();
        for (i, members) in groups.iter().enumerate() {
            for &x in members {
                item[x] = Some(Item::Fusion(i));
            }
            if let Some(&first) = members.first() {
                key.insert(Item::Fusion(i), (g.v[first].pos, first));
            }
        }
        // With folding, every outside copy of a node is represented by the first of them.
        let mut first_of: HashMap<NodeIndex, V> = HashMap::new();
        let mut folded: HashMap<Item, Vec<V>> = HashMap::new();
        for x in g.program_order() {
            if item[x].is_some() {
                continue;
            }
            let rep = if fold { *first_of.entry(g.v[x].orig).or_insert(x) } else { x };
            item[x] = Some(Item::Node(rep));
            key.entry(Item::Node(rep)).or_insert((g.v[rep].pos, rep));
            folded.entry(Item::Node(rep)).or_default().push(x);
        }
        Items { g, item, key, folded }
    }

    /// Kahn's algorithm, taking the earliest ready item in program order; `None` on a cycle.
    fn topological_order(&self) -> Option<Vec<Item>> {
        let mut succ: HashMap<Item, Vec<Item>> = HashMap::new();
        let mut indegree: HashMap<Item, usize> = self.key.keys().map(|&i| (i, 0)).collect();
        for x in self.g.program_order() {
            let to = self.item[x]?;
            for &(p, _) in &self.g.v[x].inputs {
                let from = self.item[p]?;
                if from != to {
                    succ.entry(from).or_default().push(to);
                    *indegree.get_mut(&to)? += 1;
                }
            }
        }
        let mut ready: BinaryHeap<Reverse<((usize, V), Item)>> =
            indegree.iter().filter(|(_, &d)| d == 0).map(|(&i, _)| Reverse((self.key[&i], i))).collect();
        let mut out = Vec::with_capacity(indegree.len());
        while let Some(Reverse((_, i))) = ready.pop() {
            out.push(i);
            for &s in succ.get(&i).map(Vec::as_slice).unwrap_or_default() {
                let d = indegree.get_mut(&s)?;
                *d -= 1;
                if *d == 0 {
                    ready.push(Reverse((self.key[&s], s)));
                }
            }
        }
        (out.len() == indegree.len()).then_some(out)
    }

    fn build(&self, r: &Region, groups: &[Vec<V>], order: &[Item]) -> Result<Rewritten> {
        let mut out = Rewritten { region: Region::new(), fusions: 0, fused_ops: 0 };
        // The value each planning node's result has in the new region.
        let mut value: HashMap<(V, u32), Value> = HashMap::new();
        for &it in order {
            match it {
                Item::Node(x) => {
                    let operands = self.g.v[x].inputs.iter().map(|k| lookup(&value, k)).collect::<Result<Vec<_>>>()?;
                    let node = r.node(self.g.v[x].orig).clone();
                    let results = node.types.len() as u32;
                    let n = out.region.add_node(node, &operands);
                    // Every folded copy reads as this node.
                    for &y in self.folded.get(&it).map(Vec::as_slice).unwrap_or_default() {
                        for result in 0..results {
                            value.insert((y, result), Value { node: n, result });
                        }
                    }
                }
                Item::Fusion(i) => {
                    let members = &groups[i];
                    let (inputs, body, exports, ops) = self.body(r, members)?;
                    let operands = inputs.iter().map(|k| lookup(&value, k)).collect::<Result<Vec<_>>>()?;
                    let root_is_reduce = exports.iter().any(|&(x, _)| self.g.v[x].role == Role::Reduce);
                    let kind = if root_is_reduce { "input" } else { "loop" };
                    let results = out
                        .region
                        .build(OpKind::Fusion, &operands, attrs(&[("kind", Attr::Sym(kind.into()))]), Vec::new(), vec![body])
                        .map_err(|e| internal(format!("a fusion does not type-check: {e}")))?;
                    for (k, v) in exports.into_iter().zip(results) {
                        value.insert(k, v);
                    }
                    out.fusions += 1;
                    out.fused_ops += ops;
                }
            }
        }
        Ok(out)
    }

    /// The body of the fusion of `members`: the outside values it reads (its operands, in
    /// order of first use), the region, the values it returns, and its op count.
    #[allow(clippy::type_complexity)]
    fn body(&self, r: &Region, members: &[V]) -> Result<(Vec<(V, u32)>, Region, Vec<(V, u32)>, usize)> {
        let inside = |x: V| self.item[x] == self.item[members[0]];
        let mut body = Region::new();
        let mut inputs: Vec<(V, u32)> = Vec::new();
        let mut params: HashMap<(V, u32), Value> = HashMap::new();
        let mut inner: HashMap<(V, u32), Value> = HashMap::new();
        // Copies of one node that meet in one fusion are computed once.
        let mut made: HashMap<(NodeIndex, Vec<Value>), NodeIndex> = HashMap::new();
        for &x in members {
            let mut operands = Vec::new();
            for &k in &self.g.v[x].inputs {
                let v = if inside(k.0) {
                    lookup(&inner, &k)?
                } else if let Some(&p) = params.get(&k) {
                    p
                } else {
                    let ty = r.node(self.g.v[k.0].orig).types.get(k.1 as usize).cloned().ok_or_else(|| internal("operand result out of range"))?;
                    let p = body.param(&format!("p{}", inputs.len()), ty);
                    inputs.push(k);
                    params.insert(k, p);
                    p
                };
                operands.push(v);
            }
            let orig = self.g.v[x].orig;
            let n = match made.get(&(orig, operands.clone())) {
                Some(&n) => n,
                None => {
                    let n = body.add_node(r.node(orig).clone(), &operands);
                    made.insert((orig, operands), n);
                    n
                }
            };
            for result in 0..r.node(orig).types.len() as u32 {
                inner.insert((x, result), Value { node: n, result });
            }
        }
        // A member's result leaves the fusion when a consumer outside reads it.
        let mut exports: Vec<(V, u32)> = Vec::new();
        for &x in members {
            for &u in self.g.v[x].users.iter().filter(|&&u| !inside(u)) {
                for &k in self.g.v[u].inputs.iter().filter(|k| k.0 == x) {
                    if !exports.contains(&k) {
                        exports.push(k);
                    }
                }
            }
        }
        exports.sort_by_key(|&(x, res)| (self.g.v[x].pos, x, res));
        let returned = exports.iter().map(|k| lookup(&inner, k)).collect::<Result<Vec<_>>>()?;
        body.ret(&returned);
        Ok((inputs, body, exports, made.len()))
    }
}

fn lookup(map: &HashMap<(V, u32), Value>, k: &(V, u32)) -> Result<Value> {
    map.get(k).copied().ok_or_else(|| internal(format!("planning node {} result {} has no value yet", k.0, k.1)))
}
