//! Symbolic dims at call time: binding them from the arguments, resolving declared types
//! to concrete shapes, and refusing results too large to allocate.
use crate::tensor::HostTensor;
use kc_ir::{DType, Dim, TensorType};
use std::collections::BTreeMap;

/// No single result may have more elements than this ...
pub const MAX_ELEMENTS: u64 = 1 << 31;
/// ... or take more bytes than this (16 GiB).
pub const MAX_BYTES: u64 = 16 << 30;

/// A concrete result type: dtype and extents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ty {
    pub dtype: DType,
    pub shape: Vec<usize>,
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{:?}", self.dtype, self.shape)
    }
}

/// The extent each symbolic dim is bound to, and the parameter that bound it.
#[derive(Clone, Debug, Default)]
pub struct Dims {
    bound: BTreeMap<String, (usize, String)>,
}

impl Dims {
    /// Every bound symbol and its size.
    pub fn bindings(&self) -> BTreeMap<String, i64> {
        self.bound.iter().map(|(s, (n, _))| (s.clone(), *n as i64)).collect()
    }

    pub fn get(&self, sym: &str) -> Option<usize> {
        self.bound.get(sym).map(|(n, _)| *n)
    }

    /// Check `actual` against parameter `name`'s declared type `ty`, binding the symbols
    /// it uses. Errors name the parameter and both types.
    pub fn bind(&mut self, name: &str, ty: &TensorType, actual: &HostTensor) -> Result<(), String> {
        let mismatch = |why: String| format!("%{name} expects {ty}, got {}{:?}: {why}", actual.dtype(), actual.shape());
        if actual.dtype() != ty.dtype {
            return Err(mismatch(format!("dtype {} is not {}", actual.dtype(), ty.dtype)));
        }
        if actual.rank() != ty.rank() {
            return Err(mismatch(format!("rank {} is not {}", actual.rank(), ty.rank())));
        }
        for (i, (d, &n)) in ty.shape.dims().iter().zip(actual.shape()).enumerate() {
            match d {
                Dim::Known(k) if *k != n as u64 => return Err(mismatch(format!("dim {i} must be {k}"))),
                Dim::Known(_) => {}
                Dim::Sym(s) => match self.bound.get(s) {
                    Some((m, by)) if *m != n => return Err(format!("dim {s} is {m} in %{by} but {n} in %{name}")),
                    Some(_) => {}
                    None => {
                        self.bound.insert(s.clone(), (n, name.to_string()));
                    }
                },
            }
        }
        Ok(())
    }

    /// The concrete type of a declared type, or an error naming an unbound symbol.
    pub fn resolve(&self, ty: &TensorType) -> Result<Ty, String> {
        let shape = ty
            .shape
            .dims()
            .iter()
            .map(|d| match d {
                Dim::Known(k) => usize::try_from(*k).map_err(|_| format!("dim {k} of {ty} does not fit in memory")),
                Dim::Sym(s) => self.get(s).ok_or_else(|| format!("unbound symbolic dim {s} in result type {ty}")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        check_size(ty.dtype, &shape)?;
        Ok(Ty { dtype: ty.dtype, shape })
    }
}

/// Refuse a result of more than [`MAX_ELEMENTS`] elements or [`MAX_BYTES`] bytes, with
/// overflow-checked arithmetic, before anything is allocated.
pub fn check_size(dtype: DType, shape: &[usize]) -> Result<(), String> {
    let mut n: u64 = 1;
    for &d in shape {
        // Saturate rather than overflow; a later 0 still makes the product (rightly) 0.
        n = n.saturating_mul(d as u64);
    }
    let too_big = n > MAX_ELEMENTS || n.saturating_mul(dtype.size_bytes() as u64) > MAX_BYTES;
    if too_big {
        let count = if n == u64::MAX { "more than 2^64".to_string() } else { n.to_string() };
        return Err(format!(
            "result {dtype}{shape:?} has {count} elements; the interpreter allows at most 2^31 elements and 16 GiB per tensor"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kc_ir::Shape;

    #[test]
    fn size_limit() {
        assert!(check_size(DType::F32, &[1 << 20, 1 << 11]).is_ok());
        assert!(check_size(DType::F32, &[1 << 20, (1 << 11) + 1]).is_err());
        assert!(check_size(DType::F32, &[usize::MAX, usize::MAX, 0]).is_ok());
        let e = check_size(DType::F32, &[1_000_000, 1_000_000]).unwrap_err();
        assert!(e.contains("1000000000000 elements"), "{e}");
    }

    #[test]
    fn binding() {
        let ty = TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(3)]));
        let mut d = Dims::default();
        d.bind("x", &ty, &HostTensor::zeros(DType::F32, vec![4, 3]).unwrap()).unwrap();
        assert_eq!(d.get("N"), Some(4));
        let e = d.bind("y", &ty, &HostTensor::zeros(DType::F32, vec![5, 3]).unwrap()).unwrap_err();
        assert_eq!(e, "dim N is 4 in %x but 5 in %y");
        let e = d.bind("z", &ty, &HostTensor::zeros(DType::F32, vec![4, 2]).unwrap()).unwrap_err();
        assert!(e.contains("%z expects f32[N, 3], got f32[4, 2]: dim 1 must be 3"), "{e}");
        let m = TensorType::new(DType::F32, Shape(vec![Dim::sym("M")]));
        assert!(d.resolve(&m).unwrap_err().contains("unbound symbolic dim M"));
    }
}
