//! `keras.callbacks.TerminateOnNaN`.
use super::{Callback, Logs};
use crate::error::Result;
use crate::models::Model;

/// Stop training after a batch whose loss is NaN or infinite (the epoch still ends, so
/// the history has it), or with `raise_error` fail `fit` with an error.
#[derive(Default)]
pub struct TerminateOnNaN {
    pub raise_error: bool,
}

impl TerminateOnNaN {
    pub fn new() -> TerminateOnNaN {
        TerminateOnNaN::default()
    }
    pub fn raise_error(mut self, r: bool) -> TerminateOnNaN {
        self.raise_error = r;
        self
    }
}

impl Callback for TerminateOnNaN {
    fn on_batch_end(&mut self, batch: usize, logs: &Logs, model: &mut Model) -> Result<()> {
        if let Some(&loss) = logs.get("loss") {
            if !loss.is_finite() {
                if self.raise_error {
                    crate::bail!("NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating training immediately.");
                }
                eprintln!("Batch {batch}: Invalid loss, terminating training");
                model.set_stop_training(true);
            }
        }
        Ok(())
    }
}
