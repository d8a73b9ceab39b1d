//! `keras.layers.GRUCell`: gates in Keras's order `z, r, h` along the last axis of the
//! kernels, with Keras's `reset_after` (default true: the reset gate is applied after
//! the recurrent product, and the bias has a row for the inputs and one for the state).
use super::cell::{CellCore, HasCore};
use super::RnnCell;
use crate::config::Config;
use crate::error::Result;
use crate::layers::{unique_name, CallCtx};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use serde_json::json;

/// Gated recurrent unit: one state `h`, which is the output.
///
/// `z = ra(x W_z + h U_z + b)`, `r = ra(x W_r + h U_r + b)`, the candidate
/// `hh = activation(x W_h + r * (h U_h + b_h))` (`reset_after`) or
/// `activation(x W_h + (r * h) U_h + b)`, and `h' = z * h + (1 - z) * hh`. Weights:
/// `kernel (input_dim, 3 units)`, `recurrent_kernel (units, 3 units)`, `bias` `(2, 3
/// units)` with `reset_after` (input bias, then recurrent bias) or `(3 units,)`.
pub struct GRUCell {
    core: CellCore,
    pub reset_after: bool,
}

impl GRUCell {
    pub fn new(units: usize) -> GRUCell {
        GRUCell::named(unique_name("gru_cell"), units)
    }
    pub(crate) fn named(name: String, units: usize) -> GRUCell {
        GRUCell { core: CellCore::new(name, units), reset_after: true }
    }
    pub fn units(&self) -> usize {
        self.core.units
    }
    /// Apply the reset gate after the recurrent product (Keras's default, cuDNN's form).
    pub fn reset_after(mut self, b: bool) -> Self {
        self.reset_after = b;
        self
    }
    /// The activation of the gates (`"sigmoid"`).
    pub fn recurrent_activation(mut self, a: &str) -> Self {
        self.core.recurrent_activation = a.to_string();
        self
    }
}

impl HasCore for GRUCell {
    fn core(&self) -> &CellCore {
        &self.core
    }
    fn core_mut(&mut self) -> &mut CellCore {
        &mut self.core
    }
}

/// Gate `k` of three (`units` wide) along the last axis.
fn gate(z: &Tensor, k: usize, units: usize) -> Result<Tensor> {
    ops::slice_axis(z, -1, (k * units) as u64, ((k + 1) * units) as u64)
}

/// Row `k` of a `(2, 3 units)` bias, as `(3 units,)`.
fn bias_row(b: &Tensor, k: u64) -> Result<Tensor> {
    ops::squeeze(&ops::slice_axis(b, 0, k, k + 1)?, Some(0))
}

