//! Writing MLIR text: SSA names, tensor types, constants, and ops in MLIR's *generic*
//! form (`%r = "stablehlo.add"(%a, %b) : (t, t) -> t`).
//!
//! The generic form is the one syntax every registered op accepts, whatever the pretty
//! syntax of the StableHLO version inside a plugin, so the emitter never depends on
//! per-op assembly formats. Names are globally unique (`%vN`), also inside regions, so
//! no region can shadow a value.
use super::Error;
use kc_ir::{DType, Dim, LiteralData, TensorType};

/// A value in the emitted text: its SSA name (`%v3`, `%v3#1`) and its type.
#[derive(Clone, Debug)]
pub struct V {
    pub name: String,
    pub ty: Ty,
}

/// A static tensor type.
#[derive(Clone, Debug, PartialEq)]
pub struct Ty {
    pub dtype: DType,
    pub dims: Vec<u64>,
}

impl Ty {
    pub fn new(dtype: DType, dims: Vec<u64>) -> Ty {
        Ty { dtype, dims }
    }
    pub fn scalar(dtype: DType) -> Ty {
        Ty { dtype, dims: Vec::new() }
    }
    /// The static type of an IR type; a symbolic dim is an error naming `what`.
    pub fn of(t: &TensorType, what: &dyn Fn() -> String) -> Result<Ty, Error> {
        let dims = t
            .shape
            .0
            .iter()
            .map(|d| match d {
                Dim::Known(n) => Ok(*n),
                Dim::Sym(s) => Err(Error::new(format!(
                    "{} has the symbolic type {t} (dim {s}); StableHLO needs static shapes: bind the symbols first (shape_infer::specialize)",
                    what()
                ))),
            })
            .collect::<Result<_, _>>()?;
        Ok(Ty { dtype: t.dtype, dims })
    }
    pub fn rank(&self) -> usize {
        self.dims.len()
    }
    pub fn with_dtype(&self, dtype: DType) -> Ty {
        Ty { dtype, dims: self.dims.clone() }
    }
    pub fn elements(&self) -> u64 {
        self.dims.iter().product()
    }
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tensor<")?;
        for d in &self.dims {
            write!(f, "{d}x")?;
        }
        write!(f, "{}>", elem(self.dtype))
    }
}

/// MLIR's element type for a kc dtype (unsigned integers are `ui*`, bool is `i1`).
pub fn elem(d: DType) -> &'static str {
    match d {
        DType::F32 => "f32",
        DType::F64 => "f64",
        DType::F16 => "f16",
        DType::BF16 => "bf16",
        DType::I8 => "i8",
        DType::I32 => "i32",
        DType::I64 => "i64",
        DType::U8 => "ui8",
        DType::U32 => "ui32",
        DType::Bool => "i1",
    }
}

/// `array<i64: 1, 2>`, the form of StableHLO's dimension-list attributes.
pub fn i64_array(v: &[i64]) -> String {
    if v.is_empty() {
        return "array<i64>".into();
    }
    format!("array<i64: {}>", join(v))
}

/// `[1, 2]`, the lists inside `#stablehlo.dot<...>` and friends.
pub fn list(v: &[i64]) -> String {
    format!("[{}]", join(v))
}

pub fn join(v: &[i64]) -> String {
    v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}

/// `dense<[[lo, hi], ...]> : tensor<Nx2xi64>`, the `padding` attribute.
pub fn padding(low: &[i64], high: &[i64]) -> String {
    if low.is_empty() {
        return "dense<> : tensor<0x2xi64>".into();
    }
    let pairs: Vec<String> = low.iter().zip(high).map(|(l, h)| format!("[{l}, {h}]")).collect();
    format!("dense<[{}]> : tensor<{}x2xi64>", pairs.join(", "), low.len())
}

