//! The `.kir` parser. pest turns text into a syntax tree (`kir.pest`); this file turns the
//! tree into a [`Module`] and checks what a generic grammar cannot: op names, operand,
//! result and region counts, attribute names and kinds (against the op table), value
//! scoping and constant data. It does not infer types: result types are recorded as
//! written, and the verifier checks them. Every error is located and carries the source.
//!
//! The parser must not panic or overflow the stack on any input (it runs on user files
//! and under a fuzzer), so nesting is bounded before pest sees the text and every number
//! is parsed with overflow checks.
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
use std::collections::HashMap;

#[derive(pest_derive::Parser)]
#[grammar = "kir.pest"]
struct KirParser;

/// Deepest bracket nesting (`(`, `[`, `{` counted together) accepted. pest and this file
/// recurse per level, so this bounds their stack use; real programs stay far below it
/// (a `while` body costs one level, a constant's data one per dimension).
pub const MAX_NESTING: usize = 64;

/// Parse `.kir` text. `file` is only used to label errors.
pub fn parse_module(src: &str, file: &str) -> Result<Module> {
    parse_text(src).map_err(|e| e.with_source(file, src))
}

fn parse_text(src: &str) -> Result<Module> {
    check_nesting(src)?;
    let mut tree = KirParser::parse(Rule::module, src).map_err(|e| syntax_error(src, e))?;
    let mut m = Module::new();
    // `module` is the only top-level pair; its children are funcs and EOI.
    let module = tree.next().expect("a parsed module");
    for f in module.into_inner().filter(|p| p.as_rule() == Rule::func) {
        let name_pair = f.clone().into_inner().next().expect("func has a name");
        let func = func(f)?;
        if m.func(&func.name).is_some() {
            return Err(Error::parse(format!("function @{} is defined twice", func.name), loc(&name_pair)));
        }
        m.funcs.push(func);
    }
    Ok(m)
}

// ---------------------------------------------------------------------------------------
// Locations and syntax errors

fn loc(p: &Pair<Rule>) -> Loc {
    let (line, col) = p.line_col();
    Loc { line, col, start: p.as_span().start(), end: p.as_span().end() }
}

/// The location of a byte offset (a char boundary), for errors found outside pest's pairs.
fn loc_at(src: &str, offset: usize) -> Loc {
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Loc { line, col, start: offset, end: offset + 1 }
}

