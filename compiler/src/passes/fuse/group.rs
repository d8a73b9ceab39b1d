//! Choosing the groups that become fusions, on the planning graph.
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
//! cycle in the graph whose nodes are the groups and the ungrouped nodes (each group will
//! be one `fusion` op).
//!
//! Cycles are found with a topological order of that graph, kept up to date as groups
//! merge (Pearce and Kelly's dynamic topological sort): merging units whose order numbers
//! span `lo..=hi` makes a cycle exactly when a path leaves them and comes back, and every
//! node on such a path is numbered between `lo` and `hi`. So the search looks only there,
//! not at everything downstream, and afterwards the nodes it found are renumbered around
//! the merged group.
use super::classify::Role;
use super::plan::{Graph, V};
use kc_ir::NodeIndex;
use std::collections::{BTreeSet, HashSet};

/// Options of the grouping.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most planning nodes one fusion may hold.
    pub max_ops: usize,
    /// Whether a value used inside and outside a fusion may become an extra result.
    pub multi_output: bool,
}

/// A node of the graph being grouped: a group, or a planning node in none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Unit {
    Group(usize),
    Node(V),
}

pub struct Grouping<'g> {
    g: &'g Graph,
    limits: Limits,
    of: Vec<Option<usize>>,
    members: Vec<BTreeSet<V>>,
    /// A topological numbering of the units: each ungrouped node's and each group's.
    node_ord: Vec<usize>,
    group_ord: Vec<usize>,
}

