//! The `.kir` parser: pest turns text into a syntax tree (`kir.pest`), and this file turns
//! the tree into a [`Module`], checking what the grammar cannot: op names, operand and
//! result counts, attribute names and kinds (against the op table), value scoping and
//! literal data. It does not infer types — it records them as written; the verifier
//! checks them. Every error carries `file:line:col` and the offending line.
use crate::attr::{check_and_fill, Attr, AttrKind, Attrs};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::graph::{Func, Loc, Module, Node, Region, Value};
use crate::literal::{int_fits, round_to, LiteralData};
use crate::op::OpKind;
use crate::shape::{Dim, Shape, TensorType};
use pest::iterators::Pair;
use pest::Parser;
use petgraph::stable_graph::NodeIndex;
use std::collections::{HashMap, HashSet};

#[derive(pest_derive::Parser)]
#[grammar = "kir.pest"]
struct KirParser;

/// Deepest bracket nesting accepted; deeper input is rejected before pest recurses on it.
const MAX_NESTING: usize = 64;

pub fn parse_module(src: &str, file: &str) -> Result<Module> {
    parse_inner(src).map_err(|e| e.with_source(file, src))
}

fn parse_inner(src: &str) -> Result<Module> {
    check_nesting(src)?;
    let mut pairs = KirParser::parse(Rule::module, src).map_err(syntax_error)?;
    let module = pairs.next().expect("the module rule always yields a pair");
    let mut m = Module::new();
    let mut names = HashSet::new();
    for f in module.into_inner().filter(|p| p.as_rule() == Rule::func) {
        let loc = loc(&f);
        let func = func(f)?;
        if !names.insert(func.name.clone()) {
            return Err(Error::parse(format!("function @{} is defined twice", func.name), loc));
        }
        m.funcs.push(func);
    }
    Ok(m)
}

fn loc(p: &Pair<Rule>) -> Loc {
    let (line, col) = p.line_col();
    Loc { line, col, start: p.as_span().start(), end: p.as_span().end() }
}

fn loc_at(src: &str, offset: usize) -> Loc {
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Loc { line, col, start: offset, end: offset + 1 }
}

/// Reject absurd nesting up front so that recursive descent cannot overflow the stack.
fn check_nesting(src: &str) -> Result<()> {
    let (mut depth, mut in_str, mut in_comment, mut escaped) = (0usize, false, false, false);
    let bytes = src.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if in_comment {
            in_comment = b != b'\n';
        } else if in_str {
            in_str = escaped || b != b'"';
            escaped = !escaped && b == b'\\';
        } else {
            match b {
                b'"' => in_str = true,
                b'/' if bytes.get(i + 1) == Some(&b'/') => in_comment = true,
                b'[' | b'{' | b'(' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(Error::parse(format!("nesting deeper than {MAX_NESTING} levels"), loc_at(src, i)));
                    }
                }
                b']' | b'}' | b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    Ok(())
}

fn syntax_error(e: pest::error::Error<Rule>) -> Error {
    use pest::error::{ErrorVariant, InputLocation, LineColLocation};
    let (line, col) = match e.line_col {
        LineColLocation::Pos(p) | LineColLocation::Span(p, _) => p,
    };
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p + 1),
        InputLocation::Span(s) => s,
    };
    let message = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut wanted: Vec<&str> = positives.iter().map(|r| describe_rule(*r)).collect();
            wanted.sort();
            wanted.dedup();
            if wanted.is_empty() {
                "unexpected text".to_string()
            } else {
                format!("expected {}", wanted.join(" or "))
            }
        }
        ErrorVariant::CustomError { message } => message.clone(),
    };
    Error::parse(message, Loc { line, col, start, end })
}

fn describe_rule(r: Rule) -> &'static str {
    match r {
        Rule::func => "`func`",
        Rule::EOI => "end of file",
        Rule::func_name => "a function name like @main",
        Rule::params | Rule::param => "a parameter list like (%x: f32[N, 3])",
        Rule::value_name | Rule::value_ref | Rule::operands => "a value like %0",
        Rule::result_def => "a result like %0",
        Rule::stmt | Rule::op_name => "an op",
        Rule::block => "`{`",
        Rule::attr_dict | Rule::attr => "an attribute",
        Rule::attr_value | Rule::list | Rule::number | Rule::string => "an attribute value",
        Rule::type_list | Rule::ty => "a type like f32[N, 3]",
        Rule::dim => "a dim (a number or a name)",
        Rule::ident => "a name",
        Rule::region => "a region",
        _ => "something else",
    }
}

