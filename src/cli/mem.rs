//! `kc mem`: print a function's memory plan (docs/passes.md, `plan-memory`) as a table:
//! each value's size, offset in the arena and live steps, then peak, arena and naive bytes.
use kc_compiler::memory::{self, MemoryPlan, ALIGNMENT};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

pub fn mem(file: &Path, func: Option<&str>, binds: &[String], passes: Option<&str>) -> Result<(), String> {
    let (mut module, src) = super::load_with_source(file)?;
    if let Some(p) = passes {
        super::opt::run_pipeline(&mut module, p, &Default::default()).map_err(|e| super::located(e, file, &src))?;
    }
    let f = super::run::choose_func(&module, file, func)?;
    let bindings = parse_binds(binds)?;
    let plan = memory::plan(f, &bindings).map_err(|e| e.to_string())?;
    print!("{}", table(&f.name, &bindings, &plan));
    Ok(())
}

/// `N=128` pairs; a repeated or malformed one is an error.
pub(super) fn parse_binds(binds: &[String]) -> Result<BTreeMap<String, i64>, String> {
    let mut out = BTreeMap::new();
    for b in binds {
        let (k, v) = b.split_once('=').ok_or_else(|| format!("--bind {b}: expected SYMBOL=SIZE, like N=128"))?;
        let n: i64 = v.trim().parse().ok().filter(|n| *n >= 0).ok_or_else(|| format!("--bind {b}: the size must be a non-negative integer"))?;
        if out.insert(k.trim().to_string(), n).is_some() {
            return Err(format!("--bind {}: bound twice", k.trim()));
        }
    }
    Ok(out)
}

fn table(func: &str, bindings: &BTreeMap<String, i64>, p: &MemoryPlan) -> String {
    let mut rows = vec![["value".to_string(), "op".into(), "type".into(), "bytes".into(), "offset".into(), "live".into(), String::new()]];
    for v in &p.values {
        let end = if v.last + 1 == p.steps { "end".to_string() } else { v.last.to_string() };
        let note = v.alias_of.map(|a| format!("reuses {}'s buffer", p.values[a].name)).unwrap_or_default();
        rows.push([v.name.clone(), v.op.to_string(), v.ty.to_string(), v.bytes.to_string(), v.offset.to_string(), format!("{}..{end}", v.first), note]);
    }
    let width = |c: usize| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..7).map(width).collect();
    let mut out = String::new();
    let binds: Vec<String> = bindings.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let binds = if binds.is_empty() { String::new() } else { format!(" ({})", binds.join(", ")) };
    let _ = writeln!(out, "@{func}{binds}: {} in {}", plural(p.values.len(), "value"), plural(p.steps, "step"));
    for r in &rows {
        let line = format!(
            "  {:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}  {:>w4$}  {:<w5$}  {}",
            r[0], r[1], r[2], r[3], r[4], r[5], r[6],
            w0 = widths[0], w1 = widths[1], w2 = widths[2], w3 = widths[3], w4 = widths[4], w5 = widths[5]
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let _ = writeln!(out, "parameters: {} bytes (owned by the caller, not in the arena)", p.param_bytes);
    let _ = writeln!(out, "peak: {} bytes live at once", p.peak_bytes);
    let _ = writeln!(out, "arena: {} bytes in {} ({ALIGNMENT}-byte aligned)", p.arena_bytes, plural(p.buffers.len(), "buffer"));
    let _ = writeln!(out, "naive: {} bytes (one buffer per value, no reuse)", p.naive_bytes);
    out
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
