//! `HostTensor`: a dense, row-major tensor in host memory, the currency of the runtime.
//!
//! The data is one `Vec` per dtype (`Data`); the shape is a list of extents. The element
//! count always equals the product of the shape (checked at construction), so code that
//! holds a `HostTensor` never re-checks it.
//!
//! Element types are Rust types that implement [`Elem`]: `f32 f64 half::f16 half::bf16
//! i8 i32 i64 u8 u32 bool`. Arithmetic on `f16`/`bf16` is done by the interpreter in
//! `f32` and rounded back to the element type once per operation; for `+ - * /` and
//! `sqrt` this gives exactly the correctly rounded half-precision result, because `f32`
//! has more than twice the precision plus two bits of both formats.
use crate::error::{Result, RuntimeError};
use crate::interp::convert::{f64_to_bf16, f64_to_f16};
use half::{bf16, f16};
use kc_ir::{DType, LiteralData, TensorType};
use ndarray::{ArrayBase, ArrayD, ArrayViewD, Dimension, IxDyn};
use std::cmp::Ordering;
use std::fmt;

/// The elements of a tensor, one variant per dtype.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    F64(Vec<f64>),
    F16(Vec<f16>),
    BF16(Vec<bf16>),
    I8(Vec<i8>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    U8(Vec<u8>),
    U32(Vec<u32>),
    Bool(Vec<bool>),
}

/// A Rust type that is the element type of one dtype.
pub trait Elem: Copy + Default + PartialEq + fmt::Debug + Send + Sync + 'static {
    const DTYPE: DType;
    /// Put a vector of elements into `Data`.
    fn wrap(v: Vec<Self>) -> Data;
    /// The elements, if `d` holds this type.
    fn slice(d: &Data) -> Option<&[Self]>;
    fn slice_mut(d: &mut Data) -> Option<&mut [Self]>;
    /// Take the vector out of `d`, if it holds this type.
    fn unwrap(d: Data) -> std::result::Result<Vec<Self>, Data>;
    /// The value as f64: exact for every dtype but i64 beyond 2^53; bool is 0 or 1.
    fn to_f64(self) -> f64;
    /// The sort order of `sort` and `top_k`: total, with every NaN greater than every
    /// number (and equal to each other), -0.0 < 0.0, and false < true.
    fn sort_cmp(&self, other: &Self) -> Ordering;
}

/// Total order on floats with NaN greatest; `total_cmp` alone would put negative NaNs first.
fn float_sort_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.total_cmp(&b),
    }
}

macro_rules! impl_elem {
    ($t:ty, $var:ident, $to_f64:expr, $cmp:expr) => {
        impl Elem for $t {
            const DTYPE: DType = DType::$var;
            fn wrap(v: Vec<Self>) -> Data {
                Data::$var(v)
            }
            fn slice(d: &Data) -> Option<&[Self]> {
                match d {
                    Data::$var(v) => Some(v),
                    _ => None,
                }
            }
            fn slice_mut(d: &mut Data) -> Option<&mut [Self]> {
                match d {
                    Data::$var(v) => Some(v),
                    _ => None,
                }
            }
            fn unwrap(d: Data) -> std::result::Result<Vec<Self>, Data> {
                match d {
                    Data::$var(v) => Ok(v),
                    other => Err(other),
                }
            }
            fn to_f64(self) -> f64 {
                ($to_f64)(self)
            }
            fn sort_cmp(&self, other: &Self) -> Ordering {
                ($cmp)(*self, *other)
            }
        }
    };
}

impl_elem!(f32, F32, |x: f32| x as f64, |a: f32, b: f32| float_sort_cmp(a as f64, b as f64));
impl_elem!(f64, F64, |x: f64| x, float_sort_cmp);
impl_elem!(f16, F16, |x: f16| x.to_f64(), |a: f16, b: f16| float_sort_cmp(a.to_f64(), b.to_f64()));
impl_elem!(bf16, BF16, |x: bf16| x.to_f64(), |a: bf16, b: bf16| float_sort_cmp(a.to_f64(), b.to_f64()));
impl_elem!(i8, I8, |x: i8| x as f64, |a: i8, b: i8| a.cmp(&b));
impl_elem!(i32, I32, |x: i32| x as f64, |a: i32, b: i32| a.cmp(&b));
impl_elem!(i64, I64, |x: i64| x as f64, |a: i64, b: i64| a.cmp(&b));
impl_elem!(u8, U8, |x: u8| x as f64, |a: u8, b: u8| a.cmp(&b));
impl_elem!(u32, U32, |x: u32| x as f64, |a: u32, b: u32| a.cmp(&b));
impl_elem!(bool, Bool, |x: bool| if x { 1.0 } else { 0.0 }, |a: bool, b: bool| a.cmp(&b));

