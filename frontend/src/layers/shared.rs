//! `Shared`: a layer handle that can be called in several places and held by several
//! models (Keras layers are objects; calling one twice shares its weights). Calling it on
//! the symbolic tensors of `Input`s records the call, which is how a Functional model is
//! defined.
use super::{invoke, CallCtx, Layer};
use crate::error::{Error, Result};
use crate::graph::FNode;
use crate::tensor::Tensor;
use crate::variable::Variable;
use std::cell::RefCell;
use std::rc::Rc;

#[derive(Clone)]
pub struct Shared {
    inner: Rc<RefCell<Box<dyn Layer>>>,
    name: String,
    class: &'static str,
}

impl Shared {
    pub fn new(layer: impl Layer + 'static) -> Shared {
        Shared::from_box(Box::new(layer))
    }
    pub fn from_box(layer: Box<dyn Layer>) -> Shared {
        let (name, class) = (layer.name().to_string(), layer.class_name());
        Shared { inner: Rc::new(RefCell::new(layer)), name, class }
    }
    pub fn same(&self, other: &Shared) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// Call with an explicit context (from inside another layer's `call`).
    pub fn call_with(&self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let mut l = self.inner.try_borrow_mut().map_err(|_| {
            Error::msg(format!("layer \"{}\" is called while it is running (a layer cannot contain itself)", self.name))
        })?;
        // On Input tensors at the top level: record the call for a Functional model.
        let graph = inputs.iter().find_map(|t| t.graph().cloned()).filter(|g| g.is_functional() && g.depth() == 0);
        let Some(g) = graph else { return invoke(l.as_mut(), inputs, cx) };
        let ins = inputs.iter().map(|t| t.in_graph(&g)).collect::<Result<Vec<_>>>()?;
        g.enter_layer();
        let outs = invoke(l.as_mut(), inputs, cx).and_then(|outs| outs.iter().map(|t| unaliased(t, &ins, &g)).collect::<Result<Vec<_>>>());
        g.leave_layer();
        let vals = outs?;
        let outs: Vec<Tensor> = vals.iter().map(|&v| g.tensor(v)).collect();
        g.record(FNode::Layer { layer: self.clone(), inputs: ins, outputs: vals });
        Ok(outs)
    }

    /// `layer(inputs)`: inference mode, errors with the caller's line.
    #[track_caller]
    pub fn call(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
        let at = std::panic::Location::caller();
        self.call_with(inputs, &CallCtx::new(false)).map_err(|e| e.context(format!("{}:{}", at.file(), at.line())))
    }

    /// `layer(x)` for a single-input, single-output layer.
    #[track_caller]
    pub fn call1(&self, x: &Tensor) -> Result<Tensor> {
        let at = std::panic::Location::caller();
        let mut v = self.call_with(std::slice::from_ref(x), &CallCtx::new(false)).map_err(|e| e.context(format!("{}:{}", at.file(), at.line())))?;
        if v.len() != 1 {
            crate::bail!("{}:{}: layer \"{}\" returned {} outputs where one was expected", at.file(), at.line(), self.name, v.len());
        }
        Ok(v.remove(0))
    }

    /// Keras's `layer.trainable = flag`: all its weights become (non-)trainable. Takes
    /// effect at the next `compile`.
    pub fn set_trainable(&self, flag: bool) {
        for w in self.weights() {
            w.set_trainable(flag);
        }
    }

    /// Run `f` on the layer itself, mutably (to add to a Sequential, say).
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut dyn Layer) -> R) -> Result<R> {
        let mut l = self.inner.try_borrow_mut().map_err(|_| Error::msg(format!("layer \"{}\" is busy", self.name)))?;
        Ok(f(l.as_mut()))
    }

    /// Run `f` on the layer itself (to read a Dense's kernel, say).
    pub fn with<R>(&self, f: impl FnOnce(&dyn Layer) -> R) -> Result<R> {
        let l = self.inner.try_borrow().map_err(|_| Error::msg(format!("layer \"{}\" is busy", self.name)))?;
        Ok(f(l.as_ref()))
    }
}

/// The value of a layer's output in the functional graph, made distinct from the call's
/// inputs: a layer that returns an input as it is (Dropout at inference, Identity) gets
/// a fresh value for it (an identity reshape, never replayed), so the recorded call has
/// an output of its own and the calls before it stay in the model.
fn unaliased(t: &Tensor, ins: &[kc_ir::Value], g: &crate::graph::Graph) -> Result<kc_ir::Value> {
    let v = t.in_graph(g)?;
    if !ins.contains(&v) {
        return Ok(v);
    }
    let out = g.push(kc_ir::OpKind::Reshape, &[v], kc_ir::Attrs::new(), vec![g.value_type(v)])?;
    Ok(out[0])
}

impl Layer for Shared {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        self.class
    }
    fn built(&self) -> bool {
        // Building happens inside the inner layer's own first call.
        true
    }
    fn set_built(&mut self) {}
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        self.call_with(inputs, cx)
    }
    fn weights(&self) -> Vec<Variable> {
        self.inner.try_borrow().map(|l| l.weights()).unwrap_or_default()
    }
    fn reset_states(&self) -> Result<()> {
        self.with(|l| l.reset_states())?
    }
}
