//! Functions, regions and nodes. A region's body is a petgraph `StableDiGraph` whose
//! nodes are ops and whose edges carry values from a producer's result to a consumer's
//! operand slot. Regions are isolated from above: a `while` body sees only its own
//! parameters, which keeps every region a self-contained function.
//!
//! Program order is derived, not stored: [`Region::order`] is the topological order that
//! prefers lower node indices, so a freshly parsed or built region prints in the order it
//! was written.
use crate::attr::{Attr, Attrs};
use crate::op::OpKind;
use crate::shape::TensorType;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use serde::{Deserialize, Serialize};
use std::collections::{BinaryHeap, HashMap};
use std::cmp::Reverse;

/// Where a node came from in `.kir` text (1-based line and column, byte span).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Loc {
    pub line: usize,
    pub col: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Node {
    pub op: OpKind,
    pub attrs: Attrs,
    /// One type per result.
    pub types: Vec<TensorType>,
    /// Nested regions (`while`: cond, body).
    pub regions: Vec<Region>,
    /// Source position, when parsed; not part of equality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loc: Option<Loc>,
}

impl PartialEq for Node {
    fn eq(&self, other: &Node) -> bool {
        self.op == other.op && self.attrs == other.attrs && self.types == other.types && self.regions == other.regions
    }
}

impl Node {
    pub fn new(op: OpKind, attrs: Attrs, types: Vec<TensorType>) -> Node {
        Node { op, attrs, types, regions: Vec::new(), loc: None }
    }
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.get(name)
    }
}

/// An edge: the producer's result `result` feeds the consumer's operand slot `operand`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Use {
    pub operand: u32,
    pub result: u32,
}

/// An SSA value: result `result` of node `node`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Value {
    pub node: NodeIndex,
    pub result: u32,
}

