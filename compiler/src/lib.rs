//! `kc-compiler`: the pass manager and the passes (shape inference, autodiff,
//! simplification, fusion, memory planning). Only the IR is re-exported for now;
//! the passes arrive with the passes issue.
pub use kc_ir as ir;
