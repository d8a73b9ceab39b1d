//! The op set: one flat enum, and one table row per op that says its text name, arity,
//! result count, regions and attributes. Parser, printer, verifier and docs read the table;
//! only type rules (`infer.rs`) and semantics (the interpreter) are code per op.
use crate::attr::AttrKind;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OpKind {
    // leaves
    Parameter,
    Constant,
    Iota,
    // elementwise unary
    Neg,
    Abs,
    Sign,
    Exp,
    Expm1,
    Log,
    Log1p,
    Sqrt,
    Rsqrt,
    Tanh,
    Logistic,
    Sin,
    Cos,
    Tan,
    Erf,
    Floor,
    Ceil,
    RoundNearestEven,
    IsFinite,
    Not,
    PopCnt,
    Convert,
    BitcastConvert,
    // elementwise binary
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Max,
    Min,
    Atan2,
    And,
    Or,
    Xor,
    ShiftLeft,
    ShiftRightLogical,
    ShiftRightArithmetic,
    Compare,
    // elementwise ternary
    Select,
    Clamp,
    // data movement
    BroadcastInDim,
    Reshape,
    Transpose,
    Slice,
    DynamicSlice,
    DynamicUpdateSlice,
    Pad,
    Concatenate,
    Reverse,
    Gather,
    Scatter,
    GetDimensionSize,
    // reductions and contractions
    Reduce,
    ArgMax,
    ArgMin,
    ReduceWindow,
    DotGeneral,
    Convolution,
    Sort,
    TopK,
    CumSum,
    CumProd,
    CumMax,
    CumMin,
    // control flow
    While,
    Fusion,
    Return,
}

/// How many operands an op takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arity {
    Exactly(usize),
    AtLeast(usize),
}

impl Arity {
    pub fn accepts(self, n: usize) -> bool {
        match self {
            Arity::Exactly(k) => n == k,
            Arity::AtLeast(k) => n >= k,
        }
    }
    pub fn describe(self) -> String {
        match self {
            Arity::Exactly(1) => "1 operand".into(),
            Arity::Exactly(k) => format!("{k} operands"),
            Arity::AtLeast(k) => format!("at least {k} operand{}", if k == 1 { "" } else { "s" }),
        }
    }
}

/// How many results an op produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Results {
    Fixed(usize),
    /// One result per operand (sort, while).
    PerOperand,
    /// One result per value the op's (only) region returns (fusion).
    Returned,
}

impl Results {
    /// The number of results of a node with `operands` operands and these regions.
    pub fn count(self, operands: usize, regions: &[crate::graph::Region]) -> usize {
        match self {
            Results::Fixed(n) => n,
            Results::PerOperand => operands,
            Results::Returned => regions.first().map_or(0, |r| r.return_node().map_or(0, |n| r.operands(n).len())),
        }
    }
}

/// The default of an attribute that may be left out of the text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Default {
    /// Must be given.
    Required,
    /// May be absent; the op's type rule and semantics say what absence means
    /// (for window lists: all ones or all zeros of the right length).
    Absent,
    Int(i64),
    Bool(bool),
    Sym(&'static str),
}

#[derive(Clone, Copy, Debug)]
pub struct AttrSpec {
    pub name: &'static str,
    pub kind: AttrKind,
    pub default: Default,
}

const fn req(name: &'static str, kind: AttrKind) -> AttrSpec {
    AttrSpec { name, kind, default: Default::Required }
}
const fn opt(name: &'static str, kind: AttrKind) -> AttrSpec {
    AttrSpec { name, kind, default: Default::Absent }
}
const fn def(name: &'static str, kind: AttrKind, default: Default) -> AttrSpec {
    AttrSpec { name, kind, default }
}

/// Broad families; shared type rules and docs are organised by them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Leaf,
    Unary,
    Binary,
    Ternary,
    Movement,
    Reduction,
    Control,
}

#[derive(Clone, Copy, Debug)]
pub struct OpInfo {
    pub kind: OpKind,
    /// Name in `.kir` text.
    pub name: &'static str,
    pub family: Family,
    pub operands: Arity,
    pub results: Results,
    /// Names of the op's regions, in order (`while`: `cond`, `body`; `fusion`: `body`).
    pub regions: &'static [&'static str],
    pub attrs: &'static [AttrSpec],
    /// Whether the result types come from the text (`: T`) rather than from operands alone:
    /// such ops take their result shape or dtype from the declared type and check it.
    pub declared_result: bool,
    pub summary: &'static str,
}