impl Value {
    pub fn of(node: NodeIndex) -> Value {
        Value { node, result: 0 }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Region {
    pub graph: StableDiGraph<Node, Use>,
}

impl Region {
    pub fn new() -> Region {
        Region::default()
    }

    pub fn node(&self, n: NodeIndex) -> &Node {
        &self.graph[n]
    }
    pub fn node_mut(&mut self, n: NodeIndex) -> &mut Node {
        &mut self.graph[n]
    }

    /// The type of a value. Panics only on a dangling `Value`, which no public API makes.
    pub fn value_type(&self, v: Value) -> &TensorType {
        &self.graph[v.node].types[v.result as usize]
    }

    /// Add a node with its operands in order.
    pub fn add_node(&mut self, node: Node, operands: &[Value]) -> NodeIndex {
        let n = self.graph.add_node(node);
        for (i, v) in operands.iter().enumerate() {
            self.graph.add_edge(v.node, n, Use { operand: i as u32, result: v.result });
        }
        n
    }

    /// Make every use of `from` use `to` instead (the region's `return` included).
    pub fn replace_all_uses(&mut self, from: Value, to: Value) {
        let uses: Vec<_> = self
            .graph
            .edges_directed(from.node, Direction::Outgoing)
            .filter(|e| e.weight().result == from.result)
            .map(|e| (e.id(), e.target(), *e.weight()))
            .collect();
        for (edge, target, w) in uses {
            self.graph.remove_edge(edge);
            self.graph.add_edge(to.node, target, Use { operand: w.operand, result: to.result });
        }
    }

    /// Number of uses of a node's results.
    pub fn use_count(&self, n: NodeIndex) -> usize {
        self.graph.edges_directed(n, Direction::Outgoing).count()
    }

    /// Operands of a node, in slot order.
    pub fn operands(&self, n: NodeIndex) -> Vec<Value> {
        let mut edges: Vec<(u32, Value)> = self
            .graph
            .edges_directed(n, Direction::Incoming)
            .map(|e| (e.weight().operand, Value { node: e.source(), result: e.weight().result }))
            .collect();
        edges.sort_by_key(|(slot, _)| *slot);
        edges.into_iter().map(|(_, v)| v).collect()
    }

    /// Parameter nodes in index order.
    pub fn params(&self) -> Vec<NodeIndex> {
        let mut ps: Vec<(i64, NodeIndex)> = self
            .graph
            .node_indices()
            .filter(|&n| self.graph[n].op == OpKind::Parameter)
            .map(|n| (param_index(&self.graph[n]), n))
            .collect();
        ps.sort();
        ps.into_iter().map(|(_, n)| n).collect()
    }

    pub fn param_types(&self) -> Vec<TensorType> {
        self.params().into_iter().map(|n| self.graph[n].types[0].clone()).collect()
    }

    /// The `return` node, if the region has exactly one.
    pub fn return_node(&self) -> Option<NodeIndex> {
        let mut rets = self.graph.node_indices().filter(|&n| self.graph[n].op == OpKind::Return);
        let first = rets.next()?;
        if rets.next().is_some() {
            return None;
        }
        Some(first)
    }

    /// Types of the values the region returns.
    pub fn result_types(&self) -> Vec<TensorType> {
        match self.return_node() {
            Some(r) => self.operands(r).into_iter().map(|v| self.value_type(v).clone()).collect(),
            None => Vec::new(),
        }
    }

    /// Program order: a topological order that always takes the lowest ready node index,
    /// with `return` last. `Err` names a node on a cycle.
    pub fn order(&self) -> Result<Vec<NodeIndex>, NodeIndex> {
        let mut indegree: HashMap<NodeIndex, usize> = HashMap::new();
        let mut ready = BinaryHeap::new();
        for n in self.graph.node_indices() {
            let d = self.graph.edges_directed(n, Direction::Incoming).count();
            indegree.insert(n, d);
            if d == 0 {
                ready.push(Reverse(sort_key(&self.graph, n)));
            }
        }
        let mut out = Vec::with_capacity(self.graph.node_count());
        while let Some(Reverse((_, _, n))) = ready.pop() {
            out.push(n);
            for e in self.graph.edges_directed(n, Direction::Outgoing) {
                let d = indegree.get_mut(&e.target()).expect("edge target is a node");
                *d -= 1;
                if *d == 0 {
                    ready.push(Reverse(sort_key(&self.graph, e.target())));
                }
            }
        }
        if out.len() != self.graph.node_count() {
            let stuck = self.graph.node_indices().find(|n| indegree[n] > 0).expect("a node is left");
            return Err(stuck);
        }
        Ok(out)
    }

    /// Structural equality: same ops, attributes, types and wiring, compared in program
    /// order, ignoring node indices and source locations.
    pub fn structurally_eq(&self, other: &Region) -> bool {
        let (Ok(a), Ok(b)) = (self.order(), other.order()) else { return false };
        if a.len() != b.len() {
            return false;
        }
        let pos_a: HashMap<NodeIndex, usize> = a.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let pos_b: HashMap<NodeIndex, usize> = b.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        a.iter().zip(&b).all(|(&na, &nb)| {
            let (x, y) = (&self.graph[na], &other.graph[nb]);
            let same_node = x.op == y.op
                && x.attrs == y.attrs
                && x.types == y.types
                && x.regions.len() == y.regions.len()
                && x.regions.iter().zip(&y.regions).all(|(r, s)| r.structurally_eq(s));
            let ops_a: Vec<_> = self.operands(na).iter().map(|v| (pos_a[&v.node], v.result)).collect();
            let ops_b: Vec<_> = other.operands(nb).iter().map(|v| (pos_b[&v.node], v.result)).collect();
            same_node && ops_a == ops_b
        })
    }
}

impl PartialEq for Region {
    fn eq(&self, other: &Region) -> bool {
        self.structurally_eq(other)
    }
}

/// Parameters first (by index), `return` last, everything else by node index.
fn sort_key(g: &StableDiGraph<Node, Use>, n: NodeIndex) -> (u8, i64, NodeIndex) {
    match g[n].op {
        OpKind::Parameter => (0, param_index(&g[n]), n),
        OpKind::Return => (2, 0, n),
        _ => (1, 0, n),
    }
}

fn param_index(node: &Node) -> i64 {
    match node.attrs.get("index") {
        Some(Attr::Int(i)) => *i,
        _ => i64::MAX,
    }
}

/// A named function: its body region's parameters are its arguments, its `return` its results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Func {
    pub name: String,
    pub body: Region,
}

/// A set of named functions; names are unique (the verifier checks).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Module {
    pub funcs: Vec<Func>,
}

impl Module {
    pub fn new() -> Module {
        Module::default()
    }
    pub fn func(&self, name: &str) -> Option<&Func> {
        self.funcs.iter().find(|f| f.name == name)
    }
    pub fn func_mut(&mut self, name: &str) -> Option<&mut Func> {
        self.funcs.iter_mut().find(|f| f.name == name)
    }
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("modules always serialise")
    }
    pub fn from_json(s: &str) -> Result<Module, serde_json::Error> {
        serde_json::from_str(s)
    }
}