impl<'g> Grouping<'g> {
    pub fn run(g: &'g Graph, limits: Limits) -> Grouping<'g> {
        let order = g.program_order();
        let mut node_ord = vec![0; g.v.len()];
        for (i, &x) in order.iter().enumerate() {
            node_ord[x] = i;
        }
        let mut s = Grouping { g, limits, of: vec![None; g.v.len()], members: Vec::new(), node_ord, group_ord: Vec::new() };
        for &x in order.iter().rev() {
            // Constants are copied into their consumers' groups, never grow groups of their own.
            if matches!(g.v[x].role, Role::Opaque | Role::SmallConstant) {
                continue;
            }
            if s.of[x].is_none() {
                s.of[x] = Some(s.members.len());
                s.members.push(BTreeSet::from([x]));
                s.group_ord.push(s.node_ord[x]);
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
        let mut units: Vec<Unit> = groups.iter().map(|&g| Unit::Group(g)).collect();
        units.extend(extra.map(Unit::Node));
        let lo = units.iter().map(|&u| self.ord(u)).min().unwrap_or(0);
        let hi = units.iter().map(|&u| self.ord(u)).max().unwrap_or(0);
        let Some(after) = self.search(&s, true, hi) else { return false };
        let Some(before) = self.search(&s, false, lo) else { return false };

        let target = groups[0];
        for &x in &s {
            self.of[x] = Some(target);
        }
        for &g in &groups[1..] {
            self.members[g].clear();
        }
        self.members[target] = s;
        // Renumber: the units that reach the merged group, then it, then the units it
        // reaches, in the slots they had (so everything else keeps a valid order).
        let mut slots: Vec<usize> = units.iter().chain(&after).chain(&before).map(|&u| self.ord(u)).collect();
        slots.sort_unstable();
        let by_ord = |v: &mut Vec<Unit>, s: &Self| v.sort_by_key(|&u| s.ord(u));
        let (mut before, mut after) = (before, after);
        by_ord(&mut before, self);
        by_ord(&mut after, self);
        let top = slots.len() - after.len();
        for (u, &slot) in before.iter().zip(&slots) {
            self.set_ord(*u, slot);
        }
        self.group_ord[target] = slots[before.len()];
        for (u, &slot) in after.iter().zip(&slots[top..]) {
            self.set_ord(*u, slot);
        }
        true
    }

    fn unit(&self, x: V) -> Unit {
        match self.of[x] {
            Some(h) => Unit::Group(h),
            None => Unit::Node(x),
        }
    }

    fn ord(&self, u: Unit) -> usize {
        match u {
            Unit::Group(h) => self.group_ord[h],
            Unit::Node(x) => self.node_ord[x],
        }
    }

    fn set_ord(&mut self, u: Unit, o: usize) {
        match u {
            Unit::Group(h) => self.group_ord[h] = o,
            Unit::Node(x) => self.node_ord[x] = o,
        }
    }

    /// The units outside `s` that `s` reaches (`forward`, numbered at most `limit`) or
    /// that reach `s` (numbered at least `limit`); `None` if such a path comes back into
    /// `s`, i.e. merging `s` would make a cycle.
    fn search(&self, s: &BTreeSet<V>, forward: bool, limit: usize) -> Option<Vec<Unit>> {
        let next = |x: V| -> Vec<V> {
            if forward {
                self.g.v[x].users.clone()
            } else {
                self.g.v[x].inputs.iter().map(|&(p, _)| p).collect()
            }
        };
        let mut stack: Vec<V> = s.iter().flat_map(|&x| next(x)).filter(|y| !s.contains(y)).collect();
        let mut seen: HashSet<Unit> = HashSet::new();
        let mut found = Vec::new();
        while let Some(y) = stack.pop() {
            let u = self.unit(y);
            let inside = if forward { self.ord(u) <= limit } else { self.ord(u) >= limit };
            if !inside || !seen.insert(u) {
                continue;
            }
            found.push(u);
            let whole: Vec<V> = match u {
                Unit::Group(h) => self.members[h].iter().copied().collect(),
                Unit::Node(x) => vec![x],
            };
            for z in whole {
                for w in next(z) {
                    if s.contains(&w) {
                        return None;
                    }
                    stack.push(w);
                }
            }
        }
        Some(found)
    }

    fn valid(&self, s: &BTreeSet<V>) -> bool {
        if s.len() > self.limits.max_ops {
            return false;
        }
        let reduces: Vec<V> = s.iter().copied().filter(|&x| self.g.v[x].role == Role::Reduce).collect();
        !(reduces.len() > 1 || reduces.iter().any(|&r| self.g.v[r].users.iter().any(|u| s.contains(u))))
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

#[cfg(test)]
mod tests {
    use super::*;
    use kc_ir::{attrs, Attr, DType, OpKind, Region, TensorType, Value};
    use proptest::prelude::*;

    impl Grouping<'_> {
        /// Every edge between two units goes from a lower number to a higher one.
        fn order_is_topological(&self) -> bool {
            (0..self.g.v.len()).filter(|&x| !self.g.v[x].removed).all(|x| {
                self.g.v[x].users.iter().all(|&y| self.unit(x) == self.unit(y) || self.ord(self.unit(x)) < self.ord(self.unit(y)))
            })
        }
    }

    /// A region of elementwise ops and dot_generals on f32[2, 2], each op's operands
    /// drawn from the values so far by `picks`.
    fn region(picks: &[(u8, u16, u16)]) -> Region {
        let t = TensorType::known(DType::F32, &[2, 2]);
        let mut r = Region::new();
        let mut pool: Vec<Value> = vec![r.param("a", t.clone()), r.param("b", t)];
        for &(op, i, j) in picks {
            let (x, y) = (pool[i as usize % pool.len()], pool[j as usize % pool.len()]);
            let v = match op % 4 {
                0 => r.push1(OpKind::Exp, &[x], attrs(&[])),
                1 => r.push1(OpKind::Add, &[x, y], attrs(&[])),
                2 => r.push1(OpKind::Mul, &[x, y], attrs(&[])),
                _ => r.push1(OpKind::DotGeneral, &[x, y], attrs(&[("lhs_contracting", Attr::Ints(vec![1])), ("rhs_contracting", Attr::Ints(vec![0]))])),
            };
            pool.push(v.expect("well typed"));
        }
        r.ret(&pool[pool.len().saturating_sub(3)..]);
        r
    }

    proptest! {
        #[test]
        fn merges_keep_a_topological_order(picks in prop::collection::vec(any::<(u8, u16, u16)>(), 1..60), max_ops in 2usize..8) {
            let r = region(&picks);
            let g = Graph::build(&r).expect("acyclic");
            for multi_output in [true, false] {
                let grouping = Grouping::run(&g, Limits { max_ops, multi_output });
                prop_assert!(grouping.order_is_topological());
            }
        }
    }
}