/// Reject nesting deeper than [`MAX_NESTING`] before pest recurses into it. Brackets in
/// strings and comments do not count, mirroring the grammar; where the scan and pest
/// disagree pest stops at a syntax error before reaching the brackets anyway.
fn check_nesting(src: &str) -> Result<()> {
    let bytes = src.as_bytes();
    let (mut depth, mut in_str, mut in_comment, mut escaped) = (0usize, false, false, false);
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
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(Error::parse(format!("nesting is deeper than {MAX_NESTING} levels"), loc_at(src, i)));
                    }
                }
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Turn pest's error into ours, naming what was expected in words rather than rules.
///
/// pest's plain error names only the rules tried at the furthest position a *rule*
/// reached, which can be far before the real problem (a missing `->` is reported at the
/// start of the function). So on failure the text is parsed again with pest's detailed
/// attempt tracking, which knows the furthest position any *token* was tried and which
/// tokens would have fit there. Doing that only on failure keeps successful parses at
/// full speed. The flag is process-global: a lock keeps two failing parses on different
/// threads from switching it off under each other (which would make messages depend on
/// timing); any other parse that starts meanwhile merely collects detail it ignores.
fn syntax_error(src: &str, plain: pest::error::Error<Rule>) -> Error {
    use pest::error::{ErrorVariant, InputLocation, LineColLocation};
    let (line, col) = match plain.line_col {
        LineColLocation::Pos(p) | LineColLocation::Span(p, _) => p,
    };
    let pos = match plain.location {
        InputLocation::Pos(p) | InputLocation::Span((p, _)) => p,
    };
    let mut wanted: Vec<&str> = match &plain.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.iter().map(|r| describe(*r)).collect(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let mut at = Loc { line, col, start: pos, end: pos + 1 };

    let detailed = {
        static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _guard = DETAIL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        pest::set_error_detail(true);
        let e = KirParser::parse(Rule::module, src).err();
        pest::set_error_detail(false);
        e.and_then(|e| e.parse_attempts())
    };
    if let Some(attempts) = detailed {
        let max = attempts.max_position;
        let tokens: Vec<&str> = attempts.expected_tokens().iter().filter_map(|t| describe_token(&t.to_string())).collect();
        if max > pos && !tokens.is_empty() && src.is_char_boundary(max) {
            wanted = tokens;
            at = loc_at(src, max);
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let message = match wanted.split_last() {
        None => "unexpected text".to_string(),
        Some((last, [])) => format!("expected {last}"),
        Some((last, rest)) => format!("expected {} or {last}", rest.join(", ")),
    };
    Error::parse(message, at)
}

/// A token pest would have accepted (as pest displays it), in words; `None` for
/// whitespace and comments, which fit almost anywhere and say nothing.
fn describe_token(t: &str) -> Option<&'static str> {
    Some(match t {
        "0..9" | "-" | "inf" | "nan" => "a number",
        "a..z" | "A..Z" | "_" => "a name",
        "\"" => "a string",
        "%" => "a value like %0",
        "@" => "a function name like @main",
        "," => "`,`",
        ":" => "`:`",
        "=" => "`=`",
        "->" => "`->`",
        "(" => "`(`",
        ")" => "`)`",
        "[" => "`[`",
        "]" => "`]`",
        "{" => "`{`",
        "}" => "`}`",
        "#" => "`#`",
        "func" => "`func`",
        _ => return None,
    })
}

fn describe(r: Rule) -> &'static str {
    match r {
        Rule::EOI => "end of input",
        Rule::module | Rule::func => "`func`",
        Rule::func_name => "a function name like @main",
        Rule::results => "result types like (f32[N])",
        Rule::params => "a parameter list like (%x: f32[N])",
        Rule::param | Rule::param_name => "a parameter like %x",
        Rule::block => "`{`",
        Rule::close => "`}`",
        Rule::stmt | Rule::op_name => "an op",
        Rule::result_def => "a result like %0",
        Rule::value_ref | Rule::operands => "a value like %0",
        Rule::region => "a region",
        Rule::attr_dict | Rule::attr => "an attribute",
        Rule::list | Rule::number | Rule::string | Rule::word => "an attribute value",
        Rule::type_list | Rule::ty => "a type like f32[N, 3]",
        Rule::dim => "a dim (a number or a name)",
        _ => "a name",
    }
}

// ---------------------------------------------------------------------------------------
// Functions, regions, ops

/// Values visible in one region: name → (node, number of results).
#[derive(Default)]
struct Scope {
    values: HashMap<String, (NodeIndex, usize)>,
}

fn func(p: Pair<Rule>) -> Result<Func> {
    let mut it = p.into_inner();
    let name = it.next().expect("func_name").as_str()[1..].to_string();
    let (mut body, mut scope) = (Region::new(), Scope::default());
    params(it.next().expect("params"), &mut body, &mut scope)?;
    let sig = it.next().expect("results");
    let sig_loc = loc(&sig);
    let declared = sig.into_inner().map(ty).collect::<Result<Vec<_>>>()?;
    block(it.next().expect("block"), &mut body, &mut scope, &[])?;
    let returned = body.result_types();
    if returned != declared {
        return Err(Error::parse(
            format!("@{name} declares results ({}) but returns ({})", join(&declared), join(&returned)),
            sig_loc,
        ));
    }
    Ok(Func { name, body })
}

fn join(ts: &[TensorType]) -> String {
    ts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ")
}

/// Declare a region's parameters as `Parameter` nodes, in order.
fn params(p: Pair<Rule>, region: &mut Region, scope: &mut Scope) -> Result<()> {
    for param in p.into_inner() {
        let mut it = param.into_inner();
        let name_pair = it.next().expect("param_name");
        let name = &name_pair.as_str()[1..];
        if scope.values.contains_key(name) {
            return Err(Error::parse(format!("parameter %{name} is declared twice"), loc(&name_pair)));
        }
        let v = region.param(name, ty(it.next().expect("ty"))?);
        region.node_mut(v.node).loc = Some(loc(&name_pair));
        scope.values.insert(name.to_string(), (v.node, 1));
    }
    Ok(())
}

/// The ops of one region; `outer` holds the enclosing regions' scopes, consulted only to
/// explain why a name is not visible.
fn block(p: Pair<Rule>, region: &mut Region, scope: &mut Scope, outer: &[&Scope]) -> Result<()> {
    let mut returned = false;
    for s in p.into_inner() {
        if s.as_rule() == Rule::close {
            if !returned {
                return Err(Error::parse("this region does not end in `return`", loc(&s)));
            }
            break;
        }
        if returned {
            return Err(Error::parse("`return` must be the last op of its region", op_loc(&s)));
        }
        returned = stmt(s, region, scope, outer)?;
    }
    Ok(())
}

/// The span from the start of an op line to the end of its op name (`%3 = add`): where
/// op-level errors point and what `node.loc` records.
fn op_loc(stmt: &Pair<Rule>) -> Loc {
    let mut l = loc(stmt);
    if let Some(name) = stmt.clone().into_inner().find(|p| p.as_rule() == Rule::op_name) {
        l.end = name.as_span().end();
    }
    l
}

/// Parse one op line into `region`; returns whether it was `return`.
fn stmt(p: Pair<Rule>, region: &mut Region, scope: &mut Scope, outer: &[&Scope]) -> Result<bool> {
    let at = op_loc(&p);
    let (mut result_def, mut op_pair, mut operand_pairs) = (None, None, Vec::new());
    let (mut attr_pair, mut region_pairs, mut types) = (None, Vec::new(), Vec::new());
    for part in p.into_inner() {
        match part.as_rule() {
            Rule::result_def => result_def = Some(part),
            Rule::op_name => op_pair = Some(part),
            Rule::operands => operand_pairs = part.into_inner().collect(),
            Rule::attr_dict => attr_pair = Some(part),
            Rule::region => region_pairs.push(part),
            Rule::type_list => types = part.into_inner().map(ty).collect::<Result<Vec<_>>>()?,
            _ => {}
        }
    }
    let op_pair = op_pair.expect("stmt has an op name");
    let op = OpKind::from_name(op_pair.as_str()).ok_or_else(|| unknown_op(&op_pair))?;
    if op == OpKind::Parameter {
        return Err(Error::parse("parameters are declared in the signature, not with `parameter`", at));
    }
    let info = op.info();

    // Results: `%r` or `%r:k` must name as many results as the op has, and so must the types.
    let (name, named) = match &result_def {
        None => (None, 0),
        Some(r) => {
            let text = &r.as_str()[1..];
            let (name, count) = match text.split_once(':') {
                Some((n, k)) => (n, k.parse::<usize>().unwrap_or(usize::MAX)),
                None => (text, 1),
            };
            if count == 0 {
                // A name for no results could never be used, so it is rejected, not ignored.
                return Err(Error::parse(format!("%{name}:0 names no results; leave out `%{name}:0 =`"), loc(r)));
            }
            if scope.values.contains_key(name) {
                return Err(Error::parse(format!("value %{name} is defined twice"), loc(r)));
            }
            (Some(name.to_string()), count)
        }
    };

    let operands = operand_pairs.iter().map(|v| resolve(v, scope, outer)).collect::<Result<Vec<_>>>()?;
    if !info.operands.accepts(operands.len()) {
        return Err(Error::parse(
            format!("`{}` takes {}, got {}", info.name, info.operands.describe(), operands.len()),
            at,
        ));
    }
    // Regions: each its own scope, which sees nothing of this one (regions are isolated).
    // They come before the result count, which for `fusion` is what its body returns.
    if region_pairs.len() != info.regions.len() {
        let labels = if info.regions.is_empty() { String::new() } else { format!(" ({})", info.regions.join(", ")) };
        return Err(Error::parse(
            format!("`{}` takes {} region(s){labels}, got {}", info.name, info.regions.len(), region_pairs.len()),
            at,
        ));
    }
    let mut regions = Vec::with_capacity(region_pairs.len());
    for (rp, label) in region_pairs.into_iter().zip(info.regions) {
        let mut it = rp.into_inner();
        let label_pair = it.next().expect("region label");
        if label_pair.as_str() != *label {
            return Err(Error::parse(
                format!("expected region `{label}` of `{}`, found `{}`", info.name, label_pair.as_str()),
                loc(&label_pair),
            ));
        }
        let (mut r, mut inner) = (Region::new(), Scope::default());
        params(it.next().expect("params"), &mut r, &mut inner)?;
        let mut chain = outer.to_vec();
        chain.push(scope);
        block(it.next().expect("block"), &mut r, &mut inner, &chain)?;
        regions.push(r);
    }

    let want = info.results.count(operands.len(), &regions);
    if named != want {
        let what = if named == usize::MAX { "too many".to_string() } else { named.to_string() };
        return Err(Error::parse(format!("`{}` here has {want} result(s), but {what} are named", info.name), at));
    }
    if types.len() != want {
        return Err(Error::parse(
            format!("`{}` here has {want} result(s), but {} type(s) follow", info.name, types.len()),
            at,
        ));
    }

    // Attributes last: a constant's data is read against its result type.
    let mut attrs = match attr_pair {
        Some(a) => attr_dict(a, op, types.first())?,
        None => Attrs::new(),
    };
    check_and_fill(op, &mut attrs).map_err(|e| Error::parse(e.message, at.clone()))?;

    let mut node = Node::new(op, attrs, types);
    node.regions = regions;
    node.loc = Some(at);
    let idx = region.add_node(node, &operands);
    if let Some(name) = name {
        scope.values.insert(name, (idx, want));
    }
    Ok(op == OpKind::Return)
}

fn unknown_op(p: &Pair<Rule>) -> Error {
    let name = p.as_str();
    let closest = OpKind::all().map(|k| (edit_distance(name, k.name()), k.name())).min();
    let hint = match closest {
        Some((d, n)) if d <= 2 => format!("; did you mean `{n}`?"),
        _ => String::new(),
    };
    Error::parse(format!("unknown op `{name}`{hint}"), loc(p))
}

/// Levenshtein distance, one row at a time (op names are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let up = row[j + 1];
            row[j + 1] = if ca == b[j] { diag } else { 1 + diag.min(row[j]).min(up) };
            diag = up;
        }
    }
    row[b.len()]
}

