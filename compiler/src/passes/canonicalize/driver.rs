//! The worklist that applies the rules in one region until none fires.
//!
//! Every op starts on the list, in program order. An op is taken off, the rules for its
//! kind are tried in order, and the first that fires replaces it: its uses move to the
//! replacement, it is erased along with whatever only it used, and the replacement and
//! its users go back on the list (they may match now). Regions are isolated, so each is
//! rewritten on its own. A budget on the number of rewrites turns a pair of rules that
//! undo each other into an error instead of a hang.
use super::site::Site;
use super::{rules, Config, Rule};
use kc_ir::{Error, ErrorKind, NodeIndex, OpKind, Region, Result, Value};
use petgraph::Direction;
use std::collections::{BTreeMap, HashSet, VecDeque};

pub fn run_region(r: &mut Region, cfg: &Config, fired: &mut BTreeMap<&'static str, u64>) -> Result<bool> {
    // A region on a cycle does not verify; rewriting it would only hide that.
    let Ok(order) = r.order() else { return Ok(false) };
    let mut queue: VecDeque<NodeIndex> = order.into();
    let mut queued: HashSet<NodeIndex> = queue.iter().copied().collect();
    let limit = 16 * r.graph.node_count() + 1024;
    let mut budget = limit;
    let mut changed = false;
    while let Some(n) = queue.pop_front() {
        queued.remove(&n);
        if !r.graph.contains_node(n) || matches!(r.node(n).op, OpKind::Parameter | OpKind::Return) {
            continue;
        }
        let Some((rule, replacement)) = first_match(r, n, cfg)? else { continue };
        if budget == 0 {
            return Err(Error::new(ErrorKind::Pass, format!("canonicalize does not converge: rule `{}` still fires after {limit} rewrites", rule.name)));
        }
        budget -= 1;
        replace(r, n, &replacement, rule)?;
        *fired.entry(rule.name).or_default() += 1;
        changed = true;
        let mut push = |m: NodeIndex, queue: &mut VecDeque<NodeIndex>| {
            if queued.insert(m) {
                queue.push_back(m);
            }
        };
        for v in &replacement {
            push(v.node, &mut queue);
            let users: Vec<NodeIndex> = r.graph.neighbors_directed(v.node, Direction::Outgoing).collect();
            for u in users {
                push(u, &mut queue);
            }
        }
        erase_dead(r, n);
    }
    Ok(changed)
}

fn first_match(r: &mut Region, n: NodeIndex, cfg: &Config) -> Result<Option<(&'static Rule, Vec<Value>)>> {
    let op = r.node(n).op;
    for rule in rules().filter(|rule| rule.matches(op)) {
        let mut site = Site { r: &mut *r, n, cfg };
        if let Some(replacement) = (rule.apply)(&mut site)? {
            return Ok(Some((rule, replacement)));
        }
    }
    Ok(None)
}

/// Move every use of `n`'s results to `replacement`, after checking that each
/// replacement has exactly the type of the result it stands for (a rule that breaks this
/// is a bug, reported rather than written into the IR).
fn replace(r: &mut Region, n: NodeIndex, replacement: &[Value], rule: &Rule) -> Result<()> {
    let types = r.node(n).types.clone();
    let op = r.node(n).op;
    let bug = |what: String| Error::new(ErrorKind::Pass, format!("canonicalize rule `{}` on `{op}` (node {}): {what}", rule.name, n.index()));
    if replacement.len() != types.len() {
        return Err(bug(format!("gave {} values for {} results", replacement.len(), types.len())));
    }
    for (i, (v, want)) in replacement.iter().zip(&types).enumerate() {
        let got = r.graph.node_weight(v.node).and_then(|node| node.types.get(v.result as usize));
        if got != Some(want) || v.node == n {
            let got = got.map_or("nothing".to_string(), |t| t.to_string());
            return Err(bug(format!("replaced result {i} of type {want} with a value of type {got}")));
        }
    }
    for (i, v) in replacement.iter().enumerate() {
        r.replace_all_uses(Value { node: n, result: i as u32 }, *v);
    }
    Ok(())
}

/// Erase `n` if nothing uses it, then the ops that only it used, and so on upward.
/// Parameters stay (they are the signature), and so does `return`.
fn erase_dead(r: &mut Region, n: NodeIndex) {
    let mut stack = vec![n];
    while let Some(m) = stack.pop() {
        let Some(node) = r.graph.node_weight(m) else { continue };
        if matches!(node.op, OpKind::Parameter | OpKind::Return) || r.use_count(m) > 0 {
            continue;
        }
        stack.extend(r.graph.neighbors_directed(m, Direction::Incoming));
        r.graph.remove_node(m);
    }
}
