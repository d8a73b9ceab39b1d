//! `kc-lowering`: turns IR into target programs (StableHLO text, LLVM IR, PTX, MLIR).
//! A lowering never runs anything; executing is the runtime's job.
pub use kc_compiler as compiler;

pub mod stablehlo;
