//! What a rule sees: the matched op in its region, with helpers to read operands and
//! constants and to build replacement ops. Reads never panic on a malformed graph; they
//! return `None`, and a rule that gets `None` simply does not fire.
use super::Config;
use kc_ir::{attrs, Attr, AttrsExt, Attrs, DType, LiteralData, Node, NodeIndex, OpKind, Region, Result, TensorType, Value};

pub struct Site<'a> {
    pub r: &'a mut Region,
    pub n: NodeIndex,
    pub cfg: &'a Config,
}

/// One element value, as constants store it (floats as f64: exact for every float dtype).
#[derive(Clone, Copy, Debug)]
pub enum Scalar {
    Float(f64),
    Int(i64),
    Bool(bool),
}

impl Scalar {
    /// Exactly `x` (for floats: the same bits, so `-0.0` is not `0.0`).
    pub fn is_float_bits(self, x: f64) -> bool {
        matches!(self, Scalar::Float(v) if v.to_bits() == x.to_bits())
    }
    pub fn is_int(self, x: i64) -> bool {
        matches!(self, Scalar::Int(v) if v == x)
    }
    pub fn literal(self) -> LiteralData {
        match self {
            Scalar::Float(v) => LiteralData::Float(vec![v]),
            Scalar::Int(v) => LiteralData::Int(vec![v]),
            Scalar::Bool(v) => LiteralData::Bool(vec![v]),
        }
    }
}

/// The one value every element of `lit` has, if they all have the same (bit-identical)
/// value. An empty literal has none.
pub fn splat_of(lit: &LiteralData) -> Option<Scalar> {
    match lit {
        LiteralData::Float(v) => {
            let first = *v.first()?;
            v.iter().all(|x| x.to_bits() == first.to_bits()).then_some(Scalar::Float(first))
        }
        LiteralData::Int(v) => {
            let first = *v.first()?;
            v.iter().all(|&x| x == first).then_some(Scalar::Int(first))
        }
        LiteralData::Bool(v) => {
            let first = *v.first()?;
            v.iter().all(|&x| x == first).then_some(Scalar::Bool(first))
        }
    }
}

impl<'a> Site<'a> {
    pub fn node(&self) -> &Node {
        self.r.node(self.n)
    }
    pub fn op(&self) -> OpKind {
        self.node().op
    }
    pub fn attrs(&self) -> &Attrs {
        &self.node().attrs
    }
    pub fn operands(&self) -> Vec<Value> {
        self.r.operands(self.n)
    }
    pub fn operand(&self, i: usize) -> Option<Value> {
        self.operands().get(i).copied()
    }
    /// The type of result `i` of the matched op.
    pub fn result_type(&self, i: usize) -> Option<&TensorType> {
        self.node().types.get(i)
    }
    pub fn ty(&self, v: Value) -> Option<&TensorType> {
        self.r.node(v.node).types.get(v.result as usize)
    }
    /// The node that produces `v`.
    pub fn producer(&self, v: Value) -> &Node {
        self.r.node(v.node)
    }
    /// `v` is result 0 of an op of kind `op`: its operands.
    pub fn produced_by(&self, v: Value, op: OpKind) -> Option<Vec<Value>> {
        (v.result == 0 && self.producer(v).op == op).then(|| self.r.operands(v.node))
    }
    pub fn ints_of(&self, v: Value, name: &str) -> Option<Vec<i64>> {
        self.producer(v).attrs.ints(name).ok().map(<[i64]>::to_vec)
    }
    /// The value every element of `v` has, when that is known at compile time: `v` is a
    /// constant whose elements are all equal, or a broadcast of one.
    pub fn splat(&self, v: Value) -> Option<Scalar> {
        let mut v = v;
        loop {
            let node = self.producer(v);
            match node.op {
                OpKind::Constant => return splat_of(node.attrs.literal("value").ok()?),
                OpKind::BroadcastInDim => v = *self.r.operands(v.node).first()?,
                _ => return None,
            }
        }
    }
    /// `v` is a constant: its data and type.
    pub fn constant(&self, v: Value) -> Option<(&LiteralData, &TensorType)> {
        let node = self.producer(v);
        if node.op != OpKind::Constant {
            return None;
        }
        Some((node.attrs.literal("value").ok()?, node.types.first()?))
    }

    /// Add an op before the matched one, through the builder (so its type rule runs), with
    /// the matched op's source location (errors about it still point at the text).
    pub fn build(&mut self, op: OpKind, operands: &[Value], attrs: Attrs, declared: Vec<TensorType>) -> Result<Vec<Value>> {
        let loc = self.node().loc.clone();
        let out = self.r.build(op, operands, attrs, declared, Vec::new())?;
        if let Some(v) = out.first() {
            self.r.node_mut(v.node).loc = loc;
        }
        Ok(out)
    }
    pub fn build1(&mut self, op: OpKind, operands: &[Value], attrs: Attrs, declared: Vec<TensorType>) -> Result<Value> {
        let out = self.build(op, operands, attrs, declared)?;
        out.first().copied().ok_or_else(|| kc_ir::Error::ty(format!("`{op}` built no result")))
    }

    /// A tensor of type `ty` whose elements are all `s`: one splat constant for a static
    /// type; a scalar constant broadcast to `ty` when `ty` has symbolic dims.
    pub fn splat_const(&mut self, s: Scalar, ty: &TensorType) -> Result<Value> {
        let value = attrs(&[("value", Attr::Literal(s.literal()))]);
        if ty.shape.is_static() {
            return self.build1(OpKind::Constant, &[], value, vec![ty.clone()]);
        }
        let scalar = self.build1(OpKind::Constant, &[], value, vec![TensorType::scalar(ty.dtype)])?;
        self.build1(OpKind::BroadcastInDim, &[scalar], attrs(&[("dims", Attr::Ints(Vec::new()))]), vec![ty.clone()])
    }
}

/// The zero of a dtype's storage class.
pub fn zero(dtype: DType) -> Scalar {
    if dtype.is_float() {
        Scalar::Float(0.0)
    } else if dtype.is_bool() {
        Scalar::Bool(false)
    } else {
        Scalar::Int(0)
    }
}

/// `[0, 1, ..., n-1]`: the permutation or dims list that moves nothing.
pub fn is_iota(v: &[i64]) -> bool {
    v.iter().enumerate().all(|(i, &x)| x == i as i64)
}
