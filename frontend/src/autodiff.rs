//! `value_and_grad` for custom training loops (a GAN with two optimizers, a
//! reinforcement-learning update): the loss closure is traced once per call, the
//! compiler's autodiff differentiates it with respect to the given variables, and the
//! result runs on the interpreter. Pair it with `Optimizer::apply_gradients`.
use crate::error::Result;
use crate::graph::{Graph, ParamSource};
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_compiler::autodiff::grad_keeping_outputs;

/// The value of `f(inputs)` (a scalar) and its gradient with respect to each of `vars`
/// (zeros for a variable `f` does not read).
pub fn value_and_grad(vars: &[Variable], inputs: &[Tensor], f: impl FnOnce(&[Tensor]) -> Result<Tensor>) -> Result<(Tensor, Vec<Tensor>)> {
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
    let args = sources
        .iter()
        .map(|s| match s {
            ParamSource::Variable(v) => Ok(v.value()),
            ParamSource::Input(n) => {
                let i: usize = n.trim_start_matches('x').parse().map_err(|_| crate::Error::msg(format!("internal: input {n}")))?;
                inputs[i].host()
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let mut outs = kc_runtime::run_func(&gf, &args)?.into_iter();
    let value = Tensor::from_host(outs.next().ok_or_else(|| crate::Error::msg("internal: no loss"))?);
    let mut found = outs.map(Tensor::from_host);
    let grads = vars
        .iter()
        .map(|v| match pos(v) {
            Some(_) => found.next().ok_or_else(|| crate::Error::msg("internal: missing gradient")),
            None => Ok(Tensor::from_host(kc_runtime::HostTensor::zeros(v.dtype(), v.shape())?)),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((value, grads))
}