/// Run `$body` with `$T` bound to the element type of `$dtype` (every dtype).
macro_rules! with_elem {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            kc_ir::DType::F32 => { type $T = f32; $body }
            kc_ir::DType::F64 => { type $T = f64; $body }
            kc_ir::DType::F16 => { type $T = half::f16; $body }
            kc_ir::DType::BF16 => { type $T = half::bf16; $body }
            kc_ir::DType::I8 => { type $T = i8; $body }
            kc_ir::DType::I32 => { type $T = i32; $body }
            kc_ir::DType::I64 => { type $T = i64; $body }
            kc_ir::DType::U8 => { type $T = u8; $body }
            kc_ir::DType::U32 => { type $T = u32; $body }
            kc_ir::DType::Bool => { type $T = bool; $body }
        }
    };
}

pub(crate) use with_elem;

impl Data {
    pub fn dtype(&self) -> DType {
        match self {
            Data::F32(_) => DType::F32,
            Data::F64(_) => DType::F64,
            Data::F16(_) => DType::F16,
            Data::BF16(_) => DType::BF16,
            Data::I8(_) => DType::I8,
            Data::I32(_) => DType::I32,
            Data::I64(_) => DType::I64,
            Data::U8(_) => DType::U8,
            Data::U32(_) => DType::U32,
            Data::Bool(_) => DType::Bool,
        }
    }

    pub fn len(&self) -> usize {
        with_elem!(self.dtype(), T => T::slice(self).map_or(0, |s| s.len()))
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `n` zeros (false for bool). The caller bounds `n`.
    pub fn zeros(dtype: DType, n: usize) -> Data {
        with_elem!(dtype, T => T::wrap(vec![T::default(); n]))
    }
}

/// A dense row-major tensor on the host.
#[derive(Clone, Debug, PartialEq)]
pub struct HostTensor {
    shape: Vec<usize>,
    data: Data,
}

/// Element count of a shape, or an error when the product overflows `usize`.
/// Check that a file's data section holds exactly a `dtype` tensor of `shape`, before
/// anything is allocated from the header's claim (shared by the .npy and IDX readers).
pub fn check_data_len(dtype: DType, shape: &[usize], len: usize) -> std::result::Result<(), String> {
    let n = element_count(shape).map_err(|e| e.to_string())?;
    let want = n.checked_mul(dtype.size_bytes()).ok_or_else(|| format!("shape {shape:?} is too large"))?;
    if len != want {
        let what = if len < want { "truncated" } else { "has extra bytes" };
        return Err(format!("{what}: {dtype}{shape:?} needs {want} data bytes, the file has {len}"));
    }
    Ok(())
}

pub fn element_count(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or_else(|| RuntimeError::Tensor(format!("shape {shape:?} has more elements than fit in memory")))
}

impl HostTensor {
    /// A tensor from its shape and data; the data length must be the shape's element count.
    pub fn new(shape: Vec<usize>, data: Data) -> Result<HostTensor> {
        let n = element_count(&shape)?;
        if data.len() != n {
            return Err(RuntimeError::Tensor(format!(
                "{} data has {} elements but shape {shape:?} holds {n}",
                data.dtype(),
                data.len()
            )));
        }
        Ok(HostTensor { shape, data })
    }

    pub fn from_vec<T: Elem>(shape: Vec<usize>, v: Vec<T>) -> Result<HostTensor> {
        HostTensor::new(shape, T::wrap(v))
    }

    pub fn scalar<T: Elem>(v: T) -> HostTensor {
        HostTensor { shape: Vec::new(), data: T::wrap(vec![v]) }
    }

    /// All zeros (false for bool).
    pub fn zeros(dtype: DType, shape: Vec<usize>) -> Result<HostTensor> {
        let n = element_count(&shape)?;
        Ok(HostTensor { shape, data: Data::zeros(dtype, n) })
    }

