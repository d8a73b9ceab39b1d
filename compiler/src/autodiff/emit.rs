//! A thin builder over [`Region`] for writing gradient rules: each helper adds one op (or
//! a constant) and returns its value, so a rule reads like the formula it implements.
use kc_ir::{attrs, Attr, Attrs, DType, Dim, LiteralData, OpKind, Region, Result, TensorType, Value};

pub struct Emit<'r> {
    pub r: &'r mut Region,
}

fn ints(v: &[i64]) -> Attr {
    Attr::Ints(v.to_vec())
}

impl<'r> Emit<'r> {
    pub fn new(r: &'r mut Region) -> Emit<'r> {
        Emit { r }
    }

    pub fn ty(&self, v: Value) -> TensorType {
        self.r.value_type(v).clone()
    }
    pub fn dims(&self, v: Value) -> Vec<Dim> {
        self.r.value_type(v).shape.0.clone()
    }
    pub fn rank(&self, v: Value) -> usize {
        self.r.value_type(v).rank()
    }

    pub fn op(&mut self, op: OpKind, operands: &[Value], a: Attrs) -> Result<Value> {
        self.r.push1(op, operands, a)
    }
    pub fn typed(&mut self, op: OpKind, operands: &[Value], a: Attrs, ty: TensorType) -> Result<Value> {
        self.r.push_typed(op, operands, a, ty)
    }

    pub fn add(&mut self, a: Value, b: Value) -> Result<Value> {
        self.op(OpKind::Add, &[a, b], Attrs::new())
    }
    pub fn sub(&mut self, a: Value, b: Value) -> Result<Value> {
        self.op(OpKind::Sub, &[a, b], Attrs::new())
    }
    pub fn mul(&mut self, a: Value, b: Value) -> Result<Value> {
        self.op(OpKind::Mul, &[a, b], Attrs::new())
    }
    pub fn div(&mut self, a: Value, b: Value) -> Result<Value> {
        self.op(OpKind::Div, &[a, b], Attrs::new())
    }
    pub fn neg(&mut self, a: Value) -> Result<Value> {
        self.op(OpKind::Neg, &[a], Attrs::new())
    }
    pub fn unary(&mut self, op: OpKind, a: Value) -> Result<Value> {
        self.op(op, &[a], Attrs::new())
    }
    pub fn select(&mut self, p: Value, a: Value, b: Value) -> Result<Value> {
        self.op(OpKind::Select, &[p, a, b], Attrs::new())
    }
    pub fn cmp(&mut self, a: Value, b: Value, dir: &str) -> Result<Value> {
        self.op(OpKind::Compare, &[a, b], attrs(&[("direction", Attr::Sym(dir.into()))]))
    }
    pub fn and(&mut self, a: Value, b: Value) -> Result<Value> {
        self.op(OpKind::And, &[a, b], Attrs::new())
    }
    pub fn not(&mut self, a: Value) -> Result<Value> {
        self.op(OpKind::Not, &[a], Attrs::new())
    }

    /// A scalar constant of `dtype` holding `x` (rounded to the dtype by the literal rules).
    pub fn scalar(&mut self, dtype: DType, x: f64) -> Result<Value> {
        let data = if dtype.is_float() {
            LiteralData::Float(vec![x])
        } else if dtype.is_int() {
            LiteralData::Int(vec![x as i64])
        } else {
            LiteralData::Bool(vec![x != 0.0])
        };
        self.typed(OpKind::Constant, &[], attrs(&[("value", Attr::Literal(data))]), TensorType::scalar(dtype))
    }

    /// `x` everywhere in a tensor of type `ty` (a scalar constant broadcast, so symbolic
    /// dims are fine).
    pub fn full(&mut self, ty: &TensorType, x: f64) -> Result<Value> {
        let s = self.scalar(ty.dtype, x)?;
        if ty.rank() == 0 {
            return Ok(s);
        }
        self.typed(OpKind::BroadcastInDim, &[s], attrs(&[("dims", ints(&[]))]), ty.clone())
    }
    pub fn full_like(&mut self, v: Value, x: f64) -> Result<Value> {
        let t = self.ty(v);
        self.full(&t, x)
    }
    pub fn zeros_like(&mut self, v: Value) -> Result<Value> {
        self.full_like(v, 0.0)
    }
    /// `v * c` for a constant `c`.
    pub fn scale(&mut self, v: Value, c: f64) -> Result<Value> {
        let k = self.full_like(v, c)?;
        self.mul(v, k)
    }

    pub fn broadcast(&mut self, v: Value, ty: TensorType, dims: &[i64]) -> Result<Value> {
        self.typed(OpKind::BroadcastInDim, &[v], attrs(&[("dims", ints(dims))]), ty)
    }
    pub fn reshape(&mut self, v: Value, ty: TensorType) -> Result<Value> {
        if self.ty(v) == ty {
            return Ok(v);
        }
        self.typed(OpKind::Reshape, &[v], Attrs::new(), ty)
    }
    pub fn transpose(&mut self, v: Value, perm: &[i64]) -> Result<Value> {
        if perm.iter().enumerate().all(|(i, &p)| p == i as i64) {
            return Ok(v);
        }
        self.op(OpKind::Transpose, &[v], attrs(&[("permutation", ints(perm))]))
    }
    pub fn convert(&mut self, v: Value, dtype: DType) -> Result<Value> {
        let t = self.ty(v);
        if t.dtype == dtype {
            return Ok(v);
        }
        self.typed(OpKind::Convert, &[v], Attrs::new(), t.with_dtype(dtype))
    }
    /// Sum over `dims` (removing them); no op when `dims` is empty.
    pub fn sum(&mut self, v: Value, dims: &[i64]) -> Result<Value> {
        if dims.is_empty() {
            return Ok(v);
        }
        self.op(OpKind::Reduce, &[v], attrs(&[("dimensions", ints(dims)), ("kind", Attr::Sym("sum".into()))]))
    }
    /// Sum every element to a scalar.
    pub fn sum_all(&mut self, v: Value) -> Result<Value> {
        let all: Vec<i64> = (0..self.rank(v) as i64).collect();
        self.sum(v, &all)
    }
    pub fn slice(&mut self, v: Value, start: &[i64], limit: &[i64], strides: &[i64]) -> Result<Value> {
        self.op(OpKind::Slice, &[v], attrs(&[("start", ints(start)), ("limit", ints(limit)), ("strides", ints(strides))]))
    }
    pub fn pad(&mut self, v: Value, value: Value, low: &[i64], high: &[i64], interior: &[i64]) -> Result<Value> {
        self.op(OpKind::Pad, &[v, value], attrs(&[("low", ints(low)), ("high", ints(high)), ("interior", ints(interior))]))
    }
    pub fn iota(&mut self, ty: TensorType, dimension: i64) -> Result<Value> {
        self.typed(OpKind::Iota, &[], attrs(&[("dimension", Attr::Int(dimension))]), ty)
    }
}

/// The extents of a shape that are known, or an error naming the first symbolic one
/// and what needed it.
pub fn known_dims(t: &TensorType, what: &str) -> Result<Vec<i64>> {
    t.shape
        .0
        .iter()
        .map(|d| match d {
            Dim::Known(n) => Ok(*n as i64),
            Dim::Sym(s) => Err(kc_ir::Error::ty(format!("{what} needs known dims, but {t} has the symbolic dim {s}"))),
        })
        .collect()
}
