//! `Tensor`: what `kc::ops` and layers work on. It is one of
//! - **concrete**: host data; ops on concrete tensors run at once on the reference
//!   interpreter (the same op semantics as a compiled step, by construction);
//! - **symbolic**: a value in a trace (`Graph`); ops on it are recorded;
//! - **a variable read**: the variable's value when run eagerly, a captured parameter
//!   when combined with symbolic tensors.
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::variable::Variable;
use kc_ir::{attrs, Attr, DType, Dim, OpKind, Shape, TensorType, Value};
use kc_runtime::HostTensor;
use std::rc::Rc;

#[derive(Clone)]
enum Inner {
    Concrete(HostTensor),
    Symbolic { graph: Graph, value: Value, ty: TensorType },
    Var(Variable),
}

/// The data (or trace value), and Keras's mask attached to it, if any (`_keras_mask`: a
/// bool tensor of the leading dims, `false` at padded time steps).
#[derive(Clone)]
pub struct Tensor(Rc<Inner>, Option<Rc<Tensor>>);

fn host_type(h: &HostTensor) -> TensorType {
    TensorType::known(h.dtype(), &h.shape().iter().map(|&d| d as u64).collect::<Vec<_>>())
}

impl Tensor {
    pub fn from_host(h: HostTensor) -> Tensor {
        Tensor(Rc::new(Inner::Concrete(h)), None)
    }
    pub(crate) fn symbolic(graph: Graph, value: Value, ty: TensorType) -> Tensor {
        Tensor(Rc::new(Inner::Symbolic { graph, value, ty }), None)
    }
    pub(crate) fn from_variable(v: Variable) -> Tensor {
        Tensor(Rc::new(Inner::Var(v)), None)
    }

    /// A tensor from an ndarray array (any dimensionality).
    pub fn from_ndarray<T: kc_runtime::Elem, S: ndarray::Data<Elem = T>, D: ndarray::Dimension>(a: &ndarray::ArrayBase<S, D>) -> Tensor {
        Tensor::from_host(HostTensor::from_ndarray(a))
    }
    /// f32 data in row-major order.
    pub fn from_f32(shape: &[usize], data: Vec<f32>) -> Result<Tensor> {
        Ok(Tensor::from_host(HostTensor::from_vec(shape.to_vec(), data)?))
    }
    pub fn scalar(x: f32) -> Tensor {
        Tensor::from_host(HostTensor::scalar(x))
    }
    pub fn zeros(dtype: DType, shape: &[usize]) -> Result<Tensor> {
        Ok(Tensor::from_host(HostTensor::zeros(dtype, shape.to_vec())?))
    }

    pub fn ty(&self) -> TensorType {
        match &*self.0 {
            Inner::Concrete(h) => host_type(h),
            Inner::Symbolic { ty, .. } => ty.clone(),
            Inner::Var(v) => TensorType::known(v.dtype(), &v.shape().iter().map(|&d| d as u64).collect::<Vec<_>>()),
        }
    }
    pub fn dtype(&self) -> DType {
        self.ty().dtype
    }
    pub fn dims(&self) -> Vec<Dim> {
        self.ty().shape.0
    }
    pub fn rank(&self) -> usize {
        self.ty().rank()
    }
    /// The shape when every dim is known (always, for concrete tensors).
    pub fn shape(&self) -> Option<Vec<usize>> {
        self.ty().shape.as_known().map(|v| v.into_iter().map(|d| d as usize).collect())
    }
    /// The mask attached to this tensor (Keras's `backend.get_keras_mask`): made by
    /// `Masking` or `Embedding(mask_zero)`, passed on by the layers that support masking,
    /// read by the recurrent layers.
    pub fn mask(&self) -> Option<&Tensor> {
        self.1.as_deref()
    }
    /// This tensor with `mask` attached (Keras's `backend.set_keras_mask`, or a call's
    /// `mask=` argument): `lstm.call1(&x.with_mask(Some(m)))`. `None` removes it.
    pub fn with_mask(&self, mask: Option<Tensor>) -> Tensor {
        // a mask's own mask means nothing
        Tensor(self.0.clone(), mask.map(|m| Rc::new(Tensor(m.0, None))))
    }
    pub(crate) fn is_variable(&self) -> bool {
        matches!(&*self.0, Inner::Var(_))
    }
    pub fn is_symbolic(&self) -> bool {
        matches!(&*self.0, Inner::Symbolic { .. })
    }
    pub(crate) fn graph(&self) -> Option<&Graph> {
        match &*self.0 {
            Inner::Symbolic { graph, .. } => Some(graph),
            _ => None,
        }
    }

    /// The data of a concrete tensor (or the current value of a variable read).
    pub fn host(&self) -> Result<HostTensor> {
        match &*self.0 {
            Inner::Concrete(h) => Ok(h.clone()),
            Inner::Var(v) => Ok(v.value()),
            Inner::Symbolic { ty, .. } => Err(Error::msg(format!(
                "a symbolic tensor ({ty}) has no value: it stands for a value of a traced function"
            ))),
        }
    }
    pub fn to_f32_vec(&self) -> Result<Vec<f32>> {
        Ok(self.host()?.to_f64_vec().into_iter().map(|x| x as f32).collect())
    }
    pub fn to_f64_vec(&self) -> Result<Vec<f64>> {
        Ok(self.host()?.to_f64_vec())
    }
    /// The single element of a one-element tensor.
    pub fn item(&self) -> Result<f64> {
        let v = self.to_f64_vec()?;
        if v.len() != 1 {
            crate::bail!("item() needs a tensor with one element, this one has {}", v.len());
        }
        Ok(v[0])
    }
    pub fn to_ndarray<T: kc_runtime::Elem>(&self) -> Result<ndarray::ArrayD<T>> {
        Ok(self.host()?.to_ndarray()?)
    }

    /// This tensor's value inside `g`: symbolic values of `g` as they are, variables
    /// captured as parameters, concrete data embedded as a constant.
    pub(crate) fn in_graph(&self, g: &Graph) -> Result<Value> {
        match &*self.0 {
            Inner::Symbolic { graph, value, .. } => {
                if !graph.same(g) {
                    crate::bail!("a symbolic tensor from one trace was used in another");
                }
                Ok(*value)
            }
            Inner::Var(v) => Ok(g.capture(v)),
            Inner::Concrete(h) => {
                let ty = host_type(h);
                Ok(g.push(OpKind::Constant, &[], attrs(&[("value", Attr::Literal(h.to_literal()))]), vec![ty])?[0])
            }
        }
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            Inner::Concrete(h) => write!(f, "{h}"),
            Inner::Symbolic { ty, .. } => write!(f, "<symbolic {ty}>"),
            Inner::Var(v) => write!(f, "{v:?}"),
        }
    }
}

impl From<HostTensor> for Tensor {
    fn from(h: HostTensor) -> Tensor {
        Tensor::from_host(h)
    }
}

/// A shape written as in Keras: known extents, `None` for the batch (or any) dim.
pub fn shape_of(dims: &[Option<usize>], batch_symbol: &str) -> Shape {
    Shape(dims.iter().map(|d| match d {
        Some(n) => Dim::Known(*n as u64),
        None => Dim::sym(batch_symbol),
    }).collect())
}
