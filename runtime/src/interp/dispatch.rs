//! Macros that run generic code for the element type of a runtime dtype, restricted to a
//! class of dtypes; the `else` arm handles the dtypes outside the class (usually an error).
//! `with_elem!` (every dtype) lives in `tensor.rs`.

/// Numbers: the float and integer dtypes.
macro_rules! with_num {
    ($dtype:expr, $T:ident => $body:expr, else => $other:expr) => {
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
            kc_ir::DType::Bool => $other,
        }
    };
}

/// The float dtypes.
macro_rules! with_float {
    ($dtype:expr, $T:ident => $body:expr, else => $other:expr) => {
        match $dtype {
            kc_ir::DType::F32 => { type $T = f32; $body }
            kc_ir::DType::F64 => { type $T = f64; $body }
            kc_ir::DType::F16 => { type $T = half::f16; $body }
            kc_ir::DType::BF16 => { type $T = half::bf16; $body }
            _ => $other,
        }
    };
}

/// The integer dtypes.
macro_rules! with_int {
    ($dtype:expr, $T:ident => $body:expr, else => $other:expr) => {
        match $dtype {
            kc_ir::DType::I8 => { type $T = i8; $body }
            kc_ir::DType::I32 => { type $T = i32; $body }
            kc_ir::DType::I64 => { type $T = i64; $body }
            kc_ir::DType::U8 => { type $T = u8; $body }
            kc_ir::DType::U32 => { type $T = u32; $body }
            _ => $other,
        }
    };
}

pub(crate) use {with_float, with_int, with_num};

use crate::tensor::{Elem, HostTensor};

/// The elements of `x` as `T`. The dispatch macros pick `T` from `x.dtype()`, so a
/// mismatch is a bug in the interpreter, not in the program it runs.
pub(crate) fn sl<T: Elem>(x: &HostTensor) -> &[T] {
    x.as_slice::<T>().expect("dispatch picked the tensor's own element type")
}
