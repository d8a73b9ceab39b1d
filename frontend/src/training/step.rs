//! Building and running the traced steps. A step is one kc function: its parameters are
//! the batch inputs and every variable the traced code read; its results are the loss
//! (and predictions) and the new values of the variables it assigns. It goes through
//! the compiler's default pipeline once and then runs per batch; variables are read
//! before and written back after each run, so their state stays between steps.
use crate::error::{Error, Result};
use crate::graph::{Graph, ParamSource};
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_compiler::{registry::DEFAULT_PIPELINE, Instrumentation, Pipeline};
use kc_ir::{Func, Module};
use kc_runtime::pjrt::{Arg, Buffer};
use kc_runtime::xla::CompileStats;
use kc_runtime::HostTensor;
use std::cell::Cell;
use std::rc::Rc;

/// Where a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The reference interpreter.
    Interp,
    /// XLA through the PJRT CPU plugin (`kc_runtime::xla`).
    Xla,
}

/// Keras's `jit_compile`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum JitCompile {
    /// XLA when its plugin is present (every op lowers to StableHLO), else the
    /// interpreter; the report says which and why.
    #[default]
    Auto,
    /// This target, or an error when it cannot run.
    On(Target),
    /// The reference interpreter.
    Off,
}

impl JitCompile {
    /// The target this policy runs on here, and why; an error when `On(target)` cannot
    /// run (the XLA plugin is absent).
    pub fn resolve(self) -> Result<(Target, String)> {
        Ok(match self {
            JitCompile::Auto => match kc_runtime::xla::availability() {
                Ok(()) => (Target::Xla, "jit_compile=auto: running on XLA (PJRT CPU plugin)".into()),
                Err(why) => (Target::Interp, format!("jit_compile=auto: XLA is unavailable ({why}); running on the reference interpreter")),
            },
            JitCompile::On(Target::Xla) => {
                kc_runtime::xla::availability().map_err(|why| Error::msg(format!("jit_compile=on(xla): XLA cannot run here: {why}")))?;
                (Target::Xla, "jit_compile=on(xla): running on XLA (PJRT CPU plugin)".into())
            }
            JitCompile::On(Target::Interp) => (Target::Interp, "jit_compile=on(interp): the reference interpreter".into()),
            JitCompile::Off => (Target::Interp, "jit_compile=off: the reference interpreter".into()),
        })
    }
}

/// A traced, optimized step ready to run.
pub struct Step {
    pub func: Func,
    sources: Vec<ParamSource>,
    /// Results after the first `n_values`: new values of these variables.
    assigns: Vec<Variable>,
    n_values: usize,
    target: Target,
    /// `func`'s fingerprint, the XLA compile cache's key with the argument shapes.
    fingerprint: u64,
    /// Which parameters may be donated to XLA: variables this step overwrites.
    donate: Vec<usize>,
    /// XLA compiles and cache hits caused by this step.
    stats: Cell<CompileStats>,
}