fn func(p: Pair<Rule>) -> Result<Func> {
    let mut it = p.into_inner();
    let name_pair = it.next().expect("func_name");
    let name = name_pair.as_str()[1..].to_string();
    let mut body = Region::new();
    let mut scope = Scope::default();
    params(it.next().expect("params"), &mut body, &mut scope)?;
    let (mut declared, mut sig_loc) = (Vec::new(), loc(&name_pair));
    let mut next = it.next().expect("block or type list");
    if next.as_rule() == Rule::type_list {
        sig_loc = loc(&next);
        declared = type_list(next)?;
        next = it.next().expect("block");
    }
    block(next, &mut body, &mut scope, &[])?;
    let actual = body.result_types();
    if actual != declared {
        return Err(Error::parse(
            format!("@{name} declares results ({}) but returns ({})", join(&declared), join(&actual)),
            sig_loc,
        ));
    }
    Ok(Func { name, body })
}

fn join(ts: &[TensorType]) -> String {
    ts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
}

/// Names visible in one region: value name → (node, number of results).
#[derive(Default)]
struct Scope {
    values: HashMap<String, (NodeIndex, usize)>,
}

fn params(p: Pair<Rule>, region: &mut Region, scope: &mut Scope) -> Result<()> {
    for param in p.into_inner() {
        let mut it = param.into_inner();
        let name_pair = it.next().expect("value_name");
        let name = &name_pair.as_str()[1..];
        if !crate::verify::valid_name(name) {
            return Err(Error::parse(
                format!("parameter name %{name} must start with a letter or `_`"),
                loc(&name_pair),
            ));
        }
        if scope.values.contains_key(name) {
            return Err(Error::parse(format!("parameter %{name} is declared twice"), loc(&name_pair)));
        }
        let t = ty(it.next().expect("ty"))?;
        let v = region.param(name, t);
        region.node_mut(v.node).loc = Some(loc(&name_pair));
        scope.values.insert(name.to_string(), (v.node, 1));
    }
    Ok(())
}

fn block(p: Pair<Rule>, region: &mut Region, scope: &mut Scope, outer: &[&Scope]) -> Result<()> {
    let end = loc(&p);
    let mut returned = false;
    for s in p.into_inner() {
        let l = loc(&s);
        if returned {
            return Err(Error::parse("`return` must be the last op of a region", l));
        }
        returned = stmt(s, region, scope, outer)?;
    }
    if !returned {
        let close = Loc { line: end.line, col: end.col, start: end.start, end: end.start + 1 };
        return Err(Error::parse("this region does not end in `return`", close));
    }
    Ok(())
}

