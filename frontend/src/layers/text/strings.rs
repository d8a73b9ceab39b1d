//! What the text layers take and give on the host: [`StringTensor`] (kc's stand-in for a
//! `tf.string` tensor, which kc's IR has no dtype for) and [`HostInput`], the strings or
//! integers a layer is called or adapted on, from whatever a Rust caller has at hand.
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use kc_runtime::{Data, HostTensor};

/// A tensor of UTF-8 strings on the host, row-major, with a shape (rank 0 is one string).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringTensor {
    shape: Vec<usize>,
    data: Vec<String>,
}

impl StringTensor {
    /// Strings of `shape` (row-major); their number must be the shape's product.
    pub fn new<S: Into<String>>(shape: &[usize], data: Vec<S>) -> Result<StringTensor> {
        let n: usize = shape.iter().product();
        if n != data.len() {
            crate::bail!("StringTensor: shape {shape:?} holds {n} strings, got {}", data.len());
        }
        Ok(StringTensor { shape: shape.to_vec(), data: data.into_iter().map(Into::into).collect() })
    }
    /// A rank-2 tensor from rows of equal length (`[["a", "b"], ["c", "d"]]`).
    pub fn from_rows<R: AsRef<[S]>, S: AsRef<str>>(rows: &[R]) -> Result<StringTensor> {
        let width = rows.first().map_or(0, |r| r.as_ref().len());
        if let Some(r) = rows.iter().find(|r| r.as_ref().len() != width) {
            crate::bail!("StringTensor::from_rows: rows have different lengths ({width} and {})", r.as_ref().len());
        }
        let data = rows.iter().flat_map(|r| r.as_ref().iter().map(|s| s.as_ref().to_string())).collect();
        Ok(StringTensor { shape: vec![rows.len(), width], data })
    }
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    pub fn rank(&self) -> usize {
        self.shape.len()
    }
    /// The strings, row-major.
    pub fn data(&self) -> &[String] {
        &self.data
    }
    pub fn into_data(self) -> Vec<String> {
        self.data
    }
    pub fn len(&self) -> usize {
        self.data.len()
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl<S: AsRef<str>> From<&[S]> for StringTensor {
    fn from(v: &[S]) -> StringTensor {
        StringTensor { shape: vec![v.len()], data: v.iter().map(|s| s.as_ref().to_string()).collect() }
    }
}

impl<S: AsRef<str>> From<Vec<S>> for StringTensor {
    fn from(v: Vec<S>) -> StringTensor {
        StringTensor::from(v.as_slice())
    }
}

/// What a text layer is called or adapted on: strings, or integers (with their shape).
/// Float inputs arrive as integers truncated toward zero (what Keras's `Hashing` does
/// with them), marked so that a lookup can refuse them.
#[derive(Clone, Debug, PartialEq)]
pub enum HostInput {
    Strings(StringTensor),
    Ints { shape: Vec<usize>, values: Vec<i64>, from_float: bool },
}

impl HostInput {
    pub fn shape(&self) -> &[usize] {
        match self {
            HostInput::Strings(s) => s.shape(),
            HostInput::Ints { shape, .. } => shape,
        }
    }
}

/// Anything a text layer can be called on: string slices, vectors and arrays, a
/// [`StringTensor`], integer slices, or a concrete integer (or float) [`Tensor`] /
/// [`HostTensor`].
pub trait ToHostInput {
    fn to_host_input(&self) -> Result<HostInput>;
}

impl ToHostInput for HostInput {
    fn to_host_input(&self) -> Result<HostInput> {
        Ok(self.clone())
    }
}

impl ToHostInput for StringTensor {
    fn to_host_input(&self) -> Result<HostInput> {
        Ok(HostInput::Strings(self.clone()))
    }
}

macro_rules! strings_input {
    ($($t:ty),*) => {$(
        impl ToHostInput for [$t] {
            fn to_host_input(&self) -> Result<HostInput> {
                Ok(HostInput::Strings(StringTensor::from(self)))
            }
        }
        impl ToHostInput for Vec<$t> {
            fn to_host_input(&self) -> Result<HostInput> {
                Ok(HostInput::Strings(StringTensor::from(self.as_slice())))
            }
        }
        impl<const N: usize> ToHostInput for [$t; N] {
            fn to_host_input(&self) -> Result<HostInput> {
                Ok(HostInput::Strings(StringTensor::from(&self[..])))
            }
        }
        impl<const N: usize, const M: usize> ToHostInput for [[$t; M]; N] {
            fn to_host_input(&self) -> Result<HostInput> {
                Ok(HostInput::Strings(StringTensor::from_rows(self)?))
            }
        }
    )*};
}
strings_input!(&str, String);

macro_rules! ints_input {
    ($($t:ty),*) => {$(
        impl ToHostInput for [$t] {
            fn to_host_input(&self) -> Result<HostInput> {
                Ok(HostInput::Ints { shape: vec![self.len()], values: self.iter().map(|&v| v as i64).collect(), from_float: false })
            }
        }
        impl ToHostInput for Vec<$t> {
            fn to_host_input(&self) -> Result<HostInput> {
                self.as_slice().to_host_input()
            }
        }
        impl<const N: usize> ToHostInput for [$t; N] {
            fn to_host_input(&self) -> Result<HostInput> {
                self[..].to_host_input()
            }
        }
        impl<const N: usize, const M: usize> ToHostInput for [[$t; M]; N] {
            fn to_host_input(&self) -> Result<HostInput> {
                let values = self.iter().flatten().map(|&v| v as i64).collect();
                Ok(HostInput::Ints { shape: vec![N, M], values, from_float: false })
            }
        }
    )*};
}
ints_input!(i64, i32);

impl ToHostInput for HostTensor {
    fn to_host_input(&self) -> Result<HostInput> {
        let shape = self.shape().to_vec();
        let (values, from_float): (Vec<i64>, bool) = match self.data() {
            Data::I64(v) => (v.clone(), false),
            Data::I32(v) => (v.iter().map(|&x| x as i64).collect(), false),
            Data::I8(v) => (v.iter().map(|&x| x as i64).collect(), false),
            Data::U8(v) => (v.iter().map(|&x| x as i64).collect(), false),
            Data::U32(v) => (v.iter().map(|&x| x as i64).collect(), false),
            // truncation toward zero, as `tf.cast(float, int64)`
            Data::F32(v) => (v.iter().map(|&x| x as i64).collect(), true),
            Data::F64(v) => (v.iter().map(|&x| x as i64).collect(), true),
            _ => crate::bail!("text layers take strings or integer (or float) tensors, got {}", self.dtype()),
        };
        Ok(HostInput::Ints { shape, values, from_float })
    }
}

impl ToHostInput for Tensor {
    fn to_host_input(&self) -> Result<HostInput> {
        if self.is_symbolic() {
            return Err(Error::msg(
                "text layers run on the host, before the model: call them on concrete data (strings or a concrete tensor), not on a symbolic tensor",
            ));
        }
        self.host()?.to_host_input()
    }
}

/// An integer result as a concrete kc tensor.
pub(crate) fn int_tensor(shape: Vec<usize>, values: Vec<i64>) -> Result<Tensor> {
    Ok(Tensor::from_host(HostTensor::from_vec(shape, values)?))
}

/// A float result as a concrete kc tensor.
pub(crate) fn float_tensor(shape: Vec<usize>, values: Vec<f32>) -> Result<Tensor> {
    Ok(Tensor::from_host(HostTensor::from_vec(shape, values)?))
}