/// Look up `%name` or `%name#i` in this region's scope.
fn resolve(p: &Pair<Rule>, scope: &Scope, outer: &[&Scope]) -> Result<Value> {
    let text = &p.as_str()[1..];
    let (name, index) = match text.split_once('#') {
        Some((n, i)) => (n, Some(i.parse::<usize>().unwrap_or(usize::MAX))),
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
        None => return Err(Error::parse(format!("%{name} has {count} results; use %{name}#0 to %{name}#{}", count.saturating_sub(1)), loc(p))),
        Some(i) if i < count => i,
        Some(_) => return Err(Error::parse(format!("%{name} has {count} result(s); the index is out of range"), loc(p))),
    };
    Ok(Value { node, result: result as u32 })
}

fn ty(p: Pair<Rule>) -> Result<TensorType> {
    let mut it = p.into_inner();
    let d = it.next().expect("dtype name");
    let dtype = DType::from_name(d.as_str()).ok_or_else(|| {
        let all: Vec<&str> = DType::ALL.iter().map(|d| d.name()).collect();
        Error::parse(format!("unknown dtype `{}`; dtypes are {}", d.as_str(), all.join(", ")), loc(&d))
    })?;
    let dims = it.map(|dp| dim(&dp)).collect::<Result<Vec<_>>>()?;
    Ok(TensorType::new(dtype, Shape(dims)))
}

