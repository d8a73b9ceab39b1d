//! Variables: named, mutable tensors that persist across calls (weights, optimizer slots,
//! metric accumulators). A `Variable` is a cheap handle; clones share the value. Inside a
//! trace a variable becomes a parameter of the traced function (see `graph.rs`), so a
//! training step reads weights as inputs and returns their new values.
//!
//! A step compiled for XLA keeps variables on the device between steps: the variable then
//! holds the device buffer and its host copy is stale until something reads it
//! ([`Variable::value`] copies it back once). Assigning a host value drops the buffer.
use crate::tensor::Tensor;
use kc_runtime::pjrt::Buffer;
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
    /// The value on the XLA device, when a compiled step left it there.
    device: RefCell<Option<Rc<Buffer>>>,
    /// The device buffer is newer than `value`.
    host_stale: Cell<bool>,
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
        Variable(Rc::new(Inner {
            id,
            constraint: RefCell::new(None),
            path: RefCell::new(path.into()),
            value: RefCell::new(value),
            trainable: Cell::new(trainable),
            device: RefCell::new(None),
            host_stale: Cell::new(false),
        }))
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
    /// The current value (copied back from the XLA device first when a compiled step
    /// left a newer one there).
    pub fn value(&self) -> HostTensor {
        if let Err(e) = self.sync_host() {
            // Reading a CPU buffer back does not fail in practice; if it does, say so
            // and keep the last host value rather than abort.
            eprintln!("kc: reading variable `{}` back from XLA failed ({e}); using its last host value", self.path());
        }
        self.0.value.borrow().clone()
    }

    /// Copy the device value to the host if it is newer.
    pub fn sync_host(&self) -> crate::Result<()> {
        if self.0.host_stale.get() {
            let buf = self.0.device.borrow().clone();
            if let Some(b) = buf {
                let h = b.to_host().map_err(|e| crate::Error::msg(format!("variable `{}`: {e}", self.path())))?;
                *self.0.value.borrow_mut() = h;
            }
            self.0.host_stale.set(false);
        }
        Ok(())
    }

    /// The value as an XLA buffer: the one a compiled step left, or the host value
    /// uploaded now (and kept).
    pub fn device_buffer(&self, xla: &kc_runtime::xla::Xla) -> crate::Result<Rc<Buffer>> {
        if let Some(b) = self.0.device.borrow().as_ref() {
            return Ok(b.clone());
        }
        let b = Rc::new(xla.upload(&self.0.value.borrow())?);
        *self.0.device.borrow_mut() = Some(b.clone());
        Ok(b)
    }

    /// The device buffer to donate to a step that overwrites this variable: taken out of
    /// the variable (the step gives it a new one), or the host value uploaded now. (The
    /// host copy is not refreshed first: that would copy every weight back each step. A
    /// step that fails after its arguments were checked — the plugin running out of
    /// memory — leaves the variable at its last host value.)
    pub fn donate_buffer(&self, xla: &kc_runtime::xla::Xla) -> crate::Result<Buffer> {
        let taken = self.0.device.borrow_mut().take();
        if let Some(rc) = taken {
            match Rc::try_unwrap(rc) {
                Ok(b) => return Ok(b),
                Err(rc) => *self.0.device.borrow_mut() = Some(rc),
            }
        }
        self.sync_host()?;
        self.0.host_stale.set(false);
        Ok(xla.upload(&self.0.value.borrow())?)
    }

    /// A compiled step's result becomes the value; the host copy is read back lazily.
    pub fn set_device_buffer(&self, b: Buffer) {
        *self.0.device.borrow_mut() = Some(Rc::new(b));
        self.0.host_stale.set(true);
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
        *self.0.device.borrow_mut() = None;
        self.0.host_stale.set(false);
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