/// Parse one op line into the region; returns whether it was `return`.
fn stmt(p: Pair<Rule>, region: &mut Region, scope: &mut Scope, outer: &[&Scope]) -> Result<bool> {
    let at = loc(&p);
    let (mut result_def, mut op_pair, mut operand_pairs, mut attr_pair) = (None, None, Vec::new(), None);
    let (mut region_pairs, mut types) = (Vec::new(), Vec::new());
    for part in p.into_inner() {
        match part.as_rule() {
            Rule::result_def => result_def = Some(part),
            Rule::op_name => op_pair = Some(part),
            Rule::operands => operand_pairs = part.into_inner().collect(),
            Rule::attr_dict => attr_pair = Some(part),
            Rule::region => region_pairs.push(part),
            Rule::type_list => types = type_list(part)?,
            _ => {}
        }
    }
    let op_pair = op_pair.expect("op_name");
    let op = OpKind::from_name(op_pair.as_str()).ok_or_else(|| unknown_op(&op_pair))?;
    let info = op.info();
    if op == OpKind::Parameter {
        return Err(Error::parse("parameters are declared in the signature, not with `parameter`", loc(&op_pair)));
    }
    // Operands, resolved in this region's scope only.
    let mut operands = Vec::with_capacity(operand_pairs.len());
    for v in &operand_pairs {
        operands.push(resolve(v, scope, outer)?);
    }
    if !info.operands.accepts(operands.len()) {
        return Err(Error::parse(
            format!("`{}` takes {}, got {}", info.name, info.operands.describe(), operands.len()),
            loc(&op_pair),
        ));
    }
    // Results: the count written (`%r` or `%r:k`) must match the op and the types.
    let want = info.results.count(operands.len());
    let (name, written) = match &result_def {
        None => (None, 0),
        Some(r) => {
            let text = &r.as_str()[1..];
            match text.split_once(':') {
                Some((n, k)) => {
                    let k = k.parse::<usize>().map_err(|_| Error::parse("result count is too large", loc(r)))?;
                    (Some(n.to_string()), k)
                }
                None => (Some(text.to_string()), 1),
            }
        }
    };
    if written != want {
        let l = result_def.as_ref().map_or_else(|| loc(&op_pair), loc);
        return Err(Error::parse(format!("`{}` here has {want} result(s), but {written} are named", info.name), l));
    }
    if types.len() != want {
        return Err(Error::parse(
            format!("`{}` here has {want} result(s), but {} type(s) follow the `:`", info.name, types.len()),
            at.clone(),
        ));
    }
    // Regions, each a fresh scope that may not see this one.
    if region_pairs.len() != info.regions.len() {
        return Err(Error::parse(
            format!("`{}` takes {} region(s) ({}), got {}", info.name, info.regions.len(), info.regions.join(", "), region_pairs.len()),
            loc(&op_pair),
        ));
    }
    let mut regions = Vec::new();
    for (rp, label) in region_pairs.into_iter().zip(info.regions) {
        let mut it = rp.into_inner();
        let label_pair = it.next().expect("region label");
        if label_pair.as_str() != *label {
            return Err(Error::parse(format!("expected region `{label}`, found `{}`", label_pair.as_str()), loc(&label_pair)));
        }
        let mut r = Region::new();
        let mut inner = Scope::default();
        params(it.next().expect("params"), &mut r, &mut inner)?;
        let mut chain: Vec<&Scope> = outer.to_vec();
        chain.push(scope);
        block(it.next().expect("block"), &mut r, &mut inner, &chain)?;
        regions.push(r);
    }
    let mut attrs = match attr_pair {
        Some(a) => attr_dict(a, op, types.first())?,
        None => Attrs::new(),
    };
    check_and_fill(op, &mut attrs).map_err(|e| Error::parse(e.message, loc(&op_pair)))?;
    let mut node = Node::new(op, attrs, types);
    node.regions = regions;
    node.loc = Some(at);
    let idx = region.add_node(node, &operands);
    if let (Some(name), Some(r)) = (name, &result_def) {
        if scope.values.contains_key(&name) {
            return Err(Error::parse(format!("value %{name} is defined twice"), loc(r)));
        }
        scope.values.insert(name, (idx, want));
    }
    Ok(op == OpKind::Return)
}

fn unknown_op(p: &Pair<Rule>) -> Error {
    let name = p.as_str();
    let best = OpKind::all().map(|k| (edit_distance(name, k.name()), k.name())).min();
    let hint = match best {
        Some((d, n)) if d <= 2 => format!("; did you mean `{n}`?"),
        _ => String::new(),
    };
    Error::parse(format!("unknown op `{name}`{hint} (docs/ir.md lists every op)"), loc(p))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = if ca == b[j] { prev } else { 1 + prev.min(row[j]).min(row[j + 1]) };
            prev = cur;
        }
    }
    row[b.len()]
}

fn resolve(p: &Pair<Rule>, scope: &Scope, outer: &[&Scope]) -> Result<Value> {
    let text = &p.as_str()[1..];
    let (name, index) = match text.split_once('#') {
        Some((n, i)) => (n, Some(i.parse::<usize>().map_err(|_| Error::parse("result index is too large", loc(p)))?)),
        None => (text, None),
    };
    let Some(&(node, count)) = scope.values.get(name) else {
        let msg = if outer.iter().any(|s| s.values.contains_key(name)) {
            format!("value %{name} is defined outside this region; regions are isolated, pass it as an operand")
        } else {
            format!("undefined value %{name}")
        };
        return Err(Error::parse(msg, loc(p)));
    };
    let result = match index {
        None if count == 1 => 0,
        None => return Err(Error::parse(format!("%{name} has {count} results; write %{name}#0 .. %{name}#{}", count - 1), loc(p))),
        Some(i) if i < count => i,
        Some(i) => return Err(Error::parse(format!("%{name} has {count} result(s); #{i} is out of range"), loc(p))),
    };
    Ok(Value { node, result: result as u32 })
}

