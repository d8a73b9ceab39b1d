//! Building regions in code: the API the frontend's tracer and the passes use. Every op
//! goes through its type rule, so a built graph is well typed by construction.
use crate::attr::{check_and_fill, Attr, Attrs};
use crate::error::Result;
use crate::graph::{Node, Region, Value};
use crate::infer::infer;
use crate::op::OpKind;
use crate::shape::TensorType;
use petgraph::stable_graph::NodeIndex;

impl Region {
    /// Add the next parameter (its index is the number of parameters so far).
    pub fn param(&mut self, name: &str, ty: TensorType) -> Value {
        let index = self.params().len() as i64;
        let attrs = crate::attr::attrs(&[("index", Attr::Int(index)), ("name", Attr::Str(name.to_string()))]);
        Value::of(self.add_node(Node::new(OpKind::Parameter, attrs, vec![ty]), &[]))
    }

    /// Add an op whose result types follow from its operands and attributes; returns its results.
    pub fn push(&mut self, op: OpKind, operands: &[Value], attrs: Attrs) -> Result<Vec<Value>> {
        self.build(op, operands, attrs, Vec::new(), Vec::new())
    }

    /// Add a single-result op and return that result.
    pub fn push1(&mut self, op: OpKind, operands: &[Value], attrs: Attrs) -> Result<Value> {
        Ok(self.push(op, operands, attrs)?[0])
    }

    /// Add an op that takes its result type from the caller (reshape, convert, iota, ...).
    pub fn push_typed(&mut self, op: OpKind, operands: &[Value], attrs: Attrs, ty: TensorType) -> Result<Value> {
        Ok(self.build(op, operands, attrs, vec![ty], Vec::new())?[0])
    }

    /// The general form: declared result types (empty when the op infers them) and regions.
    pub fn build(
        &mut self,
        op: OpKind,
        operands: &[Value],
        mut attrs: Attrs,
        declared: Vec<TensorType>,
        regions: Vec<Region>,
    ) -> Result<Vec<Value>> {
        check_and_fill(op, &mut attrs).map_err(|e| e.context(op))?;
        let operand_types: Vec<TensorType> = operands.iter().map(|v| self.value_type(*v).clone()).collect();
        let types = infer(op, &operand_types, &attrs, &declared, &regions).map_err(|e| e.context(op))?;
        let n = types.len();
        let mut node = Node::new(op, attrs, types);
        node.regions = regions;
        let idx = self.add_node(node, operands);
        Ok((0..n as u32).map(|result| Value { node: idx, result }).collect())
    }

    /// End the region: its results are `values`.
    pub fn ret(&mut self, values: &[Value]) -> NodeIndex {
        self.add_node(Node::new(OpKind::Return, Attrs::new(), Vec::new()), values)
    }
}