pub const COMPARE_DIRECTIONS: &[&str] = &["eq", "ne", "lt", "le", "gt", "ge"];
pub const REDUCE_KINDS: &[&str] = &["sum", "prod", "max", "min", "and", "or"];
pub const WINDOW_KINDS: &[&str] = &["sum", "max", "min"];
pub const SCATTER_KINDS: &[&str] = &["replace", "add", "mul", "max", "min"];
/// Fusion kinds, named after XLA's: `loop` (elementwise, broadcast and reshape chains,
/// one loop over the output) and `input` (a reduction fused with the chain computing its
/// input: one loop over the reduced input).
pub const FUSION_KINDS: &[&str] = &["loop", "input"];

const NONE: &[AttrSpec] = &[];
const DIM_REVERSE: &[AttrSpec] =
    &[req("dimension", AttrKind::Int), def("reverse", AttrKind::Bool, Default::Bool(false))];

macro_rules! row {
    ($kind:ident, $name:literal, $fam:ident, $ops:expr, $res:expr, $attrs:expr, $decl:literal, $sum:literal) => {
        OpInfo {
            kind: OpKind::$kind,
            name: $name,
            family: Family::$fam,
            operands: $ops,
            results: $res,
            regions: &[],
            attrs: $attrs,
            declared_result: $decl,
            summary: $sum,
        }
    };
}

use Arity::{AtLeast, Exactly};
const ONE: Results = Results::Fixed(1);

