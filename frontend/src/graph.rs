//! Tracing: a `Graph` records ops applied to symbolic tensors into a kc IR region. Its
//! parameters are the declared inputs plus every variable the traced code read (captured
//! on first use, in order), so finishing a trace yields a function and a list saying what
//! each parameter is.
use crate::error::Result;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::{Attrs, Func, OpKind, Region, TensorType, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// What a traced function's parameter stands for.
#[derive(Clone, Debug)]
pub enum ParamSource {
    Input(String),
    Variable(Variable),
}

/// One step of a Functional model, recorded while it is defined on `Input` tensors: a
/// layer call, or an op applied directly to symbolic tensors (`ops::add(&a, &b)`).
#[derive(Clone)]
pub(crate) enum FNode {
    Layer { layer: crate::layers::Shared, inputs: Vec<Value>, outputs: Vec<Value> },
    Op { op: OpKind, attrs: Attrs, declared: Vec<TensorType>, inputs: Vec<Value>, outputs: Vec<Value> },
}

impl FNode {
    pub(crate) fn outputs(&self) -> &[Value] {
        match self {
            FNode::Layer { outputs, .. } | FNode::Op { outputs, .. } => outputs,
        }
    }
    pub(crate) fn inputs(&self) -> &[Value] {
        match self {
            FNode::Layer { inputs, .. } | FNode::Op { inputs, .. } => inputs,
        }
    }
}

#[derive(Default)]
struct Inner {
    region: Region,
    sources: Vec<ParamSource>,
    captured: HashMap<u64, Value>,
    names: std::collections::HashSet<String>,
    /// The name each `input` asked for, before it was made unique: an `Input`'s own
    /// (Keras) name, which a summary shows even when the shared functional graph had to
    /// rename its parameter (two models built after `clear_session` both have an
    /// `input_layer`).
    labels: HashMap<Value, String>,
    /// A functional graph (the one `Input` tensors live in) records its steps.
    functional: bool,
    /// Inside a layer call, ops belong to the layer and are not recorded.
    depth: usize,
    nodes: Vec<FNode>,
}

impl Inner {
    /// Parameter names are unique within a function: a repeat gets a numeric suffix.
    fn unique(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut k = 1;
        while !self.names.insert(name.clone()) {
            name = format!("{base}_{k}");
            k += 1;
        }
        name
    }
}

#[derive(Clone, Default)]
pub struct Graph(Rc<RefCell<Inner>>);

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    pub fn same(&self, other: &Graph) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }

    /// A new symbolic input.
    pub fn input(&self, name: &str, ty: TensorType) -> Tensor {
        let mut g = self.0.borrow_mut();
        let unique = g.unique(&sanitize(name));
        let v = g.region.param(&unique, ty.clone());
        g.labels.insert(v, name.to_string());
        g.sources.push(ParamSource::Input(unique));
        Tensor::symbolic(self.clone(), v, ty)
    }

    /// The parameter standing for `var` in this trace (made on first use).
    pub fn capture(&self, var: &Variable) -> Value {
        let mut g = self.0.borrow_mut();
        if let Some(v) = g.captured.get(&var.id()) {
            return *v;
        }
        let ty = TensorType::known(var.dtype(), &var.shape().iter().map(|&d| d as u64).collect::<Vec<_>>());
        let name = g.unique(&sanitize(&var.path()));
        let v = g.region.param(&name, ty);
        g.sources.push(ParamSource::Variable(var.clone()));
        g.captured.insert(var.id(), v);
        v
    }

    /// A value of this trace as a tensor.
    pub fn tensor(&self, v: Value) -> Tensor {
        Tensor::symbolic(self.clone(), v, self.value_type(v))
    }

    pub fn value_type(&self, v: Value) -> TensorType {
        self.0.borrow().region.value_type(v).clone()
    }

    /// Add an op; `declared` for ops whose result type is given (reshape, convert, ...).
    pub fn push(&self, op: OpKind, operands: &[Value], attrs: Attrs, declared: Vec<TensorType>) -> Result<Vec<Value>> {
        let mut g = self.0.borrow_mut();
        let outs = g.region.build(op, operands, attrs.clone(), declared.clone(), Vec::new())?;
        if g.functional && g.depth == 0 {
            g.nodes.push(FNode::Op { op, attrs, declared, inputs: operands.to_vec(), outputs: outs.clone() });
        }
        Ok(outs)
    }

    /// Make this the trace that ops on variables alone are recorded into until the guard
    /// drops. (Ops on symbolic tensors always go to their own trace; an op whose operands
    /// are only variable reads, such as an optimizer's `iterations + 1`, must be traced
    /// too, or the variable's current value would be baked in as a constant.)
    pub fn activate(&self) -> ActiveGuard {
        ACTIVE.with(|a| a.borrow_mut().push(self.clone()));
        ActiveGuard(())
    }

    /// The innermost active trace.
    pub fn current() -> Option<Graph> {
        ACTIVE.with(|a| a.borrow().last().cloned())
    }

    /// The graph `Input` tensors live in: one per thread, so that inputs made separately
    /// can meet in one model (as Keras's symbolic tensors do).
    pub fn functional() -> Graph {
        thread_local! {
            static FUNCTIONAL: Graph = {
                let g = Graph::new();
                g.0.borrow_mut().functional = true;
                g
            };
        }
        FUNCTIONAL.with(|g| g.clone())
    }
    pub(crate) fn is_functional(&self) -> bool {
        self.0.borrow().functional
    }
    pub(crate) fn enter_layer(&self) {
        self.0.borrow_mut().depth += 1;
    }
    pub(crate) fn leave_layer(&self) {
        let mut g = self.0.borrow_mut();
        g.depth = g.depth.saturating_sub(1);
    }
    pub(crate) fn depth(&self) -> usize {
        self.0.borrow().depth
    }
    pub(crate) fn record(&self, node: FNode) {
        self.0.borrow_mut().nodes.push(node);
    }
    pub(crate) fn nodes(&self) -> Vec<FNode> {
        self.0.borrow().nodes.clone()
    }
    /// The name of a parameter (an `Input`'s name, as the `Input` asked for it), or `?`.
    pub(crate) fn param_name(&self, v: Value) -> String {
        let g = self.0.borrow();
        if let Some(l) = g.labels.get(&v) {
            return l.clone();
        }
        match g.region.node(v.node).attrs.get("name") {
            Some(kc_ir::Attr::Str(s)) => s.clone(),
            _ => "?".into(),
        }
    }
    /// The variable a captured parameter stands for.
    pub(crate) fn captured_variable(&self, v: Value) -> Option<Variable> {
        let g = self.0.borrow();
        let params = g.region.params();
        let i = params.iter().position(|p| *p == v.node)?;
        match g.sources.get(i)? {
            ParamSource::Variable(var) => Some(var.clone()),
            ParamSource::Input(_) => None,
        }
    }

    /// How many parameters the trace has so far (inputs and captured variables).
    pub(crate) fn param_count(&self) -> usize {
        self.0.borrow().sources.len()
    }
    /// The variables captured so far, in parameter order.
    pub(crate) fn captured_variables(&self) -> Vec<Variable> {
        self.0.borrow().sources.iter().filter_map(|s| match s {
            ParamSource::Variable(v) => Some(v.clone()),
            ParamSource::Input(_) => None,
        }).collect()
    }

    /// Add an op with regions (`while`).
    pub fn push_with_regions(&self, op: OpKind, operands: &[Value], attrs: Attrs, regions: Vec<Region>) -> Result<Vec<Value>> {
        Ok(self.0.borrow_mut().region.build(op, operands, attrs, Vec::new(), regions)?)
    }

    /// Splice a function's body in, with `args` for its parameters; returns its results.
    pub fn inline(&self, f: &Func, args: &[Value]) -> Result<Vec<Value>> {
        Ok(kc_compiler::autodiff::inline(&f.body, &mut self.0.borrow_mut().region, args)?)
    }

    /// End the trace: a function returning `outputs`, and what each parameter is.
    pub fn finish(&self, name: &str, outputs: &[Tensor]) -> Result<(Func, Vec<ParamSource>)> {
        let vals: Vec<Value> = outputs.iter().map(|t| t.in_graph(self)).collect::<Result<_>>()?;
        let mut g = self.0.borrow_mut();
        let mut region = std::mem::take(&mut g.region);
        region.ret(&vals);
        let sources = std::mem::take(&mut g.sources);
        g.captured.clear();
        g.names.clear();
        Ok((Func { name: name.to_string(), body: region }, sources))
    }
}

thread_local! {
    static ACTIVE: RefCell<Vec<Graph>> = const { RefCell::new(Vec::new()) };
}

/// Ends a [`Graph::activate`] scope.
pub struct ActiveGuard(());

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        ACTIVE.with(|a| {
            a.borrow_mut().pop();
        });
    }
}

/// Parameter names must be IR identifiers: `dense/kernel` -> `dense_kernel`.
fn sanitize(path: &str) -> String {
    let s: String = path.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) || s.is_empty() {
        format!("v_{s}")
    } else {
        s
    }
}
