//! `value_and_grad` for custom training: the loss closure is traced, the compiler's
//! autodiff differentiates it with respect to the given variables, and the gradient
//! function is either run at once on the interpreter (eager use, a custom loop with
//! `Optimizer::apply_gradients`) or spliced into the trace being built (inside a custom
//! train step, so the whole step stays one traced function).
use crate::error::Result;
use crate::graph::{Graph, ParamSource};
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_compiler::autodiff::grad_keeping_outputs;

/// The value of `f(inputs)` (a float scalar) and its gradient with respect to each of
/// `vars` (zeros for a variable `f` does not read).
pub fn value_and_grad(vars: &[Variable], inputs: &[Tensor], f: impl FnOnce(&[Tensor]) -> Result<Tensor>) -> Result<(Tensor, Vec<Tensor>)> {
    // The trace the result belongs to: that of a symbolic input, or the active one.
    let outer = inputs.iter().find_map(|t| t.graph().cloned()).or_else(Graph::current);
    let g = Graph::new();
    let syms: Vec<Tensor> = inputs.iter().enumerate().map(|(i, t)| g.input(&format!("x{i}"), t.ty())).collect();
    let active = g.activate();
    let loss = f(&syms)?;
    drop(active);
    if loss.rank() != 0 || !loss.dtype().is_float() {
        crate::bail!("value_and_grad needs a float scalar loss, got {}", loss.ty());
    }
    let (func, sources) = g.finish("loss", &[loss])?;
    let pos = |v: &Variable| sources.iter().position(|s| matches!(s, ParamSource::Variable(w) if w.id() == v.id()));
    let wrt: Vec<usize> = vars.iter().filter_map(pos).collect();
    let gf = grad_keeping_outputs(&func, &wrt, 0, "loss_grad")?;
    let input_index = |n: &str| -> Result<usize> { n.trim_start_matches('x').parse().map_err(|_| crate::Error::msg(format!("internal: input {n}"))) };
    let results: Vec<Tensor> = match outer {
        Some(o) => {
            let args = sources
                .iter()
                .map(|s| match s {
                    ParamSource::Variable(v) => Ok(o.capture(v)),
                    ParamSource::Input(n) => inputs[input_index(n)?].in_graph(&o),
                })
                .collect::<Result<Vec<_>>>()?;
            o.inline(&gf, &args)?.into_iter().map(|v| o.tensor(v)).collect()
        }
        None => {
            let args = sources
                .iter()
                .map(|s| match s {
                    ParamSource::Variable(v) => Ok(v.value()),
                    ParamSource::Input(n) => inputs[input_index(n)?].host(),
                })
                .collect::<Result<Vec<_>>>()?;
            kc_runtime::run_func(&gf, &args)?.into_iter().map(Tensor::from_host).collect()
        }
    };
    let mut it = results.into_iter();
    let value = it.next().ok_or_else(|| crate::Error::msg("internal: no loss"))?;
    let grads = vars
        .iter()
        .map(|v| match pos(v) {
            Some(_) => it.next().ok_or_else(|| crate::Error::msg("internal: missing gradient")),
            None => crate::ops::zeros_like(&v.tensor()),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((value, grads))
}