fn type_list(p: Pair<Rule>) -> Result<Vec<TensorType>> {
    p.into_inner().map(ty).collect()
}

fn ty(p: Pair<Rule>) -> Result<TensorType> {
    let mut it = p.into_inner();
    let d = it.next().expect("dtype");
    let dtype = DType::from_name(d.as_str()).ok_or_else(|| {
        let all: Vec<&str> = DType::ALL.iter().map(|d| d.name()).collect();
        Error::parse(format!("unknown dtype `{}`; dtypes are {}", d.as_str(), all.join(", ")), loc(&d))
    })?;
    let dims = it.map(|dp| dim(&dp)).collect::<Result<Vec<_>>>()?;
    Ok(TensorType::new(dtype, Shape(dims)))
}

fn dim(p: &Pair<Rule>) -> Result<Dim> {
    let s = p.as_str();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.parse::<u64>().map(Dim::Known).map_err(|_| Error::parse(format!("dim {s} is too large"), loc(p)))
    } else {
        Ok(Dim::Sym(s.to_string()))
    }
}

/// A parsed attribute value before it is given a kind by the op table.
enum Raw<'a> {
    Num(Pair<'a, Rule>),
    Word(Pair<'a, Rule>),
    Str(Pair<'a, Rule>),
    List(Pair<'a, Rule>, Vec<Raw<'a>>),
}

impl<'a> Raw<'a> {
    fn from(p: Pair<'a, Rule>) -> Raw<'a> {
        let inner = p.into_inner().next().expect("attr_value has one child");
        match inner.as_rule() {
            Rule::number => Raw::Num(inner),
            Rule::string => Raw::Str(inner),
            Rule::list => {
                let items = inner.clone().into_inner().map(Raw::from).collect();
                Raw::List(inner, items)
            }
            _ => Raw::Word(inner),
        }
    }
    fn pair(&self) -> &Pair<'a, Rule> {
        match self {
            Raw::Num(p) | Raw::Word(p) | Raw::Str(p) | Raw::List(p, _) => p,
        }
    }
}

fn attr_dict(p: Pair<Rule>, op: OpKind, ty: Option<&TensorType>) -> Result<Attrs> {
    let mut attrs = Attrs::new();
    for a in p.into_inner() {
        let mut it = a.into_inner();
        let key = it.next().expect("attr name");
        let raw = Raw::from(it.next().expect("attr value"));
        let name = key.as_str();
        let Some(spec) = op.attr_spec(name) else {
            let valid: Vec<&str> = op.info().attrs.iter().map(|s| s.name).collect();
            let hint = if valid.is_empty() { format!("`{op}` takes none") } else { format!("`{op}` takes {}", valid.join(", ")) };
            return Err(Error::parse(format!("unknown attribute `{name}`; {hint}"), loc(&key)));
        };
        if attrs.contains_key(name) {
            return Err(Error::parse(format!("attribute `{name}` is given twice"), loc(&key)));
        }
        let value = convert(&raw, spec.kind, ty).map_err(|msg| {
            Error::parse(format!("attribute `{name}` of `{op}`: {msg}"), loc(raw.pair()))
        })?;
        attrs.insert(name.to_string(), value);
    }
    Ok(attrs)
}

type Conv<T> = std::result::Result<T, String>;

fn convert(raw: &Raw, kind: AttrKind, ty: Option<&TensorType>) -> Conv<Attr> {
    let expected = || format!("expected {}, found `{}`", kind.describe(), raw.pair().as_str());
    Ok(match (kind, raw) {
        (AttrKind::Int, Raw::Num(p)) => Attr::Int(int(p.as_str())?),
        (AttrKind::Ints, Raw::List(_, items)) => Attr::Ints(
            items.iter().map(|i| match i {
                Raw::Num(p) => int(p.as_str()),
                _ => Err(expected()),
            }).collect::<Conv<_>>()?,
        ),
        (AttrKind::Float, Raw::Num(p)) => Attr::Float(float(p.as_str(), DType::F64)?),
        (AttrKind::Bool, Raw::Word(p)) if matches!(p.as_str(), "true" | "false") => Attr::Bool(p.as_str() == "true"),
        (AttrKind::Sym(opts), Raw::Word(p)) if opts.contains(&p.as_str()) => Attr::Sym(p.as_str().to_string()),
        (AttrKind::Str, Raw::Str(p)) => Attr::Str(unescape(p.as_str())?),
        (AttrKind::DType, Raw::Word(p)) => Attr::DType(DType::from_name(p.as_str()).ok_or_else(expected)?),
        (AttrKind::Shape, Raw::List(_, items)) => Attr::Shape(Shape(
            items.iter().map(|i| match i {
                Raw::Num(p) | Raw::Word(p) => dim(p).map_err(|e| e.message),
                _ => Err(expected()),
            }).collect::<Conv<_>>()?,
        )),
        (AttrKind::Literal, _) => Attr::Literal(literal(raw, ty.ok_or("a constant needs a result type")?)?),
        _ => return Err(expected()),
    })
}

fn int(s: &str) -> Conv<i64> {
    s.parse::<i64>().map_err(|_| format!("`{s}` is not an integer that fits 64 bits"))
}

fn float(s: &str, dtype: DType) -> Conv<f64> {
    let v = match s {
        "nan" | "-nan" => f64::NAN,
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        // Narrow floats parse at f32 precision first so the printed shortest form round-trips.
        _ if dtype != DType::F64 => s.parse::<f32>().map(f64::from).map_err(|_| format!("`{s}` is not a number"))?,
        _ => s.parse::<f64>().map_err(|_| format!("`{s}` is not a number"))?,
    };
    Ok(round_to(dtype, v))
}

fn unescape(s: &str) -> Conv<String> {
    let body = &s[1..s.len() - 1];
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            other => return Err(format!("unknown escape `\\{}` in a string", other.map(String::from).unwrap_or_default())),
        }
    }
    Ok(out)
}

