//! `kc-compiler`: the pass manager and the passes.
//!
//! - [`Pass`]: one trait; a pass is a struct in `passes/` plus one line in [`registry`].
//! - [`Pipeline`]: parsed from strings like `"cse,dce"` (options as `name{key=value}`),
//!   run with MLIR-style instrumentation ([`Instrumentation`]): verify after each pass,
//!   print before/after, timing, and a reproducer file when a pass fails.
//! - [`memory::plan`]: liveness and buffer assignment for a function (the `plan-memory`
//!   pass reports it as statistics; `kc mem` prints it).
pub use kc_ir as ir;

pub mod memory;
pub mod pass;
pub mod passes;
pub mod pipeline;
pub mod registry;

pub use pass::{Changed, Pass, PassContext, PassOptions};
pub use pipeline::{Instrumentation, Pipeline};