/// A dim token: digits are a known extent (which must fit u64), anything else a symbol.
fn dim(p: &Pair<Rule>) -> Result<Dim> {
    let s = p.as_str();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.parse::<u64>().map(Dim::Known).map_err(|_| Error::parse(format!("dim {s} does not fit 64 bits"), loc(p)))
    } else {
        Ok(Dim::Sym(s.to_string()))
    }
}

// ---------------------------------------------------------------------------------------
// Attributes: parse a generic value, then convert it by the kind the op table names.

/// An attribute value before it has a kind, with its location for errors.
struct Raw<'a> {
    text: &'a str,
    loc: Loc,
    form: Form<'a>,
}

enum Form<'a> {
    Num,
    Word,
    Str,
    List(Vec<Raw<'a>>),
}

impl<'a> Raw<'a> {
    fn new(p: Pair<'a, Rule>) -> Raw<'a> {
        let (text, loc) = (p.as_str(), loc(&p));
        let form = match p.as_rule() {
            Rule::number => Form::Num,
            Rule::string => Form::Str,
            Rule::list => Form::List(p.into_inner().map(Raw::new).collect()),
            _ => Form::Word,
        };
        Raw { text, loc, form }
    }
    fn err(&self, msg: impl Into<String>) -> Error {
        Error::parse(msg, self.loc.clone())
    }
}

fn attr_dict(p: Pair<Rule>, op: OpKind, result: Option<&TensorType>) -> Result<Attrs> {
    let mut attrs = Attrs::new();
    for a in p.into_inner() {
        let mut it = a.into_inner();
        let key = it.next().expect("attr name");
        let raw = Raw::new(it.next().expect("attr value"));
        let name = key.as_str();
        let Some(spec) = op.attr_spec(name) else {
            let valid: Vec<&str> = op.info().attrs.iter().map(|s| s.name).collect();
            let hint = match valid.len() {
                0 => format!("`{op}` takes no attributes"),
                _ => format!("valid attributes of `{op}`: {}", valid.join(", ")),
            };
            return Err(Error::parse(format!("unknown attribute `{name}`; {hint}"), loc(&key)));
        };
        if attrs.contains_key(name) {
            return Err(Error::parse(format!("attribute `{name}` is given twice"), loc(&key)));
        }
        let value = match spec.kind {
            AttrKind::Literal => {
                let t = result.ok_or_else(|| raw.err(format!("`{op}` needs a result type for its data")))?;
                Attr::Literal(literal(&raw, t)?)
            }
            kind => convert(&raw, kind).ok_or_else(|| {
                raw.err(format!("attribute `{name}` of `{op}` must be {}, found `{}`", kind.describe(), raw.text))
            })??,
        };
        attrs.insert(name.to_string(), value);
    }
    Ok(attrs)
}

/// Convert a generic value to `kind`: `None` when its form is wrong for the kind (the
/// caller words that error), `Some(Err)` when the form is right but the value is not.
fn convert(raw: &Raw, kind: AttrKind) -> Option<Result<Attr>> {
    let word = matches!(raw.form, Form::Word).then_some(raw.text);
    Some(match (kind, &raw.form) {
        (AttrKind::Int, Form::Num) => int(raw).map(Attr::Int),
        (AttrKind::Ints, Form::List(items)) => {
            if items.iter().any(|i| !matches!(i.form, Form::Num)) {
                return None;
            }
            items.iter().map(int).collect::<Result<Vec<_>>>().map(Attr::Ints)
        }
        (AttrKind::Float, Form::Num) => float(raw, DType::F64).map(Attr::Float),
        (AttrKind::Bool, _) => match word? {
            "true" => Ok(Attr::Bool(true)),
            "false" => Ok(Attr::Bool(false)),
            _ => return None,
        },
        (AttrKind::Sym(options), _) => match word? {
            w if options.contains(&w) => Ok(Attr::Sym(w.to_string())),
            _ => return None,
        },
        (AttrKind::Str, Form::Str) => unescape(raw).map(Attr::Str),
        (AttrKind::DType, _) => Ok(Attr::DType(DType::from_name(word?)?)),
        (AttrKind::Shape, Form::List(items)) => items
            .iter()
            .map(|i| match i.form {
                Form::Num if i.text.bytes().all(|b| b.is_ascii_digit()) => {
                    i.text.parse::<u64>().map(Dim::Known).map_err(|_| i.err(format!("dim {} does not fit 64 bits", i.text)))
                }
                Form::Word if !i.text.contains('.') => Ok(Dim::Sym(i.text.to_string())),
                _ => Err(i.err(format!("expected a dim (a number or a name), found `{}`", i.text))),
            })
            .collect::<Result<Vec<_>>>()
            .map(|dims| Attr::Shape(Shape(dims))),
        _ => return None,
    })
}

/// An integer that fits i64; anything else (a fraction, an overflow) is an error.
fn int(raw: &Raw) -> Result<i64> {
    let s = raw.text;
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(raw.err(format!("expected an integer, found `{s}`")));
    }
    s.parse::<i64>().map_err(|_| raw.err(format!("integer {s} does not fit 64 bits")))
}

