//! Element types and array shapes as PJRT sees them, and their kc counterparts.
use kc_ir::DType;
use std::fmt;

/// A `PJRT_Buffer_Type`. kc's dtypes map to ten of them; the rest are named so that a
/// program or buffer of another type is reported rather than misread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementType {
    Pred,
    S8,
    S16,
    S32,
    S64,
    U8,
    U16,
    U32,
    U64,
    F16,
    F32,
    F64,
    BF16,
    C64,
    C128,
    /// Any other value of the enum (8-bit floats, 4-bit ints, tokens, ...).
    Other(i32),
}

impl ElementType {
    /// The value of the C enum.
    pub fn from_raw(v: i32) -> ElementType {
        use ElementType::*;
        match v {
            1 => Pred,
            2 => S8,
            3 => S16,
            4 => S32,
            5 => S64,
            6 => U8,
            7 => U16,
            8 => U32,
            9 => U64,
            10 => F16,
            11 => F32,
            12 => F64,
            13 => BF16,
            14 => C64,
            15 => C128,
            other => Other(other),
        }
    }

    pub fn to_raw(self) -> i32 {
        use ElementType::*;
        match self {
            Pred => 1,
            S8 => 2,
            S16 => 3,
            S32 => 4,
            S64 => 5,
            U8 => 6,
            U16 => 7,
            U32 => 8,
            U64 => 9,
            F16 => 10,
            F32 => 11,
            F64 => 12,
            BF16 => 13,
            C64 => 14,
            C128 => 15,
            Other(v) => v,
        }
    }

    pub fn from_dtype(d: DType) -> ElementType {
        match d {
            DType::F32 => ElementType::F32,
            DType::F64 => ElementType::F64,
            DType::F16 => ElementType::F16,
            DType::BF16 => ElementType::BF16,
            DType::I8 => ElementType::S8,
            DType::I32 => ElementType::S32,
            DType::I64 => ElementType::S64,
            DType::U8 => ElementType::U8,
            DType::U32 => ElementType::U32,
            DType::Bool => ElementType::Pred,
        }
    }

    /// The kc dtype of this element type, if kc has one.
    pub fn to_dtype(self) -> Option<DType> {
        DType::ALL.into_iter().find(|&d| ElementType::from_dtype(d) == self)
    }

    /// XLA's name (`pred`, `s32`, `bf16`, ...).
    pub fn xla_name(self) -> String {
        use ElementType::*;
        let s = match self {
            Pred => "pred",
            S8 => "s8",
            S16 => "s16",
            S32 => "s32",
            S64 => "s64",
            U8 => "u8",
            U16 => "u16",
            U32 => "u32",
            U64 => "u64",
            F16 => "f16",
            F32 => "f32",
            F64 => "f64",
            BF16 => "bf16",
            C64 => "c64",
            C128 => "c128",
            Other(v) => return format!("PJRT_Buffer_Type {v}"),
        };
        s.to_string()
    }

    /// The MLIR element type of a `tensor<...>` (`i1`, `f32`, `ui8`, `complex<f32>`).
    pub fn from_mlir(s: &str) -> Option<ElementType> {
        use ElementType::*;
        Some(match s {
            "i1" => Pred,
            "i8" | "si8" => S8,
            "i16" | "si16" => S16,
            "i32" | "si32" => S32,
            "i64" | "si64" => S64,
            "ui8" => U8,
            "ui16" => U16,
            "ui32" => U32,
            "ui64" => U64,
            "f16" => F16,
            "f32" => F32,
            "f64" => F64,
            "bf16" => BF16,
            "complex<f32>" => C64,
            "complex<f64>" => C128,
            _ => return None,
        })
    }
}

/// kc's dtype name where kc has the type (`i32`, `bool`), XLA's otherwise (`s16`).
impl fmt::Display for ElementType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_dtype() {
            Some(d) => write!(f, "{d}"),
            None => f.write_str(&self.xla_name()),
        }
    }
}

/// The type of an array: element type and extents, row-major. Printed `f32[2, 3]`, the way
/// `HostTensor` prints.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TensorSpec {
    pub element_type: ElementType,
    pub dims: Vec<usize>,
}

impl TensorSpec {
    pub fn new(element_type: ElementType, dims: Vec<usize>) -> TensorSpec {
        TensorSpec { element_type, dims }
    }
}

impl fmt::Display for TensorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:?}", self.element_type, self.dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dtype_round_trips_through_its_element_type() {
        for d in DType::ALL {
            let t = ElementType::from_dtype(d);
            assert_eq!(t.to_dtype(), Some(d));
            assert_eq!(ElementType::from_raw(t.to_raw()), t);
        }
        assert_eq!(ElementType::from_dtype(DType::Bool).to_raw(), 1, "PRED");
        assert_eq!(ElementType::from_dtype(DType::BF16).to_raw(), 13);
        assert_eq!(ElementType::S16.to_dtype(), None);
        assert_eq!(ElementType::from_raw(29), ElementType::Other(29));
    }

    #[test]
    fn names() {
        assert_eq!(TensorSpec::new(ElementType::F32, vec![2, 3]).to_string(), "f32[2, 3]");
        assert_eq!(TensorSpec::new(ElementType::Pred, vec![]).to_string(), "bool[]");
        assert_eq!(ElementType::S16.to_string(), "s16");
        assert_eq!(ElementType::from_mlir("i1"), Some(ElementType::Pred));
        assert_eq!(ElementType::from_mlir("ui32"), Some(ElementType::U32));
        assert_eq!(ElementType::from_mlir("f8E4M3FN"), None);
    }
}
