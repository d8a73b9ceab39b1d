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
use kc_runtime::HostTensor;

/// Where a step runs. Only the interpreter exists today; the compiled lowerings arrive
/// with their issues and `Auto` will prefer them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Interp,
}

/// Keras's `jit_compile`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum JitCompile {
    /// The best available target, falling back (and saying why) when one cannot run the
    /// step.
    #[default]
    Auto,
    On(Target),
    /// The reference interpreter.
    Off,
}

impl JitCompile {
    /// The target this policy runs on today, and why.
    pub fn resolve(self) -> (Target, String) {
        match self {
            JitCompile::Auto => (Target::Interp, "jit_compile=auto: no compiled lowering is available yet, running on the reference interpreter".into()),
            JitCompile::On(Target::Interp) => (Target::Interp, "jit_compile=on(interp): the reference interpreter".into()),
            JitCompile::Off => (Target::Interp, "jit_compile=off: the reference interpreter".into()),
        }
    }
}

/// A traced, optimized step ready to run.
pub struct Step {
    pub func: Func,
    sources: Vec<ParamSource>,
    /// Results after the first `n_values`: new values of these variables.
    assigns: Vec<Variable>,
    n_values: usize,
}

impl Step {
    /// Finish a trace whose results are `values` followed by the `assigns`' new values.
    pub fn build(g: &Graph, name: &str, values: &[Tensor], assigns: Vec<(Variable, Tensor)>) -> Result<Step> {
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
        Ok(Step { func, sources, assigns: assigns.into_iter().map(|(v, _)| v).collect(), n_values: values.len() })
    }

    /// Run on one batch: `inputs` by name; variables are read and written back.
    pub fn run(&self, inputs: &[(&str, &HostTensor)]) -> Result<Vec<HostTensor>> {
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
