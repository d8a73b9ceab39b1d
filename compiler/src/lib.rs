//! `kc-compiler`: the pass manager and the passes.
//!
//! - [`Pass`]: one trait; a pass is a struct in `passes/` plus one line in [`registry`].
//! - [`Pipeline`]: parsed from strings like `"cse,dce"` (options as `name{key=value}`),
//!   run with MLIR-style instrumentation ([`Instrumentation`]): verify after each pass,
//!   print before/after, timing, and a reproducer file when a pass fails.
//! - [`ConstEvaluator`]: the hook constant folding runs ops through, implemented above
//!   this crate (by the runtime's interpreter) and installed on the pipeline.
//! - [`shape_infer`]: type propagation and symbol specialization, also as library calls.
//! - [`memory::plan`]: liveness and buffer assignment for a function (the `plan-memory`
//!   pass reports it as statistics; `kc mem` prints it).
pub use kc_ir as ir;

pub mod autodiff;
pub mod evaluator;
pub mod flops;
pub mod loops;
pub mod memory;
pub mod pass;
pub mod passes;
pub mod pipeline;
pub mod registry;

pub use evaluator::{ConstEvaluator, ConstOperand};
pub use pass::{Changed, Pass, PassContext, PassOptions};
pub use passes::shape_infer;
pub use pipeline::{Instrumentation, Pipeline};
