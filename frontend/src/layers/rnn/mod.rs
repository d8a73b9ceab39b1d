//! Recurrent layers: the cells (`SimpleRNNCell`, `LSTMCell`, `GRUCell`, or your own
//! `RnnCell`), the layer that runs a cell over time (`Recurrent`: `RNN`, `SimpleRNN`,
//! `LSTM`, `GRU`), and the wrappers `Bidirectional` and `TimeDistributed`.
//!
//! Every one runs its steps in one IR `while` loop (`ops::scan`) whose trip count is the
//! time dim's extent: a model with a symbolic sequence length is traced once and runs on
//! sequences of any length; the compiler's autodiff differentiates the loop.
//!
//! One file per piece: `cell` (the `RnnCell` trait and what the Keras cells share),
//! `simple`, `lstm`, `gru` (the cells' steps), `base` (the layer: masks, initial and
//! stateful states, `go_backwards`, `return_sequences`/`return_state`), `bidirectional`,
//! `time_distributed`, `conv_lstm` (ConvLSTM1D/2D/3D: its states are feature maps, so it
//! runs its own loop).
#[macro_use]
pub(crate) mod cell;
mod base;
mod bidirectional;
mod conv_lstm;
mod gru;
mod lstm;
mod simple;
mod time_distributed;

pub use base::{RecurrentLayer, Recurrent, GRU, LSTM, RNN, SimpleRNN};
pub use bidirectional::Bidirectional;
pub use conv_lstm::{ConvLSTM, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D};
pub use time_distributed::TimeDistributed;
pub use cell::{CellCore, HasCore, RnnCell};
pub use gru::GRUCell;
pub use lstm::LSTMCell;
pub use simple::SimpleRNNCell;
