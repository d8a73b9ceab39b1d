//! Deciding what to fuse.
//!
//! The decisions are made on a *planning graph*, a copy of the region's dataflow in which
//! every cheap node (see [`classify::duplicable`]) with several fusible consumers is split
//! into one copy per consumer. That is XLA's duplication of cheap producers done up front:
//! each copy can then join its own consumer's group, and the rewrite drops the copies
//! whose group is not fused again. Expensive nodes are never split, so never computed twice.
//!
//! Groups grow consumers first (reverse program order), as in XLA's instruction fusion:
//! each node of a group pulls in its producers when
//! - every consumer of the producer is in a group: the producer and all those groups
//!   become one group (nothing is exported, nothing duplicated); or
//! - otherwise, with multi-output fusion on, the producer joins the consumer's group and
//!   its value becomes an extra result of the fusion for the consumers outside.
//!
//! A group is only ever changed into one that is still valid: at most `max_ops` nodes, at
//! most one `reduce`, no member consuming a `reduce` member (a reduce is a root), and no
//! cycle: no path may leave the group and come back into it, counting every other group
//! as one node (it will be one `fusion` op).
use super::classify::{self, Role};
use kc_ir::{NodeIndex, Region};
use std::collections::{BTreeSet, HashMap, HashSet};

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

/// Options of the grouping.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most planning nodes one fusion may hold.
    pub max_ops: usize,
    /// Whether a value used inside and outside a fusion may become an extra result.
    pub multi_output: bool,
}

/// The groups found: each a set of planning nodes to become one fusion.
pub struct Grouping<'g> {
    g: &'g Graph,
    limits: Limits,
    of: Vec<Option<usize>>,
    members: Vec<BTreeSet<V>>,
}

impl<'g> Grouping<'g> {
    pub fn run(g: &'g Graph, limits: Limits) -> Grouping<'g> {
        let mut s = Grouping { g, limits, of: vec![None; g.v.len()], members: Vec::new() };
        for x in g.program_order().into_iter().rev() {
            // Constants are copied into their consumers' groups, never grow groups of their own.
            if matches!(g.v[x].role, Role::Opaque | Role::SmallConstant) {
                continue;
            }
            if s.of[x].is_none() {
                s.of[x] = Some(s.members.len());
                s.members.push(BTreeSet::from([x]));
            }
            let mut producers: Vec<V> = g.v[x].inputs.iter().map(|&(p, _)| p).collect();
            producers.dedup();
            for p in producers {
                s.consider(p, x);
            }
        }
        s
    }

    /// Try to fuse producer `p` into the group of its consumer `x`.
    fn consider(&mut self, p: V, x: V) {
        let Some(g) = self.of[x] else { return };
        if matches!(self.g.v[p].role, Role::Opaque | Role::Reduce) {
            return;
        }
        match self.of[p] {
            Some(h) if h == g => return,
            Some(h) => {
                self.try_merge(&[g, h], None);
                return;
            }
            None => {}
        }
        let user_groups: Option<BTreeSet<usize>> = self.g.v[p].users.iter().map(|&u| self.of[u]).collect();
        if let Some(groups) = user_groups {
            if self.try_merge(&groups.into_iter().collect::<Vec<_>>(), Some(p)) {
                return;
            }
        }
        if self.limits.multi_output {
            self.try_merge(&[g], Some(p));
        }
    }

    /// Merge `groups` (and `extra`) into the first of them if the result is valid.
    fn try_merge(&mut self, groups: &[usize], extra: Option<V>) -> bool {
        let mut s: BTreeSet<V> = groups.iter().flat_map(|&g| self.members[g].iter().copied()).collect();
        s.extend(extra);
        if !self.valid(&s) {
            return false;
        }
        let target = groups[0];
        for &x in &s {
            self.of[x] = Some(target);
        }
        for &g in &groups[1..] {
            self.members[g].clear();
        }
        self.members[target] = s;
        true
    }

    fn valid(&self, s: &BTreeSet<V>) -> bool {
        if s.len() > self.limits.max_ops {
            return false;
        }
        let reduces: Vec<V> = s.iter().copied().filter(|&x| self.g.v[x].role == Role::Reduce).collect();
        if reduces.len() > 1 || reduces.iter().any(|&r| self.g.v[r].users.iter().any(|u| s.contains(u))) {
            return false;
        }
        !self.leaves_and_returns(s)
    }

    /// Whether some path leaves `s` and comes back into it, every other group counting as
    /// one node. That path would make the fusion of `s` (transitively) use its own results.
    fn leaves_and_returns(&self, s: &BTreeSet<V>) -> bool {
        let mut seen: HashSet<V> = HashSet::new();
        let mut stack: Vec<V> = s.iter().flat_map(|&x| self.g.v[x].users.iter().copied()).filter(|u| !s.contains(u)).collect();
        while let Some(y) = stack.pop() {
            if !seen.insert(y) {
                continue;
            }
            // Everything in y's group is reached together with y.
            let whole: Vec<V> = match self.of[y] {
                Some(h) => self.members[h].iter().copied().collect(),
                None => vec![y],
            };
            for z in whole {
                seen.insert(z);
                for &u in &self.g.v[z].users {
                    if s.contains(&u) {
                        return true;
                    }
                    if !seen.contains(&u) {
                        stack.push(u);
                    }
                }
            }
        }
        false
    }

    /// The groups worth a fusion, each in program order: at least two ops that are not
    /// constants (a single op gains nothing from being wrapped), and at least one value
    /// used outside (a group nobody reads is dead code, left for `dce`).
    pub fn fusions(&self) -> Vec<Vec<V>> {
        let mut out = Vec::new();
        for s in &self.members {
            let work: BTreeSet<NodeIndex> =
                s.iter().filter(|&&x| self.g.v[x].role != Role::SmallConstant).map(|&x| self.g.v[x].orig).collect();
            let read_outside = s.iter().any(|&x| self.g.v[x].users.iter().any(|u| !s.contains(u)));
            if work.len() >= 2 && read_outside {
                let mut m: Vec<V> = s.iter().copied().collect();
                m.sort_by_key(|&x| (self.g.v[x].pos, x));
                out.push(m);
            }
        }
        out.sort_by_key(|m| m.first().map(|&x| (self.g.v[x].pos, x)));
        out
    }
}
