//! `kc-runtime`: running kc programs.
//!
//! - [`HostTensor`] / [`Data`]: dense row-major tensors in host memory.
//! - [`interp`]: the reference interpreter, the executable definition of every op's
//!   meaning that each lowering is tested against ([`interp::run`], [`interp::run_func`]).
//! - [`npy`], [`idx`]: reading (and for `.npy`, writing) tensors from files.
//! - [`pjrt`]: running StableHLO programs on XLA through a PJRT plugin (docs/runtime.md).
//! - [`xla`]: kc functions on XLA: specialize, lower to StableHLO, compile (cached), run.
//! - [`fold`]: the interpreter as the compiler's constant evaluator (`canonicalize` folds
//!   through it).
pub mod error;
pub mod fold;
pub mod idx;
pub mod interp;
pub mod npy;
pub mod pjrt;
pub mod tensor;
pub mod xla;

pub use error::RuntimeError;
pub use interp::{bind_symbols, run, run_func};
pub use tensor::{Data, Elem, HostTensor};