impl RnnCell for GRUCell {
    fn name(&self) -> &str {
        &self.core.name
    }
    fn class_name(&self) -> &'static str {
        "GRUCell"
    }
    fn state_size(&self) -> Vec<usize> {
        vec![self.core.units]
    }
    fn output_size(&self) -> usize {
        self.core.units
    }
    fn built(&self) -> bool {
        self.core.built()
    }
    fn build_cell(&mut self, input_dim: usize, path: &str) -> Result<()> {
        self.core.build_common(input_dim, 3, path)?;
        if self.core.use_bias {
            let u = self.core.units;
            let shape: Vec<usize> = if self.reset_after { vec![2, 3 * u] } else { vec![3 * u] };
            self.core.bias_w = Some(self.core.bias.make(path, "bias", &shape, true)?);
        }
        Ok(())
    }
    fn weights(&self) -> Vec<Variable> {
        self.core.weights()
    }
    fn prepare(&mut self, x0: &Tensor, h0: &Tensor, cx: &CallCtx) -> Result<Vec<Tensor>> {
        let count = if self.core.recurrent_dropout > 0.0 { 3 } else { 1 };
        self.core.prepare(x0, h0, cx, count)
    }
    fn step(&self, x: &Tensor, states: &[Tensor], consts: &[Tensor]) -> Result<(Tensor, Vec<Tensor>)> {
        let c = &self.core;
        let u = c.units;
        let h = &states[0];
        let count = if c.recurrent_dropout > 0.0 { 3 } else { 1 };
        let (dp, rec_dp) = c.split_masks(consts, count);
        let kernel = c.kernel()?.tensor();
        let recurrent = c.recurrent_kernel()?.tensor();
        let (input_bias, recurrent_bias) = match &c.bias_w {
            None => (None, None),
            Some(b) if self.reset_after => (Some(bias_row(&b.tensor(), 0)?), Some(bias_row(&b.tensor(), 1)?)),
            Some(b) => (Some(b.tensor()), None),
        };
        let masked = |t: &Tensor, masks: &[Tensor], k: usize| -> Result<Tensor> {
            match masks.get(k).or(masks.first()) {
                Some(m) => ops::multiply(t, m),
                None => Ok(t.clone()),
            }
        };
        // the input's contribution to each gate, bias included
        let xg: Vec<Tensor> = if dp.len() <= 1 {
            let xm = masked(x, dp, 0)?;
            let mut mx = ops::matmul(&xm, &kernel)?;
            if let Some(b) = &input_bias {
                mx = ops::add(&mx, b)?;
            }
            (0..3).map(|k| gate(&mx, k, u)).collect::<Result<_>>()?
        } else {
            (0..3)
                .map(|k| {
                    let mut g = ops::matmul(&masked(x, dp, k)?, &gate(&kernel, k, u)?)?;
                    if let Some(b) = &input_bias {
                        g = ops::add(&g, &gate(b, k, u)?)?;
                    }
                    Ok(g)
                })
                .collect::<Result<_>>()?
        };
        let hz = masked(h, rec_dp, 0)?;
        let hr = masked(h, rec_dp, 1)?;
        let hh = masked(h, rec_dp, 2)?;
        let (rz, rr, rh_inner) = if rec_dp.is_empty() && self.reset_after {
            let mut inner = ops::matmul(h, &recurrent)?;
            if let Some(b) = &recurrent_bias {
                inner = ops::add(&inner, b)?;
            }
            (gate(&inner, 0, u)?, gate(&inner, 1, u)?, Some(gate(&inner, 2, u)?))
        } else if rec_dp.is_empty() {
            let inner = ops::matmul(h, &ops::slice_axis(&recurrent, -1, 0, (2 * u) as u64)?)?;
            (gate(&inner, 0, u)?, gate(&inner, 1, u)?, None)
        } else {
            let mut rz = ops::matmul(&hz, &gate(&recurrent, 0, u)?)?;
            let mut rr = ops::matmul(&hr, &gate(&recurrent, 1, u)?)?;
            if let (true, Some(b)) = (self.reset_after, &recurrent_bias) {
                rz = ops::add(&rz, &gate(b, 0, u)?)?;
                rr = ops::add(&rr, &gate(b, 1, u)?)?;
            }
            let inner = if self.reset_after {
                let mut rh = ops::matmul(&hh, &gate(&recurrent, 2, u)?)?;
                if let Some(b) = &recurrent_bias {
                    rh = ops::add(&rh, &gate(b, 2, u)?)?;
                }
                Some(rh)
            } else {
                None
            };
            (rz, rr, inner)
        };
        let z = c.rec_act(&ops::add(&xg[0], &rz)?)?;
        let r = c.rec_act(&ops::add(&xg[1], &rr)?)?;
        let rec_h = match rh_inner {
            Some(inner) => ops::multiply(&r, &inner)?,
            None => ops::matmul(&ops::multiply(&r, &hh)?, &gate(&recurrent, 2, u)?)?,
        };
        let candidate = c.act(&ops::add(&xg[2], &rec_h)?)?;
        let one_minus_z = ops::subtract(&ops::ones_like(&z)?, &z)?;
        let h_new = ops::add(&ops::multiply(&z, h)?, &ops::multiply(&one_minus_z, &candidate)?)?;
        Ok((h_new.clone(), vec![h_new]))
    }
    fn cell_config(&self) -> Config {
        let mut cfg = Config::new();
        self.core.config_into(&mut cfg, true);
        cfg.insert("reset_after".into(), json!(self.reset_after));
        cfg
    }
}

cell_builders!(GRUCell);
cell_layer!(GRUCell, "GRUCell");