/// Constant data: a scalar (splat) or nested lists that match the static result shape.
fn literal(raw: &Raw, t: &TensorType) -> Conv<LiteralData> {
    let dims = t.shape.as_known().ok_or_else(|| format!("a constant needs a static shape, got {}", t.shape))?;
    let mut leaves = Vec::new();
    match raw {
        Raw::List(..) => flatten(raw, &dims, &mut leaves)?,
        _ => leaves.push(raw),
    }
    let dtype = t.dtype;
    if dtype.is_float() {
        leaves.iter().map(|l| match l {
            Raw::Num(p) => float(p.as_str(), dtype),
            _ => Err(format!("expected a number, found `{}`", l.pair().as_str())),
        }).collect::<Conv<_>>().map(LiteralData::Float)
    } else if dtype.is_int() {
        leaves.iter().map(|l| match l {
            Raw::Num(p) => {
                let v = int(p.as_str())?;
                if int_fits(dtype, v) { Ok(v) } else { Err(format!("{v} does not fit {dtype}")) }
            }
            _ => Err(format!("expected an integer, found `{}`", l.pair().as_str())),
        }).collect::<Conv<_>>().map(LiteralData::Int)
    } else {
        leaves.iter().map(|l| match l {
            Raw::Word(p) if matches!(p.as_str(), "true" | "false") => Ok(p.as_str() == "true"),
            _ => Err(format!("expected true or false, found `{}`", l.pair().as_str())),
        }).collect::<Conv<_>>().map(LiteralData::Bool)
    }
}

fn flatten<'r, 'a>(raw: &'r Raw<'a>, dims: &[u64], out: &mut Vec<&'r Raw<'a>>) -> Conv<()> {
    match (raw, dims.split_first()) {
        (Raw::List(_, items), Some((&n, rest))) => {
            if items.len() as u64 != n {
                return Err(format!("a list has {} elements where the shape {dims:?} needs {n}", items.len()));
            }
            items.iter().try_for_each(|i| flatten(i, rest, out))
        }
        (Raw::List(..), None) => Err("the data is nested deeper than the shape".into()),
        (_, Some(_)) => Err(format!("expected a list for the shape {dims:?}, found `{}`", raw.pair().as_str())),
        (_, None) => {
            out.push(raw);
            Ok(())
        }
    }
}
