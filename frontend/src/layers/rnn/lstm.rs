//! `keras.layers.LSTMCell`: gates in Keras's order `i, f, c, o` along the last axis of
//! the kernels and the bias.
use super::cell::{CellCore, HasCore};
use super::RnnCell;
use crate::config::Config;
use crate::error::Result;
use crate::layers::{unique_name, CallCtx};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;
use serde_json::json;

/// Long short-term memory: states `[h, c]`, output `h`.
///
/// `z = x @ kernel + h @ recurrent_kernel + bias` is split into four `units`-wide gates
/// `i, f, c, o`; `c' = f * c + i * activation(z_c)`, `h' = o * activation(c')` with the
/// gates through `recurrent_activation`. Weights: `kernel (input_dim, 4 units)`,
/// `recurrent_kernel (units, 4 units)`, `bias (4 units,)` — with `unit_forget_bias` the
/// forget gate's bias starts at 1.
pub struct LSTMCell {
    core: CellCore,
    pub unit_forget_bias: bool,
}

impl LSTMCell {
    pub fn new(units: usize) -> LSTMCell {
        LSTMCell::named(unique_name("lstm_cell"), units)
    }
    pub(crate) fn named(name: String, units: usize) -> LSTMCell {
        LSTMCell { core: CellCore::new(name, units), unit_forget_bias: true }
    }
    pub fn units(&self) -> usize {
        self.core.units
    }
    /// Add 1 to the forget gate's initial bias (and use the bias initializer for the rest).
    pub fn unit_forget_bias(mut self, b: bool) -> Self {
        self.unit_forget_bias = b;
        self
    }
    /// The activation of the gates (`"sigmoid"`).
    pub fn recurrent_activation(mut self, a: &str) -> Self {
        self.core.recurrent_activation = a.to_string();
        self
    }
}

impl HasCore for LSTMCell {
    fn core(&self) -> &CellCore {
        &self.core
    }
    fn core_mut(&mut self) -> &mut CellCore {
        &mut self.core
    }
}

/// Gate `k` of four (`units` wide) along the last axis.
fn gate(z: &Tensor, k: usize, units: usize) -> Result<Tensor> {
    ops::slice_axis(z, -1, (k * units) as u64, ((k + 1) * units) as u64)
}

impl RnnCell for LSTMCell {
    fn name(&self) -> &str {
        &self.core.name
    }
    fn class_name(&self) -> &'static str {
        "LSTMCell"
    }
    fn state_size(&self) -> Vec<usize> {
        vec![self.core.units, self.core.units]
    }
    fn output_size(&self) -> usize {
        self.core.units
    }
    fn built(&self) -> bool {
        self.core.built()
    }
    fn build_cell(&mut self, input_dim: usize, path: &str) -> Result<()> {
        self.core.build_common(input_dim, 4, path)?;
        if self.core.use_bias {
            let u = self.core.units;
            let init = self.core.bias.initializer.resolve()?;
            let value = if self.unit_forget_bias {
                let parts = [init.sample(&[u], DType::F32)?, kc_runtime::HostTensor::from_vec(vec![u], vec![1.0f32; u])?, init.sample(&[2 * u], DType::F32)?];
                ops::concatenate(&parts.map(Tensor::from_host), 0)?.host()?
            } else {
                init.sample(&[4 * u], DType::F32)?
            };
            self.core.bias_w = Some(self.core.bias.make_with(path, "bias", value, true)?);
        }
        Ok(())
    }
    fn weights(&self) -> Vec<Variable> {
        self.core.weights()
    }
    fn prepare(&mut self, x0: &Tensor, h0: &Tensor, cx: &CallCtx) -> Result<Vec<Tensor>> {
        // Keras's implementation 1 (one mask per gate) when there is recurrent dropout
        let count = if self.core.recurrent_dropout > 0.0 { 4 } else { 1 };
        self.core.prepare(x0, h0, cx, count)
    }
    fn step(&self, x: &Tensor, states: &[Tensor], consts: &[Tensor]) -> Result<(Tensor, Vec<Tensor>)> {
        let c = &self.core;
        let u = c.units;
        let (h, c_prev) = (&states[0], &states[1]);
        let count = if c.recurrent_dropout > 0.0 { 4 } else { 1 };
        let (dp, rec_dp) = c.split_masks(consts, count);
        let kernel = c.kernel()?.tensor();
        let recurrent = c.recurrent_kernel()?.tensor();
        let z: Vec<Tensor> = if dp.len() <= 1 && rec_dp.is_empty() {
            // Keras's implementation 2: one product for the four gates
            let x = match dp.first() {
                Some(m) => ops::multiply(x, m)?,
                None => x.clone(),
            };
            let mut z = ops::add(&ops::matmul(&x, &kernel)?, &ops::matmul(h, &recurrent)?)?;
            if let Some(b) = &c.bias_w {
                z = ops::add(&z, &b.tensor())?;
            }
            (0..4).map(|k| gate(&z, k, u)).collect::<Result<_>>()?
        } else {
            // implementation 1: each gate with its own input and recurrent masks
            (0..4)
                .map(|k| {
                    let xk = match dp.get(k).or(dp.first()) {
                        Some(m) => ops::multiply(x, m)?,
                        None => x.clone(),
                    };
                    let mut zx = ops::matmul(&xk, &gate(&kernel, k, u)?)?;
                    if let Some(b) = &c.bias_w {
                        zx = ops::add(&zx, &gate(&b.tensor(), k, u)?)?;
                    }
                    let hk = match rec_dp.get(k) {
                        Some(m) => ops::multiply(h, m)?,
                        None => h.clone(),
                    };
                    ops::add(&zx, &ops::matmul(&hk, &gate(&recurrent, k, u)?)?)
                })
                .collect::<Result<_>>()?
        };
        let i = c.rec_act(&z[0])?;
        let f = c.rec_act(&z[1])?;
        let c_new = ops::add(&ops::multiply(&f, c_prev)?, &ops::multiply(&i, &c.act(&z[2])?)?)?;
        let o = c.rec_act(&z[3])?;
        let h_new = ops::multiply(&o, &c.act(&c_new)?)?;
        Ok((h_new.clone(), vec![h_new, c_new]))
    }
    fn cell_config(&self) -> Config {
        let mut cfg = Config::new();
        self.core.config_into(&mut cfg, true);
        cfg.insert("unit_forget_bias".into(), json!(self.unit_forget_bias));
        cfg
    }
}

cell_builders!(LSTMCell);
cell_layer!(LSTMCell, "LSTMCell");