/// The bit pattern of one element, little-endian bytes, for `dense<"0x...">`.
fn element_bytes(dtype: DType, data: &LiteralData, i: usize, out: &mut Vec<u8>) {
    match data {
        LiteralData::Float(v) => {
            let x = v[i];
            match dtype {
                DType::F64 => out.extend_from_slice(&x.to_le_bytes()),
                DType::F32 => out.extend_from_slice(&kc_ir::literal::f64_to_f32_odd(x).to_le_bytes()),
                DType::F16 => out.extend_from_slice(&kc_ir::literal::f64_to_f16(x).to_bits().to_le_bytes()),
                _ => out.extend_from_slice(&kc_ir::literal::f64_to_bf16(x).to_bits().to_le_bytes()),
            }
        }
        LiteralData::Int(v) => {
            let x = v[i];
            match dtype.size_bytes() {
                1 => out.push(x as u8),
                4 => out.extend_from_slice(&(x as u32).to_le_bytes()),
                _ => out.extend_from_slice(&x.to_le_bytes()),
            }
        }
        LiteralData::Bool(v) => out.push(v[i] as u8),
    }
}

/// The `dense<...>` value of a constant of type `ty`. Numbers are written as the hex
/// image of their bits, so every value (NaN payloads, `-0.0`, subnormals, the ends of
/// the integer ranges) arrives exactly; one element stands for a splat. Bools are
/// written as text (MLIR's hex form for `i1` is not one byte per element in every
/// version).
pub fn dense(ty: &Ty, data: &LiteralData) -> String {
    let n = ty.elements() as usize;
    if n == 0 {
        return "dense<>".into();
    }
    if let LiteralData::Bool(v) = data {
        if v.len() == 1 {
            return format!("dense<{}>", v[0]);
        }
        return format!("dense<{}>", nested(&ty.dims, &mut v.iter().map(|b| b.to_string())));
    }
    let count = if data.len() == 1 { 1 } else { n };
    let mut bytes = Vec::with_capacity(count * ty.dtype.size_bytes());
    for i in 0..count {
        element_bytes(ty.dtype, data, i, &mut bytes);
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    format!("dense<\"0x{hex}\">")
}

/// `[[a, b], [c, d]]` for the given dims, from row-major items.
fn nested(dims: &[u64], items: &mut dyn Iterator<Item = String>) -> String {
    match dims.split_first() {
        None => items.next().unwrap_or_default(),
        Some((&d, rest)) => {
            let parts: Vec<String> = (0..d).map(|_| nested(rest, items)).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// The function body being written: text, the next fresh name, the indentation.
pub struct Writer {
    out: String,
    next: usize,
    depth: usize,
}

impl Default for Writer {
    fn default() -> Self {
        Writer::new()
    }
}

impl Writer {
    pub fn new() -> Writer {
        Writer { out: String::new(), next: 0, depth: 2 }
    }

    pub fn into_text(self) -> String {
        self.out
    }

    fn fresh(&mut self) -> String {
        self.next += 1;
        format!("%v{}", self.next - 1)
    }

    fn line(&mut self, s: &str) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// Emit `"name"(args) (regions) {attrs} : (arg types) -> (result types)` and return
    /// its results. `regions` is text made by [`Writer::region`].
    pub fn op_full(&mut self, name: &str, args: &[&V], regions: &[String], attrs: &[(&str, String)], results: &[Ty]) -> Vec<V> {
        let base = if results.is_empty() { String::new() } else { self.fresh() };
        let outs: Vec<V> = match results.len() {
            0 => Vec::new(),
            1 => vec![V { name: base.clone(), ty: results[0].clone() }],
            n => (0..n).map(|i| V { name: format!("{base}#{i}"), ty: results[i].clone() }).collect(),
        };
        let mut s = String::new();
        match results.len() {
            0 => {}
            1 => s.push_str(&format!("{base} = ")),
            n => s.push_str(&format!("{base}:{n} = ")),
        }
        let names: Vec<&str> = args.iter().map(|a| a.name.as_str()).collect();
        s.push_str(&format!("\"{name}\"({})", names.join(", ")));
        if !regions.is_empty() {
            s.push_str(&format!(" ({})", regions.join(", ")));
        }
        if !attrs.is_empty() {
            let a: Vec<String> = attrs.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            s.push_str(&format!(" {{{}}}", a.join(", ")));
        }
        let arg_tys: Vec<String> = args.iter().map(|a| a.ty.to_string()).collect();
        let res_tys: Vec<String> = results.iter().map(|t| t.to_string()).collect();
        let res = if res_tys.len() == 1 { res_tys[0].clone() } else { format!("({})", res_tys.join(", ")) };
        s.push_str(&format!(" : ({}) -> {res}", arg_tys.join(", ")));
        self.line(&s);
        outs
    }

    /// An op with one result and no regions.
    pub fn op(&mut self, name: &str, args: &[&V], attrs: &[(&str, String)], result: Ty) -> V {
        self.op_full(name, args, &[], attrs, &[result]).remove(0)
    }

    /// A region `{ ^bb0(args): body; "stablehlo.return"(results) }` as text, for
    /// [`Writer::op_full`]. `body` gets the block arguments and writes into this writer.
    pub fn region(&mut self, arg_tys: &[Ty], body: impl FnOnce(&mut Writer, Vec<V>) -> Result<Vec<V>, Error>) -> Result<String, Error> {
        let saved = std::mem::take(&mut self.out);
        let args: Vec<V> = arg_tys.iter().map(|t| V { name: self.fresh(), ty: t.clone() }).collect();
        let header: Vec<String> = args.iter().map(|a| format!("{}: {}", a.name, a.ty)).collect();
        self.depth += 1;
        let result = body(self, args);
        let result = result.map(|rets| {
            let refs: Vec<&V> = rets.iter().collect();
            self.op_full("stablehlo.return", &refs, &[], &[], &[]);
        });
        self.depth -= 1;
        let body_text = std::mem::replace(&mut self.out, saved);
        result?;
        let mut indent = String::new();
        for _ in 0..self.depth {
            indent.push_str("  ");
        }
        Ok(format!("{{\n{indent}^bb0({}):\n{body_text}{indent}}}", header.join(", ")))
    }

    /// A constant of type `ty` holding `data` (one element is a splat).
    pub fn constant(&mut self, ty: &Ty, data: &LiteralData) -> V {
        let value = format!("{} : {ty}", dense(ty, data));
        self.op("stablehlo.constant", &[], &[("value", value)], ty.clone())
    }

    /// A splat constant of `ty` with the value `x` (converted to the dtype's storage).
    pub fn splat(&mut self, ty: &Ty, x: f64) -> V {
        let data = if ty.dtype.is_float() {
            LiteralData::Float(vec![x])
        } else if ty.dtype.is_bool() {
            LiteralData::Bool(vec![x != 0.0])
        } else {
            LiteralData::Int(vec![x as i64])
        };
        self.constant(ty, &data)
    }

    /// A splat integer constant (exact for every i64/u32 value).
    pub fn splat_int(&mut self, ty: &Ty, x: i64) -> V {
        self.constant(ty, &LiteralData::Int(vec![x]))
    }

    /// `"stablehlo.<name>"(a, b)` with the type of `a` (or `result`).
    pub fn binary(&mut self, name: &str, a: &V, b: &V) -> V {
        let ty = a.ty.clone();
        self.op(name, &[a, b], &[], ty)
    }

    pub fn unary(&mut self, name: &str, a: &V) -> V {
        let ty = a.ty.clone();
        self.op(name, &[a], &[], ty)
    }

    /// `stablehlo.compare` giving i1 of `a`'s shape. `direction` is `EQ`, `LT`, ...;
    /// the comparison type follows the dtype (`TOTALORDER` when asked for floats).
    pub fn compare(&mut self, direction: &str, a: &V, b: &V, total_order: bool) -> V {
        let ct = match a.ty.dtype {
            d if d.is_float() => {
                if total_order {
                    "TOTALORDER"
                } else {
                    "FLOAT"
                }
            }
            DType::I8 | DType::I32 | DType::I64 => "SIGNED",
            _ => "UNSIGNED",
        };
        let attrs = [
            ("comparison_direction", format!("#stablehlo<comparison_direction {direction}>")),
            ("compare_type", format!("#stablehlo<comparison_type {ct}>")),
        ];
        let ty = a.ty.with_dtype(DType::Bool);
        self.op("stablehlo.compare", &[a, b], &attrs, ty)
    }

    pub fn select(&mut self, pred: &V, on_true: &V, on_false: &V) -> V {
        let ty = on_true.ty.clone();
        self.op("stablehlo.select", &[pred, on_true, on_false], &[], ty)
    }

    /// `x != x`: true exactly for NaN.
    pub fn is_nan(&mut self, x: &V) -> V {
        self.compare("NE", x, x, false)
    }

    pub fn convert(&mut self, x: &V, dtype: DType) -> V {
        let ty = x.ty.with_dtype(dtype);
        self.op("stablehlo.convert", &[x], &[], ty)
    }

    pub fn iota(&mut self, ty: &Ty, dim: usize) -> V {
        self.op("stablehlo.iota", &[], &[("iota_dimension", format!("{dim} : i64"))], ty.clone())
    }

    pub fn broadcast(&mut self, x: &V, dims: &[i64], to: &Ty) -> V {
        self.op("stablehlo.broadcast_in_dim", &[x], &[("broadcast_dimensions", i64_array(dims))], to.clone())
    }

    pub fn slice(&mut self, x: &V, start: &[i64], limit: &[i64], strides: &[i64]) -> V {
        let dims: Vec<u64> = start.iter().zip(limit).zip(strides).map(|((s, l), st)| ((l - s).max(0) as u64).div_ceil(*st as u64)).collect();
        let ty = Ty::new(x.ty.dtype, dims);
        let attrs = [("start_indices", i64_array(start)), ("limit_indices", i64_array(limit)), ("strides", i64_array(strides))];
        self.op("stablehlo.slice", &[x], &attrs, ty)
    }
}

/// The smallest and largest value of an integer dtype.
pub fn int_range(d: DType) -> (i64, i64) {
    match d {
        DType::I8 => (i8::MIN as i64, i8::MAX as i64),
        DType::I32 => (i32::MIN as i64, i32::MAX as i64),
        DType::I64 => (i64::MIN, i64::MAX),
        DType::U8 => (0, u8::MAX as i64),
        DType::U32 => (0, u32::MAX as i64),
        _ => (0, 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_constants_print_in_mlir_syntax() {
        assert_eq!(Ty::new(DType::F32, vec![2, 3]).to_string(), "tensor<2x3xf32>");
        assert_eq!(Ty::scalar(DType::Bool).to_string(), "tensor<i1>");
        assert_eq!(Ty::new(DType::U8, vec![0]).to_string(), "tensor<0xui8>");
        let t = Ty::new(DType::F32, vec![2]);
        assert_eq!(dense(&t, &LiteralData::Float(vec![1.0, f64::NAN])), "dense<\"0x0000803F0000C07F\">");
        assert_eq!(dense(&t, &LiteralData::Float(vec![-0.0])), "dense<\"0x00000080\">");
        let b = Ty::new(DType::Bool, vec![2, 2]);
        assert_eq!(dense(&b, &LiteralData::Bool(vec![true, false, false, true])), "dense<[[true, false], [false, true]]>");
        let u = Ty::new(DType::U32, vec![1]);
        assert_eq!(dense(&u, &LiteralData::Int(vec![4294967295])), "dense<\"0xFFFFFFFF\">");
        assert_eq!(padding(&[1, 0], &[2, 3]), "dense<[[1, 2], [0, 3]]> : tensor<2x2xi64>");
    }

    #[test]
    fn regions_and_multiple_results_get_unique_names() {
        let mut w = Writer::new();
        let s = Ty::scalar(DType::F32);
        let x = w.splat(&s, 1.0);
        let r = w
            .region(&[s.clone(), s.clone()], |w, a| Ok(vec![w.binary("stablehlo.add", &a[0], &a[1])]))
            .unwrap();
        let outs = w.op_full("test.op", &[&x, &x], &[r], &[], &[s.clone(), s.clone()]);
        assert_eq!(outs[1].name, "%v4#1");
        let text = w.into_text();
        assert!(text.contains("^bb0(%v1: tensor<f32>, %v2: tensor<f32>):"), "{text}");
        assert!(text.contains("%v3 = \"stablehlo.add\"(%v1, %v2)"), "{text}");
        assert!(text.contains("%v4:2 = \"test.op\"(%v0, %v0) ({"), "{text}");
    }
}
