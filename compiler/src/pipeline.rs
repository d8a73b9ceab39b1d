//! Pipelines: parse `"cse,dce{opt=1}"`, run the passes in order, and instrument the run the
//! way MLIR's pass manager does — verify after each pass, print the IR before/after chosen
//! passes (or all, or only when changed), time each pass, and when a pass fails write the
//! IR it was given to a reproducer file whose path the error names.
use crate::evaluator::ConstEvaluator;
use crate::pass::{Changed, Pass, PassContext, PassOptions};
use crate::registry;
use kc_ir::{print_module, verify_module, Error, ErrorKind, Module, Result};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to observe while a pipeline runs. Output goes to `log` (the CLI prints it to stderr).
#[derive(Clone, Debug)]
pub struct Instrumentation {
    /// Verify the module after every pass (on by default in debug builds and tests).
    pub verify_each: bool,
    pub print_before: Vec<String>,
    pub print_after: Vec<String>,
    pub print_after_all: bool,
    /// Print after a pass only when it reports a change.
    pub print_after_change: bool,
    pub timing: bool,
    /// Where to write the IR a failing pass was given; `None`: the system temp dir.
    pub reproducer_dir: Option<PathBuf>,
}

impl Default for Instrumentation {
    fn default() -> Instrumentation {
        Instrumentation {
            verify_each: cfg!(debug_assertions),
            print_before: Vec::new(),
            print_after: Vec::new(),
            print_after_all: false,
            print_after_change: false,
            timing: false,
            reproducer_dir: None,
        }
    }
}

pub struct Pipeline {
    passes: Vec<Box<dyn Pass>>,
    text: String,
    evaluator: Option<Arc<dyn ConstEvaluator>>,
}

/// What a run reports besides the transformed module.
#[derive(Debug, Default)]
pub struct Report {
    /// Instrumentation output (printed IR, timing table).
    pub log: String,
    pub timings: Vec<(String, Duration)>,
    pub stats: BTreeMap<String, u64>,
}

fn pass_error(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Pass, msg)
}

impl Pipeline {
    /// Parse a pipeline string: comma-separated pass names, each optionally followed by
    /// `{key=value,...}`. Unknown passes and options are errors listing what exists.
    pub fn parse(text: &str) -> Result<Pipeline> {
        let mut passes = Vec::new();
        for item in split_top(text)? {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (name, opts) = match item.split_once('{') {
                Some((n, rest)) => {
                    let body = rest.strip_suffix('}').ok_or_else(|| pass_error(format!("`{item}`: options must end with `}}`")))?;
                    (n.trim(), parse_options(n.trim(), body)?)
                }
                None => (item, BTreeMap::new()),
            };
            let entry = registry::lookup(name).ok_or_else(|| {
                let all: Vec<_> = registry::PASSES.iter().map(|p| p.name).collect();
                pass_error(format!("unknown pass `{name}`; passes are {}", all.join(", ")))
            })?;
            passes.push((entry.make)(&PassOptions::new(name, opts))?);
        }
        Ok(Pipeline { passes, text: text.to_string(), evaluator: None })
    }

    /// A pipeline of passes made in code (for passes not in the registry, such as tests').
    pub fn from_passes(passes: Vec<Box<dyn Pass>>) -> Pipeline {
        let text = passes.iter().map(|p| p.name()).collect::<Vec<_>>().join(",");
        Pipeline { passes, text, evaluator: None }
    }

    /// Give the passes a constant evaluator (`canonicalize` folds with it). The `kc` CLI
    /// installs `kc_runtime::fold::evaluator()`, the reference interpreter.
    pub fn with_evaluator(mut self, evaluator: Arc<dyn ConstEvaluator>) -> Pipeline {
        self.evaluator = Some(evaluator);
        self
    }

    pub fn run(&self, m: &mut Module, inst: &Instrumentation) -> Result<Report> {
        let mut report = Report::default();
        let mut cx = PassContext { evaluator: self.evaluator.clone(), ..Default::default() };
        for pass in &self.passes {
            let name = pass.name();
            let wants = |list: &[String]| list.iter().any(|p| p == name);
            if wants(&inst.print_before) {
                let _ = write!(report.log, "// ----- IR before {name} -----\n{}", print_module(m));
            }
            let before = m.clone();
            let start = Instant::now();
            let outcome = pass.run(m, &mut cx).and_then(|changed| {
                if inst.verify_each {
                    verify_module(m).map_err(|e| e.context(format!("the IR after `{name}` does not verify")))?;
                }
                Ok(changed)
            });
            let elapsed = start.elapsed();
            report.timings.push((name.to_string(), elapsed));
            let changed = match outcome {
                Ok(c) => c,
                Err(e) => return Err(self.reproduce(name, &before, e, inst)),
            };
            let print = inst.print_after_all || wants(&inst.print_after) || (inst.print_after_change && changed == Changed::Yes);
            if print {
                let _ = write!(report.log, "// ----- IR after {name} -----\n{}", print_module(m));
            }
        }
        if inst.timing {
            report.log.push_str(&timing_table(&report.timings));
        }
        report.stats = cx.stats;
        Ok(report)
    }

    /// Save the failing pass's input and say where it is, with the command to replay it.
    fn reproduce(&self, pass: &str, input: &Module, err: Error, inst: &Instrumentation) -> Error {
        let dir = inst.reproducer_dir.clone().unwrap_or_else(std::env::temp_dir);
        let path = dir.join(format!("kc-repro-{pass}-{}.kir", std::process::id()));
        let text = format!("// reproducer: kc opt {} --passes={pass}\n// pipeline: {}\n{}", path.display(), self.text, print_module(input));
        match std::fs::write(&path, text) {
            Ok(()) => err.context(format!("pass `{pass}` failed (its input IR is saved in {})", path.display())),
            Err(w) => err.context(format!("pass `{pass}` failed (could not save a reproducer to {}: {w})", path.display())),
        }
    }
}

fn timing_table(timings: &[(String, Duration)]) -> String {
    let total: Duration = timings.iter().map(|(_, d)| *d).sum();
    let mut out = String::from("// ----- pass timing -----\n");
    for (name, d) in timings {
        let pct = if total.is_zero() { 0.0 } else { 100.0 * d.as_secs_f64() / total.as_secs_f64() };
        let _ = writeln!(out, "//   {:>10.3} ms  {pct:>5.1}%  {name}", d.as_secs_f64() * 1e3);
    }
    let _ = writeln!(out, "//   {:>10.3} ms  100.0%  total", total.as_secs_f64() * 1e3);
    out
}

/// Split on commas that are not inside `{...}`.
fn split_top(text: &str) -> Result<Vec<&str>> {
    let (mut depth, mut start, mut out) = (0i32, 0usize, Vec::new());
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        if depth < 0 {
            return Err(pass_error(format!("pipeline `{text}` has an unmatched `}}`")));
        }
    }
    if depth != 0 {
        return Err(pass_error(format!("pipeline `{text}` has an unclosed `{{`")));
    }
    out.push(&text[start..]);
    Ok(out)
}

fn parse_options(pass: &str, body: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for kv in body.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').ok_or_else(|| pass_error(format!("pass `{pass}`: option `{kv}` must be key=value")))?;
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(out)
}
