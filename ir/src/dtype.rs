//! Element types. The set is fixed by the design; every lowering maps each of them.
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DType {
    F32,
    F64,
    F16,
    BF16,
    I8,
    I32,
    I64,
    U8,
    U32,
    Bool,
}

/// What arithmetic a dtype takes part in; type rules are written against these classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DTypeClass {
    Float,
    SignedInt,
    UnsignedInt,
    Bool,
}

impl DType {
    /// Every dtype, in the order the docs list them.
    pub const ALL: [DType; 10] = [
        DType::F32,
        DType::F64,
        DType::F16,
        DType::BF16,
        DType::I8,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U32,
        DType::Bool,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::F16 => "f16",
            DType::BF16 => "bf16",
            DType::I8 => "i8",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::U8 => "u8",
            DType::U32 => "u32",
            DType::Bool => "bool",
        }
    }

    pub fn from_name(s: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == s)
    }

    pub fn class(self) -> DTypeClass {
        match self {
            DType::F32 | DType::F64 | DType::F16 | DType::BF16 => DTypeClass::Float,
            DType::I8 | DType::I32 | DType::I64 => DTypeClass::SignedInt,
            DType::U8 | DType::U32 => DTypeClass::UnsignedInt,
            DType::Bool => DTypeClass::Bool,
        }
    }

    pub fn is_float(self) -> bool {
        self.class() == DTypeClass::Float
    }
    pub fn is_int(self) -> bool {
        matches!(self.class(), DTypeClass::SignedInt | DTypeClass::UnsignedInt)
    }
    pub fn is_bool(self) -> bool {
        self == DType::Bool
    }

    /// Size of one element in bytes (bool is stored as one byte).
    pub fn size_bytes(self) -> usize {
        match self {
            DType::F64 | DType::I64 => 8,
            DType::F32 | DType::I32 | DType::U32 => 4,
            DType::F16 | DType::BF16 => 2,
            DType::I8 | DType::U8 | DType::Bool => 1,
        }
    }

    /// Number of bits, used by shifts and bitcasts.
    pub fn bits(self) -> u32 {
        self.size_bytes() as u32 * 8
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