/// A float at the precision of `dtype`. Narrow floats are parsed as f32 first, which is
/// exactly what the printer's shortest f32 form needs to come back bit-identical.
/// A finite token that overflows the dtype is an error, not a silent infinity.
fn float(raw: &Raw, dtype: DType) -> Result<f64> {
    let s = raw.text;
    let v = match s.trim_start_matches('-') {
        "nan" => return Ok(f64::NAN),
        "inf" if s.starts_with('-') => return Ok(f64::NEG_INFINITY),
        "inf" => return Ok(f64::INFINITY),
        _ if dtype == DType::F64 => s.parse::<f64>(),
        _ => s.parse::<f32>().map(f64::from),
    };
    let v = round_to(dtype, v.map_err(|_| raw.err(format!("expected a number, found `{s}`")))?);
    if v.is_infinite() {
        return Err(raw.err(format!("{s} is out of range for {dtype}")));
    }
    Ok(v)
}

/// The inside of a string token; `\"`, `\\`, `\n` and `\t` are the escapes.
fn unescape(raw: &Raw) -> Result<String> {
    let body = &raw.text[1..raw.text.len() - 1];
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => return Err(raw.err(format!("unknown escape `\\{other}` in a string"))),
            None => return Err(raw.err("a string ends in a lone `\\`")),
        }
    }
    Ok(out)
}

