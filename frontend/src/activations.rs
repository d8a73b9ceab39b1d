//! Activations by Keras name: one table row each.
use crate::error::{unknown, Result};
use crate::ops;
use crate::tensor::Tensor;

pub type ActivationFn = fn(&Tensor) -> Result<Tensor>;

pub static ACTIVATIONS: &[(&str, ActivationFn)] = &[
    ("linear", |x| Ok(x.clone())),
    ("relu", ops::relu),
    ("relu6", ops::relu6),
    ("sigmoid", ops::sigmoid),
    ("tanh", ops::tanh),
    ("softmax", |x| ops::softmax(x, -1)),
    ("log_softmax", |x| ops::log_softmax(x, -1)),
    ("softplus", ops::softplus),
    ("softsign", ops::softsign),
    ("silu", ops::silu),
    ("swish", ops::silu),
    ("gelu", |x| ops::gelu(x, false)),
    ("elu", |x| ops::elu(x, 1.0)),
    ("selu", ops::selu),
    ("leaky_relu", |x| ops::leaky_relu(x, 0.2)),
    ("hard_sigmoid", ops::hard_sigmoid),
    ("exponential", ops::exp),
];

/// The activation called `name` (`None`/"linear" is the identity).
pub fn get(name: &str) -> Result<ActivationFn> {
    ACTIVATIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .ok_or_else(|| unknown("activation", name, &ACTIVATIONS.iter().map(|(n, _)| *n).collect::<Vec<_>>()))
}
