//! Variables: named, mutable tensors that persist across calls (weights, optimizer slots,
//! metric accumulators). A `Variable` is a cheap handle; clones share the value. Inside a
//! trace a variable becomes a parameter of the traced function (see `graph.rs`), so a
//! training step reads weights as inputs and returns their new values.
use crate::tensor::Tensor;
use kc_runtime::HostTensor;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

thread_local! {
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

/// A projection applied to a weight after each optimizer update (Keras's kernel
/// constraints: `max_norm`, `non_neg`, `unit_norm`), traced into the step.
pub type Constraint = Rc<dyn Fn(&Tensor) -> crate::Result<Tensor>>;

struct Inner {
    id: u64,
    constraint: RefCell<Option<Constraint>>,
    path: RefCell<String>,
    value: RefCell<HostTensor>,
    trainable: Cell<bool>,
}

#[derive(Clone)]
pub struct Variable(Rc<Inner>);

impl Variable {
    pub fn new(path: impl Into<String>, value: HostTensor, trainable: bool) -> Variable {
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        Variable(Rc::new(Inner { id, constraint: RefCell::new(None), path: RefCell::new(path.into()), value: RefCell::new(value), trainable: Cell::new(trainable) }))
    }
    /// Unique for the life of the program; the key a trace captures the variable by.
    pub fn id(&self) -> u64 {
        self.0.id
    }
    /// Keras's path, `dense/kernel`.
    pub fn path(&self) -> String {
        self.0.path.borrow().clone()
    }
    /// The last component of the path (`kernel`).
    pub fn name(&self) -> String {
        let p = self.path();
        p.rsplit('/').next().unwrap_or(&p).to_string()
    }
    pub fn set_path(&self, p: impl Into<String>) {
        *self.0.path.borrow_mut() = p.into();
    }
    pub fn trainable(&self) -> bool {
        self.0.trainable.get()
    }
    /// Freeze (or unfreeze) the variable: Keras's `layer.trainable = False` for its
    /// weights. A model retraces its train step after this (call `compile` again).
    pub fn set_trainable(&self, t: bool) {
        self.0.trainable.set(t);
    }
    pub fn value(&self) -> HostTensor {
        self.0.value.borrow().clone()
    }
    pub fn shape(&self) -> Vec<usize> {
        self.0.value.borrow().shape().to_vec()
    }
    pub fn dtype(&self) -> kc_ir::DType {
        self.0.value.borrow().dtype()
    }
    pub fn num_elements(&self) -> usize {
        self.0.value.borrow().len()
    }
    /// Replace the value; the shape and dtype must stay the same.
    pub fn assign(&self, v: HostTensor) -> crate::Result<()> {
        let cur = self.0.value.borrow();
        if cur.shape() != v.shape() || cur.dtype() != v.dtype() {
            crate::bail!(
                "cannot assign a {}{:?} value to variable `{}` of type {}{:?}",
                v.dtype(),
                v.shape(),
                self.path(),
                cur.dtype(),
                cur.shape()
            );
        }
        drop(cur);
        *self.0.value.borrow_mut() = v;
        Ok(())
    }
    pub fn set_constraint(&self, c: Constraint) {
        *self.0.constraint.borrow_mut() = Some(c);
    }
    pub fn constraint(&self) -> Option<Constraint> {
        self.0.constraint.borrow().clone()
    }
    /// The variable as a tensor operand: its value when run eagerly, a parameter of the
    /// trace when used with symbolic tensors.
    pub fn tensor(&self) -> Tensor {
        Tensor::from_variable(self.clone())
    }
}

impl std::fmt::Debug for Variable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Variable path={} shape={:?} dtype={}>", self.path(), self.shape(), self.dtype())
    }
}