    /// A tensor of `dtype` from f64 values: floats are rounded to the dtype; integers must
    /// be whole and in range; bools must be 0 or 1. Errors say which element is wrong.
    pub fn from_f64(dtype: DType, shape: Vec<usize>, values: &[f64]) -> Result<HostTensor> {
        fn ints<T: TryFrom<i64>>(dtype: DType, values: &[f64]) -> Result<Vec<T>> {
            values
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    // ±2^63 are exact in f64: whole numbers in [-2^63, 2^63) fit i64.
                    let two63 = 2f64.powi(63);
                    let whole = v.fract() == 0.0 && (-two63..two63).contains(&v);
                    whole
                        .then(|| T::try_from(v as i64).ok())
                        .flatten()
                        .ok_or_else(|| RuntimeError::Tensor(format!("element {i} ({v}) is not a {dtype} value")))
                })
                .collect()
        }
        let data = match dtype {
            DType::F32 => Data::F32(values.iter().map(|&v| v as f32).collect()),
            DType::F64 => Data::F64(values.to_vec()),
            DType::F16 => Data::F16(values.iter().map(|&v| f64_to_f16(v)).collect()),
            DType::BF16 => Data::BF16(values.iter().map(|&v| f64_to_bf16(v)).collect()),
            DType::I8 => Data::I8(ints(dtype, values)?),
            DType::I32 => Data::I32(ints(dtype, values)?),
            DType::I64 => Data::I64(ints(dtype, values)?),
            DType::U8 => Data::U8(ints(dtype, values)?),
            DType::U32 => Data::U32(ints(dtype, values)?),
            DType::Bool => Data::Bool(
                values
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| match v {
                        0.0 => Ok(false),
                        1.0 => Ok(true),
                        _ => Err(RuntimeError::Tensor(format!("element {i} ({v}) is not a bool (0 or 1)"))),
                    })
                    .collect::<Result<_>>()?,
            ),
        };
        HostTensor::new(shape, data)
    }

    /// The tensor a `constant` op denotes: `lit` holds every element in row-major order, or
    /// one element that is repeated (a splat). `ty` must have a static shape.
    pub fn from_literal(lit: &LiteralData, ty: &TensorType) -> Result<HostTensor> {
        let shape: Vec<usize> = ty
            .shape
            .as_known()
            .ok_or_else(|| RuntimeError::Tensor(format!("a constant needs a static shape, got {ty}")))?
            .into_iter()
            .map(|d| usize::try_from(d).map_err(|_| RuntimeError::Tensor(format!("constant type {ty} is too large"))))
            .collect::<Result<_>>()?;
        HostTensor::from_literal_shape(lit, ty.dtype, shape)
    }

    /// [`HostTensor::from_literal`] with the shape already resolved to extents.
    pub fn from_literal_shape(lit: &LiteralData, dtype: DType, shape: Vec<usize>) -> Result<HostTensor> {
        let n = element_count(&shape)?;
        if lit.len() != n && lit.len() != 1 {
            return Err(RuntimeError::Tensor(format!(
                "constant data has {} elements but {dtype}{shape:?} holds {n}",
                lit.len()
            )));
        }
        // Expand a splat by index: element i is data[i], or data[0] for a splat.
        let at = |i: usize| if lit.len() == 1 { 0 } else { i };
        let mismatch = || RuntimeError::Tensor(format!("constant data of the wrong kind for dtype {dtype}"));
        let data = match (lit, dtype) {
            (LiteralData::Float(v), d) if d.is_float() => {
                let vals: Vec<f64> = (0..n).map(|i| v[at(i)]).collect();
                return HostTensor::from_f64(d, shape, &vals);
            }
            (LiteralData::Int(v), d) if d.is_int() => {
                if let Some(bad) = v.iter().find(|&&x| !kc_ir::literal::int_fits(d, x)) {
                    return Err(RuntimeError::Tensor(format!("constant value {bad} does not fit {d}")));
                }
                use crate::interp::convert::{Convert, Wide};
                with_elem!(d, T => T::wrap((0..n).map(|i| T::from_wide(Wide::I(v[at(i)]))).collect()))
            }
            (LiteralData::Bool(v), DType::Bool) => Data::Bool((0..n).map(|i| v[at(i)]).collect()),
            _ => return Err(mismatch()),
        };
        HostTensor::new(shape, data)
    }

    /// The `constant` data that denotes this tensor, element for element: floats exactly
    /// (every float dtype's values are f64 values, NaN payloads included), integers exactly
    /// as i64 (u32 fits), bools as bools. The inverse of [`HostTensor::from_literal`].
    pub fn to_literal(&self) -> LiteralData {
        fn ints<T: Copy + Into<i64>>(v: &[T]) -> LiteralData {
            LiteralData::Int(v.iter().map(|&x| x.into()).collect())
        }
        match &self.data {
            Data::F32(_) | Data::F64(_) | Data::F16(_) | Data::BF16(_) => LiteralData::Float(self.to_f64_vec()),
            Data::I8(v) => ints(v),
            Data::I32(v) => ints(v),
            Data::I64(v) => ints(v),
            Data::U8(v) => ints(v),
            Data::U32(v) => ints(v),
            Data::Bool(v) => LiteralData::Bool(v.clone()),
        }
    }

    /// A tensor with the elements of an ndarray array, in its logical (row-major) order.
    pub fn from_ndarray<T: Elem, S: ndarray::Data<Elem = T>, D: Dimension>(a: &ArrayBase<S, D>) -> HostTensor {
        HostTensor { shape: a.shape().to_vec(), data: T::wrap(a.iter().copied().collect()) }
    }

    /// A view of the elements as an ndarray array; errors if `T` is not the dtype's type.
    pub fn view<T: Elem>(&self) -> Result<ArrayViewD<'_, T>> {
        let s = self.slice_checked::<T>()?;
        ArrayViewD::from_shape(IxDyn(&self.shape), s).map_err(|e| RuntimeError::Tensor(e.to_string()))
    }

    /// An owned ndarray copy; errors if `T` is not the dtype's type.
    pub fn to_ndarray<T: Elem>(&self) -> Result<ArrayD<T>> {
        Ok(self.view::<T>()?.to_owned())
    }

    pub fn dtype(&self) -> DType {
        self.data.dtype()
    }
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    pub fn rank(&self) -> usize {
        self.shape.len()
    }
    pub fn len(&self) -> usize {
        self.data.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn data(&self) -> &Data {
        &self.data
    }
    pub fn into_data(self) -> Data {
        self.data
    }
    /// Bytes of element storage (bool counts one byte).
    pub fn nbytes(&self) -> usize {
        self.len() * self.dtype().size_bytes()
    }

    /// The elements, if `T` is the dtype's type.
    pub fn as_slice<T: Elem>(&self) -> Option<&[T]> {
        T::slice(&self.data)
    }

    pub fn as_slice_mut<T: Elem>(&mut self) -> Option<&mut [T]> {
        T::slice_mut(&mut self.data)
    }

    /// The elements, or an error naming both dtypes.
    pub fn slice_checked<T: Elem>(&self) -> Result<&[T]> {
        self.as_slice::<T>().ok_or_else(|| {
            RuntimeError::Tensor(format!("expected a {} tensor, got {}{:?}", T::DTYPE, self.dtype(), self.shape))
        })
    }

    pub fn to_vec<T: Elem>(&self) -> Result<Vec<T>> {
        self.slice_checked::<T>().map(<[T]>::to_vec)
    }

    /// Every element as f64 (bool as 0/1), for comparisons and printing.
    pub fn to_f64_vec(&self) -> Vec<f64> {
        with_elem!(self.dtype(), T => T::slice(&self.data).unwrap_or(&[]).iter().map(|x| x.to_f64()).collect())
    }

    /// The element at a multi-index, as f64; `None` when the index is out of range.
    pub fn get_f64(&self, index: &[usize]) -> Option<f64> {
        if index.len() != self.shape.len() || index.iter().zip(&self.shape).any(|(i, d)| i >= d) {
            return None;
        }
        let flat = index.iter().zip(&self.shape).fold(0usize, |acc, (i, d)| acc * d + i);
        with_elem!(self.dtype(), T => T::slice(&self.data).map(|s| s[flat].to_f64()))
    }

    /// The same elements under a new shape of equal element count.
    pub fn reshape(self, shape: Vec<usize>) -> Result<HostTensor> {
        HostTensor::new(shape, self.data)
    }
}