/// Constant data for result type `t`: one scalar (a splat, of any shape), or lists
/// nested exactly like the static shape (`[]` also stands for any empty tensor).
fn literal(raw: &Raw, t: &TensorType) -> Result<LiteralData> {
    let mut leaves = Vec::new();
    match &raw.form {
        Form::List(items) => {
            let dims = t.shape.as_known().ok_or_else(|| raw.err(format!("a list of data needs a static shape, not {t}")))?;
            // (`contains`, not a product, which could overflow for huge shapes.)
            if !(items.is_empty() && dims.contains(&0)) {
                flatten(raw, &dims, t, &mut leaves)?;
            }
        }
        _ => leaves.push(raw),
    }
    let dtype = t.dtype;
    Ok(if dtype.is_float() {
        LiteralData::Float(leaves.iter().map(|l| match l.form {
            Form::Num => float(l, dtype),
            _ => Err(l.err(format!("expected a {dtype} number, found `{}`", l.text))),
        }).collect::<Result<_>>()?)
    } else if dtype.is_int() {
        LiteralData::Int(leaves.iter().map(|l| {
            let v = match l.form {
                Form::Num => int(l)?,
                _ => return Err(l.err(format!("expected a {dtype} integer, found `{}`", l.text))),
            };
            if int_fits(dtype, v) { Ok(v) } else { Err(l.err(format!("{v} is out of range for {dtype}"))) }
        }).collect::<Result<_>>()?)
    } else {
        LiteralData::Bool(leaves.iter().map(|l| match (&l.form, l.text) {
            (Form::Word, "true") => Ok(true),
            (Form::Word, "false") => Ok(false),
            _ => Err(l.err(format!("expected true or false, found `{}`", l.text))),
        }).collect::<Result<_>>()?)
    })
}

/// Collect the leaves of nested lists in row-major order, checking each level's length
/// against the shape (so the data can never be larger than the text).
fn flatten<'r, 'a>(raw: &'r Raw<'a>, dims: &[u64], t: &TensorType, out: &mut Vec<&'r Raw<'a>>) -> Result<()> {
    let level = t.rank() - dims.len();
    match (&raw.form, dims.split_first()) {
        (Form::List(items), Some((&n, rest))) => {
            if items.len() as u64 != n {
                return Err(raw.err(format!(
                    "data for {t} needs {n} element(s) in dimension {level}, found {}",
                    items.len()
                )));
            }
            items.iter().try_for_each(|i| flatten(i, rest, t, out))
        }
        (Form::List(_), None) => Err(raw.err(format!("data is nested deeper than the rank of {t}"))),
        (_, Some(_)) => Err(raw.err(format!("data for {t} needs a list in dimension {level}, found `{}`", raw.text))),
        (_, None) => {
            out.push(raw);
            Ok(())
        }
    }
}

