//! `kc-ir`: kc's typed dataflow IR.
//!
//! - [`DType`], [`Dim`], [`Shape`], [`TensorType`]: element types and symbolic shapes.
//! - [`OpKind`] and the op table [`op::OPS`]: the primitive op set.
//! - [`Module`], [`Func`], [`Region`], [`Node`]: SSA graphs stored in petgraph.
//! - [`infer`]: each op's type rule; [`verify`]: the verifier.
//! - [`print`] / [`parse`]: the `.kir` text form; serde for JSON.
pub mod attr;
pub mod build;
pub mod dot;
pub mod dtype;
pub mod error;
pub mod graph;
pub mod infer;
pub mod literal;
pub mod op;
pub mod parse;
pub mod print;
pub mod shape;
pub mod verify;

pub use attr::{attrs, Attr, AttrKind, Attrs, AttrsExt};
pub use dot::print_dot;
pub use dtype::{DType, DTypeClass};
pub use error::{Error, ErrorKind, Result};
pub use graph::{Func, Loc, Module, Node, Region, Use, Value};
pub use literal::LiteralData;
pub use op::{Family, OpInfo, OpKind};
pub use parse::parse_module;
pub use print::{print_func, print_module, value_names};
pub use shape::{Dim, Shape, TensorType, MAX_ELEMENTS};
pub use verify::verify_module;
pub use petgraph::stable_graph::NodeIndex;
