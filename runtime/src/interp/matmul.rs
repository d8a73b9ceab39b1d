//! Dense matrix multiply, the kernel under `dot_general` and `convolution`.
//!
//! f32 and f64 use ndarray's `general_mat_mul` (the `matrixmultiply` crate: blocked and
//! vectorised); f16 and bf16 are widened to f32, multiplied with f32 accumulation and
//! rounded once; integers use a plain loop with wrapping arithmetic (ndarray's generic
//! path would panic on overflow in debug builds).
use super::dispatch::{sl, with_int};
use super::scalar::Num;
use crate::tensor::{Data, Elem, HostTensor};
use half::{bf16, f16};
use kc_ir::DType;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

/// Element types with a matrix multiply: `c = a · b` (c is overwritten).
pub trait Gemm: Num {
    fn gemm(a: ArrayView2<Self>, b: ArrayView2<Self>, c: ArrayViewMut2<Self>);
}

macro_rules! impl_gemm_float {
    ($t:ty) => {
        impl Gemm for $t {
            fn gemm(a: ArrayView2<$t>, b: ArrayView2<$t>, mut c: ArrayViewMut2<$t>) {
                c.fill(0.0);
                general_mat_mul(1.0, &a, &b, 0.0, &mut c);
            }
        }
    };
}
impl_gemm_float!(f32);
impl_gemm_float!(f64);

macro_rules! impl_gemm_int {
    ($t:ty) => {
        impl Gemm for $t {
            fn gemm(a: ArrayView2<$t>, b: ArrayView2<$t>, mut c: ArrayViewMut2<$t>) {
                c.fill(0);
                let (m, k) = a.dim();
                let n = b.dim().1;
                for i in 0..m {
                    for p in 0..k {
                        let x = a[[i, p]];
                        for j in 0..n {
                            c[[i, j]] = Num::add(c[[i, j]], Num::mul(x, b[[p, j]]));
                        }
                    }
                }
            }
        }
    };
}
impl_gemm_int!(i8);
impl_gemm_int!(i32);
impl_gemm_int!(i64);
impl_gemm_int!(u8);
impl_gemm_int!(u32);

/// A computation on two operands written once for every GEMM element type.
pub trait GemmJob {
    fn run<T: Gemm>(&self, a: &[T], b: &[T]) -> Result<Vec<T>, String>;
}

/// Run `job` on `a` and `b` (same dtype) in their GEMM type: f16/bf16 are widened to f32
/// and the result is rounded back once.
pub fn run_job<J: GemmJob>(job: &J, a: &HostTensor, b: &HostTensor) -> Result<Data, String> {
    if a.dtype() != b.dtype() {
        return Err(format!("operands {a} and {b} must have one dtype"));
    }
    fn widen<T: Num<Acc = f32>>(x: &HostTensor) -> Vec<f32> {
        sl::<T>(x).iter().map(|v| v.to_acc()).collect()
    }
    Ok(match a.dtype() {
        DType::F32 => Data::F32(job.run(sl::<f32>(a), sl::<f32>(b))?),
        DType::F64 => Data::F64(job.run(sl::<f64>(a), sl::<f64>(b))?),
        DType::F16 => {
            let out = job.run(&widen::<f16>(a), &widen::<f16>(b))?;
            Data::F16(out.into_iter().map(f16::from_f32).collect())
        }
        DType::BF16 => {
            let out = job.run(&widen::<bf16>(a), &widen::<bf16>(b))?;
            Data::BF16(out.into_iter().map(bf16::from_f32).collect())
        }
        dt => with_int!(dt, T => T::wrap(job.run(sl::<T>(a), sl::<T>(b))?), else => return Err("bool operands have no product".into())),
    })
}
