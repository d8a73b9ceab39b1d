//! The gradient table: for every op, its vector-Jacobian product, or the statement that
//! its derivative is zero, or that it is not differentiable and why. The match has no
//! wildcard on purpose: adding an op does not compile until it has an entry here.
//!
//! A rule receives the op (operands, results, attributes) and one optional cotangent
//! per result (`None`: zero), and returns one optional cotangent per operand. It only
//! needs to be right for float operands; the driver drops the rest.
mod contract;
mod control;
mod elementwise;
mod movement;
mod reduce;
mod scan;
mod window;

use super::{Emit, Site};
use kc_ir::{OpKind, Result, Value};

pub type VjpFn = fn(&mut Emit, &Site, &[Option<Value>]) -> Result<Vec<Option<Value>>>;

#[derive(Clone, Copy)]
pub enum Rule {
    Vjp(VjpFn),
    /// Differentiable with derivative zero almost everywhere (rounding, sign).
    Zero,
    /// No derivative: asking for one through this op is an error with this reason.
    NotDifferentiable(&'static str),
}

const BITS: &str = "its result is a reinterpretation of bits";
const INTEGER: &str = "it is an integer, bool or comparison op";
const SHAPE: &str = "its result is an extent (an integer that does not depend on the operand's values)";

pub fn rule(op: OpKind) -> Rule {
    use elementwise as e;
    use OpKind::*;
    use Rule::*;
    match op {
        // Leaves have no operands; parameters are where gradients are collected.
        Parameter | Constant | Iota | Return => Zero,
        Neg => Vjp(e::neg),
        Abs => Vjp(e::abs),
        Sign | Floor | Ceil | RoundNearestEven => Zero,
        Exp => Vjp(e::exp),
        Expm1 => Vjp(e::expm1),
        Log => Vjp(e::log),
        Log1p => Vjp(e::log1p),
        Sqrt => Vjp(e::sqrt),
        Rsqrt => Vjp(e::rsqrt),
        Tanh => Vjp(e::tanh),
        Logistic => Vjp(e::logistic),
        Sin => Vjp(e::sin),
        Cos => Vjp(e::cos),
        Tan => Vjp(e::tan),
        Erf => Vjp(e::erf),
        Convert => Vjp(e::convert),
        BitcastConvert => NotDifferentiable(BITS),
        IsFinite | Not | PopCnt | And | Or | Xor | ShiftLeft | ShiftRightLogical | ShiftRightArithmetic | Compare => {
            NotDifferentiable(INTEGER)
        }
        Add => Vjp(e::add),
        Sub => Vjp(e::sub),
        Mul => Vjp(e::mul),
        Div => Vjp(e::div),
        Rem => Vjp(e::rem),
        Pow => Vjp(e::pow),
        Max => Vjp(e::max),
        Min => Vjp(e::min),
        Atan2 => Vjp(e::atan2),
        Select => Vjp(e::select),
        Clamp => Vjp(e::clamp),
        BroadcastInDim => Vjp(movement::broadcast_in_dim),
        Reshape => Vjp(movement::reshape),
        Transpose => Vjp(movement::transpose),
        Slice => Vjp(movement::slice),
        DynamicSlice => Vjp(movement::dynamic_slice),
        DynamicUpdateSlice => Vjp(movement::dynamic_update_slice),
        Pad => Vjp(movement::pad),
        Concatenate => Vjp(movement::concatenate),
        Reverse => Vjp(movement::reverse),
        Gather => Vjp(movement::gather),
        Scatter => Vjp(movement::scatter),
        Reduce => Vjp(reduce::reduce),
        ArgMax | ArgMin => NotDifferentiable(INTEGER),
        GetDimensionSize => NotDifferentiable(SHAPE),
        ReduceWindow => Vjp(window::reduce_window),
        DotGeneral => Vjp(contract::dot_general),
        Convolution => Vjp(contract::convolution),
        Sort => Vjp(scan::sort),
        TopK => Vjp(scan::top_k),
        CumSum => Vjp(scan::cumsum),
        CumProd => Vjp(scan::cumprod),
        CumMax | CumMin => Vjp(scan::cum_extremum),
        While => Vjp(control::while_loop),
        Fusion => Vjp(control::fusion),
    }
}

/// The one cotangent of a single-result op (the driver only calls a rule when some
/// result has one).
pub(crate) fn single(g: &[Option<Value>]) -> Result<Value> {
    g.first().copied().flatten().ok_or_else(|| kc_ir::Error::ty("internal: a rule was called without a cotangent"))
}
