//! Interpreter tests: every expected value is computed independently of the interpreter,
//! by hand or by a naive loop written here, never copied from its output.
//!
//! Graphs are built with explicit result types through [`G`], which fills attribute
//! defaults from the op table but does not run the type rules (those are kc-ir's tests),
//! so each test says exactly what node the interpreter gets.
#![allow(clippy::cloned_ref_to_slice_refs, clippy::type_complexity, clippy::too_many_arguments, clippy::new_without_default)]

mod interp {
    pub mod control;
    pub mod conv;
    pub mod dot;
    pub mod elementwise;
    pub mod errors;
    pub mod files;
    pub mod gather;
    pub mod movement;
    pub mod reduce;
    pub mod symbolic;
}

use kc_ir::{Attr, DType, Dim, Func, Node, OpKind, Region, Shape, TensorType, Value};
use kc_runtime::{Elem, HostTensor, RuntimeError};

/// A region under construction.
pub struct G {
    pub r: Region,
}

impl G {
    pub fn new() -> G {
        G { r: Region::new() }
    }

    pub fn param(&mut self, name: &str, ty: TensorType) -> Value {
        self.r.param(name, ty)
    }

    /// Add a node with the given attributes and result types; returns its results.
    pub fn op(&mut self, op: OpKind, operands: &[Value], attrs: &[(&str, Attr)], types: Vec<TensorType>) -> Vec<Value> {
        let mut a = kc_ir::attrs(attrs);
        kc_ir::attr::check_and_fill(op, &mut a).unwrap_or_else(|e| panic!("test built a bad `{op}`: {e}"));
        let n = types.len();
        let idx = self.r.add_node(Node::new(op, a, types), operands);
        (0..n as u32).map(|result| Value { node: idx, result }).collect()
    }

    pub fn op1(&mut self, op: OpKind, operands: &[Value], attrs: &[(&str, Attr)], ty: TensorType) -> Value {
        self.op(op, operands, attrs, vec![ty])[0]
    }

    /// Add a node with regions (`while`).
    pub fn op_regions(&mut self, op: OpKind, operands: &[Value], types: Vec<TensorType>, regions: Vec<Region>) -> Vec<Value> {
        let n = types.len();
        let mut node = Node::new(op, Default::default(), types);
        node.regions = regions;
        let idx = self.r.add_node(node, operands);
        (0..n as u32).map(|result| Value { node: idx, result }).collect()
    }

    pub fn ret(mut self, results: &[Value]) -> Region {
        self.r.ret(results);
        self.r
    }

    pub fn func(self, results: &[Value]) -> Func {
        Func { name: "main".into(), body: self.ret(results) }
    }

    pub fn run(self, results: &[Value], inputs: &[HostTensor]) -> Result<Vec<HostTensor>, RuntimeError> {
        kc_runtime::run_func(&self.func(results), inputs)
    }
}

/// A static tensor type.
pub fn ty(dtype: DType, dims: &[u64]) -> TensorType {
    TensorType::known(dtype, dims)
}

/// A tensor type with symbolic dims: `sty(F32, &["N", "3"])`.
pub fn sty(dtype: DType, dims: &[&str]) -> TensorType {
    TensorType::new(
        dtype,
        Shape(dims.iter().map(|d| d.parse::<u64>().map(Dim::Known).unwrap_or_else(|_| Dim::sym(d))).collect()),
    )
}

pub fn type_of(t: &HostTensor) -> TensorType {
    TensorType::known(t.dtype(), &t.shape().iter().map(|&d| d as u64).collect::<Vec<_>>())
}

pub fn t<T: Elem>(shape: &[usize], v: Vec<T>) -> HostTensor {
    HostTensor::from_vec(shape.to_vec(), v).unwrap()
}

pub fn s<T: Elem>(v: T) -> HostTensor {
    HostTensor::scalar(v)
}

pub fn ints(v: &[i64]) -> Attr {
    Attr::Ints(v.to_vec())
}

/// Run one op on `inputs` (each a parameter) with the given result types.
pub fn try_eval(op: OpKind, inputs: &[HostTensor], attrs: &[(&str, Attr)], out: Vec<TensorType>) -> Result<Vec<HostTensor>, RuntimeError> {
    let mut g = G::new();
    let ps: Vec<Value> = inputs.iter().enumerate().map(|(i, x)| g.param(&format!("p{i}"), type_of(x))).collect();
    let rs = g.op(op, &ps, attrs, out);
    g.run(&rs, inputs)
}

pub fn eval(op: OpKind, inputs: &[HostTensor], attrs: &[(&str, Attr)], out: Vec<TensorType>) -> Vec<HostTensor> {
    try_eval(op, inputs, attrs, out).unwrap_or_else(|e| panic!("{op} failed: {e}"))
}

/// One op with one result.
pub fn eval1(op: OpKind, inputs: &[HostTensor], attrs: &[(&str, Attr)], out: TensorType) -> HostTensor {
    eval(op, inputs, attrs, vec![out]).remove(0)
}

/// One op whose result has the type of its first input.
pub fn same(op: OpKind, inputs: &[HostTensor], attrs: &[(&str, Attr)]) -> HostTensor {
    eval1(op, inputs, attrs, type_of(&inputs[0]))
}

/// Assert two f64 lists agree within a relative-or-absolute tolerance (NaN matches NaN).
pub fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "lengths differ: got {got:?}, want {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= tol * w.abs().max(1.0);
        assert!(ok, "element {i}: got {g}, want {w} (tol {tol})\ngot  {got:?}\nwant {want:?}");
    }
}

/// A small deterministic pseudo-random sequence in [-1, 1) (an LCG), for test data.
pub fn data(n: usize, seed: u64) -> Vec<f64> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// Small integers in -4..=4 as f64 (exact in every dtype), for exact comparisons.
pub fn small_ints(n: usize, seed: u64) -> Vec<f64> {
    data(n, seed).into_iter().map(|v| (v * 4.5).round().clamp(-4.0, 4.0)).collect()
}
