//! Losses with Keras's names, formulas and reductions. A loss computes one value per
//! sample (the last axis reduced), then reduces over the batch (`sum_over_batch_size` by
//! default: the mean).
use crate::error::{unknown, Result};
use crate::ops;
use crate::tensor::Tensor;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reduction {
    /// Sum divided by the number of elements (Keras's default).
    SumOverBatchSize,
    Sum,
    /// Per-sample values, not reduced.
    None,
}

type PerSample = fn(&Tensor, &Tensor, &Loss) -> Result<Tensor>;

#[derive(Clone)]
pub struct Loss {
    pub name: String,
    pub from_logits: bool,
    pub reduction: Reduction,
    f: PerSample,
}

fn last_axis_mean(x: &Tensor) -> Result<Tensor> {
    if x.rank() == 0 {
        return Ok(x.clone());
    }
    ops::mean(x, Some(&[-1]), false)
}

fn same_shape(t: &Tensor, p: &Tensor, name: &str) -> Result<()> {
    if t.dims() != p.dims() {
        crate::bail!("loss {name}: y_true {} and y_pred {} must have the same shape", t.ty(), p.ty());
    }
    Ok(())
}

/// The loss table: Keras name (and aliases), per-sample function.
static LOSSES: &[(&[&str], PerSample)] = &[
    (&["mean_squared_error", "mse"], |t, p, l| {
        same_shape(t, p, &l.name)?;
        last_axis_mean(&ops::square(&ops::subtract(p, t)?)?)
    }),
    (&["mean_absolute_error", "mae"], |t, p, l| {
        same_shape(t, p, &l.name)?;
        last_axis_mean(&ops::abs(&ops::subtract(p, t)?)?)
    }),
    (&["categorical_crossentropy"], |t, p, l| ops::categorical_crossentropy(t, p, l.from_logits, -1)),
    (&["sparse_categorical_crossentropy"], |t, p, l| ops::sparse_categorical_crossentropy(t, p, l.from_logits)),
    (&["binary_crossentropy"], |t, p, l| {
        same_shape(t, p, &l.name)?;
        last_axis_mean(&ops::binary_crossentropy(t, p, l.from_logits)?)
    }),
];

impl Loss {
    /// A loss by Keras name (`"mse"`, `"sparse_categorical_crossentropy"`, ...).
    pub fn from_name(name: &str) -> Result<Loss> {
        let (names, f) = LOSSES
            .iter()
            .find(|(names, _)| names.contains(&name))
            .ok_or_else(|| unknown("loss", name, &LOSSES.iter().flat_map(|(n, _)| n.iter().copied()).collect::<Vec<_>>()))?;
        Ok(Loss { name: names[0].to_string(), from_logits: false, reduction: Reduction::SumOverBatchSize, f: *f })
    }
    pub fn from_logits(mut self, b: bool) -> Loss {
        self.from_logits = b;
        self
    }
    pub fn reduction(mut self, r: Reduction) -> Loss {
        self.reduction = r;
        self
    }
    /// Per-sample values.
    pub fn per_sample(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        (self.f)(y_true, y_pred, self)
    }
    /// The reduced loss (a scalar unless the reduction is `None`).
    pub fn call(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let v = self.per_sample(y_true, y_pred)?;
        match self.reduction {
            Reduction::None => Ok(v),
            Reduction::Sum => ops::sum(&v, None, false),
            Reduction::SumOverBatchSize => ops::mean(&v, None, false),
        }
    }
}

pub fn names() -> Vec<&'static str> {
    LOSSES.iter().flat_map(|(n, _)| n.iter().copied()).collect()
}
