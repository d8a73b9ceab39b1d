//! `keras.layers.SimpleRNNCell`: `output = activation(x @ kernel + bias + h @
//! recurrent_kernel)`, the output being the one state.
use super::cell::{CellCore, HasCore};
use super::RnnCell;
use crate::config::Config;
use crate::error::Result;
use crate::layers::{unique_name, CallCtx};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;

/// A fully-connected recurrent step. Weights: `kernel (input_dim, units)`,
/// `recurrent_kernel (units, units)`, `bias (units,)`.
pub struct SimpleRNNCell {
    core: CellCore,
}

impl SimpleRNNCell {
    pub fn new(units: usize) -> SimpleRNNCell {
        SimpleRNNCell::named(unique_name("simple_rnn_cell"), units)
    }
    /// A cell with this name, taking no automatic name (a layer's own cell).
    pub(crate) fn named(name: String, units: usize) -> SimpleRNNCell {
        SimpleRNNCell { core: CellCore::new(name, units) }
    }
    pub fn units(&self) -> usize {
        self.core.units
    }
}

impl HasCore for SimpleRNNCell {
    fn core(&self) -> &CellCore {
        &self.core
    }
    fn core_mut(&mut self) -> &mut CellCore {
        &mut self.core
    }
}

impl RnnCell for SimpleRNNCell {
    fn name(&self) -> &str {
        &self.core.name
    }
    fn class_name(&self) -> &'static str {
        "SimpleRNNCell"
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
        self.core.build_common(input_dim, 1, path)?;
        if self.core.use_bias {
            self.core.bias_w = Some(self.core.bias.make(path, "bias", &[self.core.units], true)?);
        }
        Ok(())
    }
    fn weights(&self) -> Vec<Variable> {
        self.core.weights()
    }
    fn prepare(&mut self, x0: &Tensor, h0: &Tensor, cx: &CallCtx) -> Result<Vec<Tensor>> {
        self.core.prepare(x0, h0, cx, 1)
    }
    fn step(&self, x: &Tensor, states: &[Tensor], consts: &[Tensor]) -> Result<(Tensor, Vec<Tensor>)> {
        let c = &self.core;
        let (dp, rec_dp) = c.split_masks(consts, 1);
        let x = match dp.first() {
            Some(m) => ops::multiply(x, m)?,
            None => x.clone(),
        };
        let mut h = ops::matmul(&x, &c.kernel()?.tensor())?;
        if let Some(b) = &c.bias_w {
            h = ops::add(&h, &b.tensor())?;
        }
        let prev = match rec_dp.first() {
            Some(m) => ops::multiply(&states[0], m)?,
            None => states[0].clone(),
        };
        let out = c.act(&ops::add(&h, &ops::matmul(&prev, &c.recurrent_kernel()?.tensor())?)?)?;
        Ok((out.clone(), vec![out]))
    }
    fn cell_config(&self) -> Config {
        let mut cfg = Config::new();
        self.core.config_into(&mut cfg, false);
        cfg
    }
}

cell_builders!(SimpleRNNCell);
cell_layer!(SimpleRNNCell, "SimpleRNNCell");
