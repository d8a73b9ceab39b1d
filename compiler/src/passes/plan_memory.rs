//! `plan-memory`: an analysis. It plans every function's memory ([`crate::memory::plan`])
//! and reports the totals as statistics; the IR is not changed. Options bind symbolic
//! dims: `plan-memory{N=128,T=64}`.
use crate::memory;
use crate::pass::{Changed, Pass, PassContext, PassOptions};
use kc_ir::{Error, ErrorKind, Module, Result};
use std::collections::BTreeMap;

pub struct PlanMemory {
    bindings: BTreeMap<String, i64>,
}

pub fn make(o: &PassOptions) -> Result<Box<dyn Pass>> {
    let mut bindings = BTreeMap::new();
    for key in o.keys() {
        let n = o.u64_or(&key, 0)?;
        let n = i64::try_from(n).map_err(|_| Error::new(ErrorKind::Pass, format!("pass `plan-memory`: {key}={n} is too large")))?;
        bindings.insert(key, n);
    }
    o.finish()?;
    Ok(Box::new(PlanMemory { bindings }))
}

impl Pass for PlanMemory {
    fn name(&self) -> &'static str {
        "plan-memory"
    }
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed> {
        // A binding no function uses is most likely a misspelt symbol: say so.
        let used: std::collections::BTreeSet<String> = m
            .funcs
            .iter()
            .flat_map(|f| f.body.param_types())
            .flat_map(|t| t.shape.symbols().into_iter().map(String::from).collect::<Vec<_>>())
            .collect();
        if let Some(k) = self.bindings.keys().find(|k| !used.contains(*k)) {
            let known: Vec<&str> = used.iter().map(String::as_str).collect();
            let known = if known.is_empty() { "the module has none".to_string() } else { format!("its symbols are {}", known.join(", ")) };
            return Err(Error::new(ErrorKind::Pass, format!("plan-memory binds {k}, but no function uses that symbol; {known}")));
        }
        for f in &m.funcs {
            let p = memory::plan(f, &self.bindings)?;
            cx.stat("memory.peak-bytes", p.peak_bytes);
            cx.stat("memory.arena-bytes", p.arena_bytes);
            cx.stat("memory.naive-bytes", p.naive_bytes);
            cx.stat("memory.param-bytes", p.param_bytes);
            cx.stat("memory.buffers", p.buffers.len() as u64);
            cx.stat("memory.aliased-values", p.values.iter().filter(|v| v.alias_of.is_some()).count() as u64);
        }
        Ok(Changed::No)
    }
}