impl fmt::Display for HostTensor {
    /// `f32[2, 3]`: the type only; values are printed by the CLI, which shortens them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:?}", self.dtype(), self.shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construction_checks_the_length() {
        assert!(HostTensor::from_vec(vec![2, 3], vec![0f32; 6]).is_ok());
        let e = HostTensor::from_vec(vec![2, 3], vec![0f32; 5]).unwrap_err().to_string();
        assert!(e.contains("5 elements") && e.contains("holds 6"), "{e}");
        assert!(HostTensor::zeros(DType::F32, vec![usize::MAX, 3]).is_err());
    }

    #[test]
    fn literal_splat_and_rounding() {
        let t = HostTensor::from_literal(&LiteralData::Float(vec![0.1]), &TensorType::known(DType::F16, &[2, 2])).unwrap();
        assert_eq!(t.shape(), &[2, 2]);
        // 0.1 in f16 is 0x2E66 = 0.0999755859375.
        assert_eq!(t.to_f64_vec(), vec![0.0999755859375; 4]);
        let t = HostTensor::from_literal(&LiteralData::Int(vec![1, -2, 3]), &TensorType::known(DType::I8, &[3])).unwrap();
        assert_eq!(t.as_slice::<i8>().unwrap(), &[1, -2, 3]);
        let e = HostTensor::from_literal(&LiteralData::Int(vec![300]), &TensorType::known(DType::U8, &[])).unwrap_err();
        assert!(e.to_string().contains("300"));
        let t = HostTensor::from_literal(&LiteralData::Bool(vec![true]), &TensorType::known(DType::Bool, &[0])).unwrap();
        assert!(t.is_empty());
    }

    #[test]
    fn literals_round_trip_exactly() {
        let cases = [
            HostTensor::from_vec(vec![3], vec![-0.0f32, f32::INFINITY, 1e-45]).unwrap(),
            HostTensor::from_vec(vec![2], vec![u32::MAX, 7]).unwrap(),
            HostTensor::from_vec(vec![2], vec![i64::MIN, i64::MAX]).unwrap(),
            HostTensor::from_vec(vec![2], vec![i8::MIN, -1i8]).unwrap(),
            HostTensor::from_vec(vec![1, 2], vec![half::bf16::from_f32(3.5), half::bf16::MIN_POSITIVE_SUBNORMAL]).unwrap(),
            HostTensor::from_vec(vec![2], vec![true, false]).unwrap(),
        ];
        for t in cases {
            let ty = TensorType::known(t.dtype(), &t.shape().iter().map(|&d| d as u64).collect::<Vec<_>>());
            let back = HostTensor::from_literal(&t.to_literal(), &ty).unwrap();
            assert_eq!(back, t);
        }
        // -0.0 keeps its sign (equality alone would not show it).
        let t = HostTensor::scalar(-0.0f64);
        assert_eq!(t.to_literal(), LiteralData::Float(vec![-0.0]));
        assert_ne!(t.to_literal(), LiteralData::Float(vec![0.0]));
    }

    #[test]
    fn from_f64_checks_integers() {
        let t = HostTensor::from_f64(DType::I32, vec![2], &[1.0, -7.0]).unwrap();
        assert_eq!(t.as_slice::<i32>().unwrap(), &[1, -7]);
        assert!(HostTensor::from_f64(DType::U8, vec![1], &[256.0]).is_err());
        assert!(HostTensor::from_f64(DType::I32, vec![1], &[1.5]).is_err());
        assert!(HostTensor::from_f64(DType::Bool, vec![1], &[2.0]).is_err());
    }

    #[test]
    fn ndarray_round_trip_and_access() {
        let a = ndarray::Array2::from_shape_fn((2, 3), |(i, j)| (10 * i + j) as i64);
        let t = HostTensor::from_ndarray(&a.t());
        assert_eq!(t.shape(), &[3, 2]);
        assert_eq!(t.as_slice::<i64>().unwrap(), &[0, 10, 1, 11, 2, 12]);
        assert_eq!(t.get_f64(&[2, 1]), Some(12.0));
        assert_eq!(t.get_f64(&[3, 0]), None);
        let back = t.to_ndarray::<i64>().unwrap();
        assert_eq!(back, a.t().into_dyn());
        assert!(t.view::<f32>().is_err());
    }

    #[test]
    fn sort_order_puts_nan_last_and_negative_zero_first() {
        let mut v = [f32::NAN, 1.0, -f32::NAN, 0.0, -0.0, f32::NEG_INFINITY];
        v.sort_by(Elem::sort_cmp);
        assert_eq!(v[0], f32::NEG_INFINITY);
        assert!(v[1] == 0.0 && v[1].is_sign_negative());
        assert!(v[2] == 0.0 && v[2].is_sign_positive());
        assert_eq!(v[3], 1.0);
        assert!(v[4].is_nan() && v[5].is_nan());
    }
}
