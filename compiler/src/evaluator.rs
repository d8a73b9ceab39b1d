//! The hook constant folding runs ops through.
//!
//! Folding needs the meaning of every op, and that meaning is the reference interpreter,
//! which lives in `kc-runtime`, a crate above this one (`ir ← compiler ← lowering ←
//! runtime`). So the compiler only states what it needs, this trait, and the runtime
//! implements it (`kc_runtime::fold::Interpreter`). Whoever assembles a pipeline installs
//! one with [`crate::Pipeline::with_evaluator`]; passes find it in
//! [`crate::PassContext::evaluator`].
use kc_ir::{Attrs, LiteralData, OpKind, Region, Result, TensorType};

/// One constant operand: its data (a splat when it has one element) and its type.
#[derive(Clone, Copy, Debug)]
pub struct ConstOperand<'a> {
    pub data: &'a LiteralData,
    pub ty: &'a TensorType,
}

/// Evaluates one op whose operands are all constants.
pub trait ConstEvaluator: Send + Sync {
    /// The results of `op` with `attrs` (and `regions`, which folding never passes today)
    /// on `operands`, one literal per entry of `results`, holding every element of that
    /// (static) type in row-major order, or one element for a splat. An `Err` means
    /// "cannot evaluate this", and the op is left as it is.
    fn eval(
        &self,
        op: OpKind,
        attrs: &Attrs,
        regions: &[Region],
        operands: &[ConstOperand<'_>],
        results: &[TensorType],
    ) -> Result<Vec<LiteralData>>;
}