/// The op table, in `OpKind` order (a unit test checks the order).
pub static OPS: &[OpInfo] = &[
    row!(Parameter, "parameter", Leaf, Exactly(0), ONE, &[req("index", AttrKind::Int), req("name", AttrKind::Str)], true, "a function or region argument"),
    row!(Constant, "constant", Leaf, Exactly(0), ONE, &[req("value", AttrKind::Literal)], true, "a constant tensor (one value is a splat)"),
    row!(Iota, "iota", Leaf, Exactly(0), ONE, &[req("dimension", AttrKind::Int)], true, "indices 0,1,2,... along one dimension"),
    row!(Neg, "neg", Unary, Exactly(1), ONE, NONE, false, "-x"),
    row!(Abs, "abs", Unary, Exactly(1), ONE, NONE, false, "|x|"),
    row!(Sign, "sign", Unary, Exactly(1), ONE, NONE, false, "-1, 0 or 1 (NaN stays NaN)"),
    row!(Exp, "exp", Unary, Exactly(1), ONE, NONE, false, "e^x"),
    row!(Expm1, "expm1", Unary, Exactly(1), ONE, NONE, false, "e^x - 1, exact near 0"),
    row!(Log, "log", Unary, Exactly(1), ONE, NONE, false, "natural logarithm"),
    row!(Log1p, "log1p", Unary, Exactly(1), ONE, NONE, false, "log(1 + x), exact near 0"),
    row!(Sqrt, "sqrt", Unary, Exactly(1), ONE, NONE, false, "square root"),
    row!(Rsqrt, "rsqrt", Unary, Exactly(1), ONE, NONE, false, "1 / sqrt(x)"),
    row!(Tanh, "tanh", Unary, Exactly(1), ONE, NONE, false, "hyperbolic tangent"),
    row!(Logistic, "logistic", Unary, Exactly(1), ONE, NONE, false, "1 / (1 + e^-x)"),
    row!(Sin, "sin", Unary, Exactly(1), ONE, NONE, false, "sine"),
    row!(Cos, "cos", Unary, Exactly(1), ONE, NONE, false, "cosine"),
    row!(Tan, "tan", Unary, Exactly(1), ONE, NONE, false, "tangent"),
    row!(Erf, "erf", Unary, Exactly(1), ONE, NONE, false, "the error function"),
    row!(Floor, "floor", Unary, Exactly(1), ONE, NONE, false, "round toward -inf"),
    row!(Ceil, "ceil", Unary, Exactly(1), ONE, NONE, false, "round toward +inf"),
    row!(RoundNearestEven, "round_nearest_even", Unary, Exactly(1), ONE, NONE, false, "round to nearest, ties to even"),
    row!(IsFinite, "is_finite", Unary, Exactly(1), ONE, NONE, false, "true where x is neither inf nor NaN"),
    row!(Not, "not", Unary, Exactly(1), ONE, NONE, false, "logical not (bool) or bitwise not (integers)"),
    row!(PopCnt, "popcnt", Unary, Exactly(1), ONE, NONE, false, "number of set bits"),
    row!(Convert, "convert", Unary, Exactly(1), ONE, NONE, true, "value conversion to the declared dtype"),
    row!(BitcastConvert, "bitcast_convert", Unary, Exactly(1), ONE, NONE, true, "reinterpret the bits as the declared dtype of equal width"),
    row!(Add, "add", Binary, Exactly(2), ONE, NONE, false, "x + y (integers wrap)"),
    row!(Sub, "sub", Binary, Exactly(2), ONE, NONE, false, "x - y (integers wrap)"),
    row!(Mul, "mul", Binary, Exactly(2), ONE, NONE, false, "x * y (integers wrap)"),
    row!(Div, "div", Binary, Exactly(2), ONE, NONE, false, "x / y (integers truncate; x/0 = -1)"),
    row!(Rem, "rem", Binary, Exactly(2), ONE, NONE, false, "remainder with the sign of x (x%0 = x)"),
    row!(Pow, "pow", Binary, Exactly(2), ONE, NONE, false, "x^y"),
    row!(Max, "max", Binary, Exactly(2), ONE, NONE, false, "larger of x and y (NaN propagates)"),
    row!(Min, "min", Binary, Exactly(2), ONE, NONE, false, "smaller of x and y (NaN propagates)"),
    row!(Atan2, "atan2", Binary, Exactly(2), ONE, NONE, false, "angle of the point (y=x, x=y)"),
    row!(And, "and", Binary, Exactly(2), ONE, NONE, false, "logical or bitwise and"),
    row!(Or, "or", Binary, Exactly(2), ONE, NONE, false, "logical or bitwise or"),
    row!(Xor, "xor", Binary, Exactly(2), ONE, NONE, false, "logical or bitwise exclusive or"),
    row!(ShiftLeft, "shift_left", Binary, Exactly(2), ONE, NONE, false, "x << y (0 when y >= bits)"),
    row!(ShiftRightLogical, "shift_right_logical", Binary, Exactly(2), ONE, NONE, false, "x >> y filling zeros"),
    row!(ShiftRightArithmetic, "shift_right_arithmetic", Binary, Exactly(2), ONE, NONE, false, "x >> y filling the sign bit"),
    row!(Compare, "compare", Binary, Exactly(2), ONE, &[req("direction", AttrKind::Sym(COMPARE_DIRECTIONS))], false, "elementwise comparison giving bool"),
    row!(Select, "select", Ternary, Exactly(3), ONE, NONE, false, "pred ? on_true : on_false"),
    row!(Clamp, "clamp", Ternary, Exactly(3), ONE, NONE, false, "min(max(x, lo), hi), operands (lo, x, hi)"),
    row!(BroadcastInDim, "broadcast_in_dim", Movement, Exactly(1), ONE, &[req("dims", AttrKind::Ints)], true, "broadcast to the declared shape, operand dim i to result dim dims[i]"),
    row!(Reshape, "reshape", Movement, Exactly(1), ONE, NONE, true, "same elements in row-major order, declared shape"),
    row!(Transpose, "transpose", Movement, Exactly(1), ONE, &[req("permutation", AttrKind::Ints)], false, "result dim i is operand dim permutation[i]"),
    row!(Slice, "slice", Movement, Exactly(1), ONE, &[req("start", AttrKind::Ints), req("limit", AttrKind::Ints), opt("strides", AttrKind::Ints)], false, "static strided slice"),
    row!(DynamicSlice, "dynamic_slice", Movement, AtLeast(1), ONE, &[req("sizes", AttrKind::Ints)], false, "slice of static sizes at runtime start indices (clamped)"),
    row!(DynamicUpdateSlice, "dynamic_update_slice", Movement, AtLeast(2), ONE, NONE, false, "overwrite a block at runtime start indices (clamped)"),
    row!(Pad, "pad", Movement, Exactly(2), ONE, &[req("low", AttrKind::Ints), req("high", AttrKind::Ints), opt("interior", AttrKind::Ints)], false, "edge (possibly negative) and interior padding with a scalar"),
    row!(Concatenate, "concatenate", Movement, AtLeast(1), ONE, &[req("dimension", AttrKind::Int)], false, "join along one dimension"),
    row!(Reverse, "reverse", Movement, Exactly(1), ONE, &[req("dimensions", AttrKind::Ints)], false, "reverse the order along dimensions"),
    row!(Gather, "gather", Movement, Exactly(2), ONE, &[req("offset_dims", AttrKind::Ints), req("collapsed_slice_dims", AttrKind::Ints), req("start_index_map", AttrKind::Ints), req("index_vector_dim", AttrKind::Int), req("slice_sizes", AttrKind::Ints)], false, "StableHLO gather (slices at runtime indices)"),
    row!(Scatter, "scatter", Movement, Exactly(3), ONE, &[req("update_window_dims", AttrKind::Ints), req("inserted_window_dims", AttrKind::Ints), req("scatter_dims_to_operand_dims", AttrKind::Ints), req("index_vector_dim", AttrKind::Int), def("kind", AttrKind::Sym(SCATTER_KINDS), Default::Sym("replace"))], false, "StableHLO scatter with a combiner kind"),
    row!(GetDimensionSize, "get_dimension_size", Movement, Exactly(1), ONE, &[req("dimension", AttrKind::Int)], false, "the extent of one dimension as an i32 scalar"),
    row!(Reduce, "reduce", Reduction, Exactly(1), ONE, &[req("dimensions", AttrKind::Ints), req("kind", AttrKind::Sym(REDUCE_KINDS))], false, "reduce dimensions away with sum/prod/max/min/and/or"),
    row!(ArgMax, "argmax", Reduction, Exactly(1), ONE, &[req("dimension", AttrKind::Int)], true, "index of the largest element (first on ties; NaN counts as largest)"),
    row!(ArgMin, "argmin", Reduction, Exactly(1), ONE, &[req("dimension", AttrKind::Int)], true, "index of the smallest element (first on ties; NaN counts as smallest)"),
    row!(ReduceWindow, "reduce_window", Reduction, Exactly(1), ONE, &[req("kind", AttrKind::Sym(WINDOW_KINDS)), req("window", AttrKind::Ints), opt("strides", AttrKind::Ints), opt("padding_low", AttrKind::Ints), opt("padding_high", AttrKind::Ints), opt("base_dilation", AttrKind::Ints), opt("window_dilation", AttrKind::Ints)], false, "pooling: reduce each window"),
    row!(DotGeneral, "dot_general", Reduction, Exactly(2), ONE, &[def("lhs_batch", AttrKind::Ints, Default::Absent), def("rhs_batch", AttrKind::Ints, Default::Absent), req("lhs_contracting", AttrKind::Ints), req("rhs_contracting", AttrKind::Ints)], false, "batched tensor contraction; result dims are batch, lhs free, rhs free"),
    row!(Convolution, "convolution", Reduction, Exactly(2), ONE, &[opt("window_strides", AttrKind::Ints), opt("padding_low", AttrKind::Ints), opt("padding_high", AttrKind::Ints), opt("lhs_dilation", AttrKind::Ints), opt("rhs_dilation", AttrKind::Ints), def("feature_group_count", AttrKind::Int, Default::Int(1)), opt("input_dims", AttrKind::Ints), opt("kernel_dims", AttrKind::Ints), opt("output_dims", AttrKind::Ints)], false, "general N-d convolution (cross-correlation)"),
    row!(Sort, "sort", Reduction, AtLeast(1), Results::PerOperand, &[req("dimension", AttrKind::Int), def("descending", AttrKind::Bool, Default::Bool(false))], false, "stable sort of all operands by the first"),
    row!(TopK, "top_k", Reduction, Exactly(1), Results::Fixed(2), &[req("k", AttrKind::Int)], false, "k largest along the last dimension and their indices"),
    row!(CumSum, "cumsum", Reduction, Exactly(1), ONE, DIM_REVERSE, false, "inclusive running sum"),
    row!(CumProd, "cumprod", Reduction, Exactly(1), ONE, DIM_REVERSE, false, "inclusive running product"),
    row!(CumMax, "cummax", Reduction, Exactly(1), ONE, DIM_REVERSE, false, "inclusive running maximum"),
    row!(CumMin, "cummin", Reduction, Exactly(1), ONE, DIM_REVERSE, false, "inclusive running minimum"),
    OpInfo { kind: OpKind::While, name: "while", family: Family::Control, operands: AtLeast(0), results: Results::PerOperand, regions: &["cond", "body"], attrs: NONE, declared_result: false, summary: "loop: run body while cond holds, on loop-carried values" },
    OpInfo { kind: OpKind::Fusion, name: "fusion", family: Family::Control, operands: AtLeast(0), results: Results::Returned, regions: &["body"], attrs: &[req("kind", AttrKind::Sym(FUSION_KINDS))], declared_result: false, summary: "a fused kernel: its body runs on its operands and returns its results" },
    row!(Return, "return", Control, AtLeast(0), Results::Fixed(0), NONE, false, "the results of a function or region"),
];

impl OpKind {
    pub fn info(self) -> &'static OpInfo {
        &OPS[self as usize]
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn from_name(name: &str) -> Option<OpKind> {
        OPS.iter().find(|i| i.name == name).map(|i| i.kind)
    }
    pub fn attr_spec(self, name: &str) -> Option<&'static AttrSpec> {
        self.info().attrs.iter().find(|a| a.name == name)
    }
    pub fn all() -> impl Iterator<Item = OpKind> {
        OPS.iter().map(|i| i.kind)
    }
}

impl std::fmt::Display for OpKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_in_enum_order_and_names_are_unique() {
        for (i, info) in OPS.iter().enumerate() {
            assert_eq!(info.kind as usize, i, "row {} ({}) is out of order", i, info.name);
        }
        let mut names: Vec<_> = OPS.iter().map(|i| i.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), OPS.len());
    }
}