impl Step {
    /// Finish a trace whose results are `values` followed by the `assigns`' new values.
    pub fn build(g: &Graph, name: &str, values: &[Tensor], assigns: Vec<(Variable, Tensor)>, target: Target) -> Result<Step> {
        let mut outs = values.to_vec();
        outs.extend(assigns.iter().map(|(_, t)| t.clone()));
        let (func, sources) = g.finish(name, &outs)?;
        let mut m = Module { funcs: vec![func] };
        Pipeline::parse(DEFAULT_PIPELINE)?
            .with_evaluator(kc_runtime::fold::evaluator())
            .run(&mut m, &Instrumentation::default()).map_err(|e| Error::from(e).context(format!("compiling the {name}")))?;
        let func = m.funcs.remove(0);
        if std::env::var("KC_PRINT_STEPS").is_ok() {
            eprintln!("{}", kc_ir::print_func(&func));
        }
        let assigns: Vec<Variable> = assigns.into_iter().map(|(v, _)| v).collect();
        let donate = sources
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                ParamSource::Variable(v) if assigns.iter().any(|a| a.id() == v.id()) => Some(i),
                _ => None,
            })
            .collect();
        let fingerprint = kc_runtime::xla::fingerprint(&func);
        Ok(Step { func, sources, assigns, n_values: values.len(), target, fingerprint, donate, stats: Cell::new(CompileStats::default()) })
    }

    pub fn target(&self) -> Target {
        self.target
    }

    /// XLA compiles and cache hits this step caused.
    pub fn compile_stats(&self) -> CompileStats {
        self.stats.get()
    }

    /// The StableHLO text XLA compiled for the last signature this step ran with.
    pub fn stablehlo(&self, inputs: &[(&str, &HostTensor)]) -> Result<String> {
        let x = kc_runtime::xla::xla()?;
        let sig = self.signature(inputs)?;
        Ok(x.compile(&self.func, self.fingerprint, &sig, &self.donate)?.stablehlo.clone())
    }

    fn input<'a>(&self, inputs: &[(&str, &'a HostTensor)], name: &str) -> Result<&'a HostTensor> {
        inputs.iter().find(|(n, _)| *n == name).map(|(_, t)| *t).ok_or_else(|| Error::msg(format!("the step needs an input `{name}`")))
    }

    fn signature(&self, inputs: &[(&str, &HostTensor)]) -> Result<kc_runtime::xla::Signature> {
        self.sources
            .iter()
            .map(|s| match s {
                ParamSource::Variable(v) => Ok((v.dtype(), v.shape())),
                ParamSource::Input(name) => self.input(inputs, name).map(|t| (t.dtype(), t.shape().to_vec())),
            })
            .collect()
    }

    /// Run on one batch: `inputs` by name; variables are read and written back (on
    /// XLA they stay on the device).
    pub fn run(&self, inputs: &[(&str, &HostTensor)]) -> Result<Vec<HostTensor>> {
        match self.target {
            Target::Interp => self.run_interp(inputs),
            Target::Xla => self.run_xla(inputs),
        }
    }

    fn run_xla(&self, inputs: &[(&str, &HostTensor)]) -> Result<Vec<HostTensor>> {
        let x = kc_runtime::xla::xla()?;
        let sig = self.signature(inputs)?;
        let mut mine = self.stats.get();
        let exe = x.compile_counted(&self.func, self.fingerprint, &sig, &self.donate, &mut mine);
        self.stats.set(mine);
        let exe = exe?;
        // kept arguments are borrowed from here; donated ones are moved into the call
        let mut kept: Vec<Option<Rc<Buffer>>> = Vec::with_capacity(self.sources.len());
        let mut donated: Vec<Option<Buffer>> = Vec::with_capacity(self.sources.len());
        for (i, s) in self.sources.iter().enumerate() {
            let (k, d) = match s {
                ParamSource::Variable(v) if self.donate.contains(&i) => (None, Some(v.donate_buffer(&x)?)),
                ParamSource::Variable(v) => (Some(v.device_buffer(&x)?), None),
                ParamSource::Input(name) => (Some(Rc::new(x.upload(self.input(inputs, name)?)?)), None),
            };
            kept.push(k);
            donated.push(d);
        }
        let args: Vec<Arg> = kept
            .iter()
            .zip(donated)
            .map(|(k, d)| match (k, d) {
                (_, Some(b)) => Arg::Donate(b),
                (Some(b), None) => Arg::Keep(b.as_ref()),
                (None, None) => unreachable!("every argument is kept or donated"),
            })
            .collect();
        let mut outs = x.execute(&exe, args)?;
        let news = outs.split_off(self.n_values);
        for (v, b) in self.assigns.iter().zip(news) {
            v.set_device_buffer(b);
        }
        outs.iter().map(|b| Ok(x.download(b)?)).collect()
    }

    fn run_interp(&self, inputs: &[(&str, &HostTensor)]) -> Result<Vec<HostTensor>> {
        let args: Vec<HostTensor> = self
            .sources
            .iter()
            .map(|s| match s {
                ParamSource::Variable(v) => Ok(v.value()),
                ParamSource::Input(name) => inputs
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, t)| (*t).clone())
                    .ok_or_else(|| Error::msg(format!("the step needs an input `{name}`"))),
            })
            .collect::<Result<_>>()?;
        let mut outs = kc_runtime::run_func(&self.func, &args)?;
        let news = outs.split_off(self.n_values);
        for (v, t) in self.assigns.iter().zip(news) {
            v.assign(t)?;
        }
        Ok(outs)
    }
}
