//! The `Pass` trait and what a pass gets to work with.
use crate::evaluator::ConstEvaluator;
use kc_ir::{Error, ErrorKind, Module, Result};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Whether a pass changed the module; drives `--print-after-change` and fixpoint loops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Changed {
    Yes,
    No,
}

impl Changed {
    pub fn from_bool(b: bool) -> Changed {
        if b {
            Changed::Yes
        } else {
            Changed::No
        }
    }
    pub fn any(self, other: Changed) -> Changed {
        Changed::from_bool(self == Changed::Yes || other == Changed::Yes)
    }
}

pub trait Pass {
    /// The name used in pipeline strings and instrumentation flags.
    fn name(&self) -> &'static str;
    fn run(&self, m: &mut Module, cx: &mut PassContext) -> Result<Changed>;
}

/// Shared state of one pipeline run: statistics passes report (`cx.stat("cse.removed", 3)`),
/// and the services the pipeline was given (the constant evaluator that folding needs).
#[derive(Default)]
pub struct PassContext {
    pub stats: BTreeMap<String, u64>,
    /// Evaluates one op on constant operands. The compiler cannot run ops itself (the
    /// interpreter lives in `kc-runtime`, above it), so whoever builds the pipeline
    /// installs one ([`crate::Pipeline::with_evaluator`]); without it nothing is folded.
    pub evaluator: Option<Arc<dyn ConstEvaluator>>,
}

impl std::fmt::Debug for PassContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassContext")
            .field("stats", &self.stats)
            .field("evaluator", &self.evaluator.as_ref().map(|_| "installed"))
            .finish()
    }
}

impl PassContext {
    pub fn stat(&mut self, key: &str, n: u64) {
        *self.stats.entry(key.to_string()).or_default() += n;
    }
}

/// `key=value` options given in a pipeline string (`fuse{max-size=8}`). A pass reads the
/// ones it knows with the typed getters; [`PassOptions::finish`] rejects the rest.
#[derive(Clone, Debug, Default)]
pub struct PassOptions {
    pub pass: String,
    values: BTreeMap<String, String>,
    read: std::cell::RefCell<Vec<String>>,
}

impl PassOptions {
    pub fn new(pass: &str, values: BTreeMap<String, String>) -> PassOptions {
        PassOptions { pass: pass.to_string(), values, read: Default::default() }
    }

    fn raw(&self, key: &str) -> Option<&String> {
        self.read.borrow_mut().push(key.to_string());
        self.values.get(key)
    }

    /// The option names given, for passes whose options are open-ended (symbol bindings).
    pub fn keys(&self) -> Vec<String> {
        self.values.keys().cloned().collect()
    }

    pub fn u64_or(&self, key: &str, default: u64) -> Result<u64> {
        match self.raw(key) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                Error::new(ErrorKind::Pass, format!("pass `{}`: option {key}={v} must be a non-negative integer", self.pass))
            }),
        }
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        match self.raw(key).map(String::as_str) {
            None => Ok(default),
            Some("true") | Some("1") => Ok(true),
            Some("false") | Some("0") => Ok(false),
            Some(v) => Err(Error::new(ErrorKind::Pass, format!("pass `{}`: option {key}={v} must be true or false", self.pass))),
        }
    }

    pub fn str_or(&self, key: &str, default: &str) -> String {
        self.raw(key).cloned().unwrap_or_else(|| default.to_string())
    }

    /// Every option given, in key order, each marked as read: for a pass whose option
    /// names are data rather than a fixed set (`shape-infer{N=32}` binds a symbol).
    pub fn entries(&self) -> Vec<(String, String)> {
        let mut read = self.read.borrow_mut();
        read.extend(self.values.keys().cloned());
        self.values.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    /// Call after reading options: any option the pass did not read is an error.
    pub fn finish(&self) -> Result<()> {
        let read = self.read.borrow();
        if let Some(k) = self.values.keys().find(|k| !read.contains(k)) {
            let known = if read.is_empty() { "it takes no options".to_string() } else { format!("it takes {}", read.join(", ")) };
            return Err(Error::new(ErrorKind::Pass, format!("pass `{}` has no option `{k}`; {known}", self.pass)));
        }
        Ok(())
    }
}
