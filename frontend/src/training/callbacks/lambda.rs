//! `keras.callbacks.LambdaCallback`: a callback made of closures, one per hook.
use super::{Callback, Logs};
use crate::error::Result;
use crate::models::Model;

type Begin = Box<dyn FnMut() -> Result<()>>;
type End = Box<dyn FnMut(&Logs) -> Result<()>>;
type Indexed = Box<dyn FnMut(usize) -> Result<()>>;
type IndexedEnd = Box<dyn FnMut(usize, &Logs) -> Result<()>>;

/// Closures for the hooks you need, e.g.
/// `LambdaCallback::new().on_epoch_end(|epoch, logs| { println!("{epoch}: {logs:?}"); Ok(()) })`.
/// Epoch and batch hooks get the index (and the logs at the end); `on_train_end` and
/// `on_test_end` get the logs. A closure's `Err` stops the loop.
#[derive(Default)]
pub struct LambdaCallback {
    train_begin: Option<Begin>,
    train_end: Option<End>,
    epoch_begin: Option<Indexed>,
    epoch_end: Option<IndexedEnd>,
    train_batch_begin: Option<Indexed>,
    train_batch_end: Option<IndexedEnd>,
    test_begin: Option<Begin>,
    test_end: Option<End>,
    test_batch_begin: Option<Indexed>,
    test_batch_end: Option<IndexedEnd>,
    predict_begin: Option<Begin>,
    predict_end: Option<Begin>,
    predict_batch_begin: Option<Indexed>,
    predict_batch_end: Option<Indexed>,
}

macro_rules! setter {
    ($name:ident, $field:ident, $t:ty, $($arg:ty),*) => {
        pub fn $name(mut self, f: impl FnMut($($arg),*) -> Result<()> + 'static) -> LambdaCallback {
            self.$field = Some(Box::new(f) as $t);
            self
        }
    };
}

impl LambdaCallback {
    pub fn new() -> LambdaCallback {
        LambdaCallback::default()
    }
    setter!(on_train_begin, train_begin, Begin,);
    setter!(on_train_end, train_end, End, &Logs);
    setter!(on_epoch_begin, epoch_begin, Indexed, usize);
    setter!(on_epoch_end, epoch_end, IndexedEnd, usize, &Logs);
    setter!(on_train_batch_begin, train_batch_begin, Indexed, usize);
    setter!(on_train_batch_end, train_batch_end, IndexedEnd, usize, &Logs);
    setter!(on_test_begin, test_begin, Begin,);
    setter!(on_test_end, test_end, End, &Logs);
    setter!(on_test_batch_begin, test_batch_begin, Indexed, usize);
    setter!(on_test_batch_end, test_batch_end, IndexedEnd, usize, &Logs);
    setter!(on_predict_begin, predict_begin, Begin,);
    setter!(on_predict_end, predict_end, Begin,);
    setter!(on_predict_batch_begin, predict_batch_begin, Indexed, usize);
    setter!(on_predict_batch_end, predict_batch_end, Indexed, usize);
}

fn call0(f: &mut Option<Begin>) -> Result<()> {
    f.as_mut().map_or(Ok(()), |f| f())
}
fn call_logs(f: &mut Option<End>, logs: &Logs) -> Result<()> {
    f.as_mut().map_or(Ok(()), |f| f(logs))
}
fn call_i(f: &mut Option<Indexed>, i: usize) -> Result<()> {
    f.as_mut().map_or(Ok(()), |f| f(i))
}
fn call_il(f: &mut Option<IndexedEnd>, i: usize, logs: &Logs) -> Result<()> {
    f.as_mut().map_or(Ok(()), |f| f(i, logs))
}

impl Callback for LambdaCallback {
    fn on_train_begin(&mut self, _: &mut Model) -> Result<()> {
        call0(&mut self.train_begin)
    }
    fn on_train_end(&mut self, logs: &Logs, _: &mut Model) -> Result<()> {
        call_logs(&mut self.train_end, logs)
    }
    fn on_epoch_begin(&mut self, epoch: usize, _: &mut Model) -> Result<()> {
        call_i(&mut self.epoch_begin, epoch)
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, _: &mut Model) -> Result<()> {
        call_il(&mut self.epoch_end, epoch, logs)
    }
    fn on_train_batch_begin(&mut self, batch: usize, _: &mut Model) -> Result<()> {
        call_i(&mut self.train_batch_begin, batch)
    }
    fn on_train_batch_end(&mut self, batch: usize, logs: &Logs, _: &mut Model) -> Result<()> {
        call_il(&mut self.train_batch_end, batch, logs)
    }
    fn on_test_begin(&mut self, _: &mut Model) -> Result<()> {
        call0(&mut self.test_begin)
    }
    fn on_test_end(&mut self, logs: &Logs, _: &mut Model) -> Result<()> {
        call_logs(&mut self.test_end, logs)
    }
    fn on_test_batch_begin(&mut self, batch: usize, _: &mut Model) -> Result<()> {
        call_i(&mut self.test_batch_begin, batch)
    }
    fn on_test_batch_end(&mut self, batch: usize, logs: &Logs, _: &mut Model) -> Result<()> {
        call_il(&mut self.test_batch_end, batch, logs)
    }
    fn on_predict_begin(&mut self, _: &mut Model) -> Result<()> {
        call0(&mut self.predict_begin)
    }
    fn on_predict_end(&mut self, _: &mut Model) -> Result<()> {
        call0(&mut self.predict_end)
    }
    fn on_predict_batch_begin(&mut self, batch: usize, _: &mut Model) -> Result<()> {
        call_i(&mut self.predict_batch_begin, batch)
    }
    fn on_predict_batch_end(&mut self, batch: usize, _: &[crate::tensor::Tensor], _: &mut Model) -> Result<()> {
        call_i(&mut self.predict_batch_end, batch)
    }
}
