//! Callbacks: the hooks in Keras's order, the monitoring callbacks' decisions against
//! real Keras 3 driven with the same logs (`tests/golden/keras/data/training.json`), and
//! each callback's behaviour in `fit` (checkpoints that load back, resuming with
//! BackupAndRestore to the same weights as an uninterrupted run, NaN termination, CSV
//! files, learning-rate changes, progress output).
use super::golden::{self, close, REL};
use super::trainer::tempdir;
use kc::callbacks::{
    BackupAndRestore, Callback, CsvLogger, LambdaCallback, LearningRateScheduler, Logs, Mode, ModelCheckpoint, ProgbarLogger, ReduceLROnPlateau, SaveFreq,
    TerminateOnNaN,
};
use kc::frontend::{Result, Tensor};
use kc::prelude::*;
use serde_json::{json, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Records every hook with its index and the sorted names of its logs.
#[derive(Default)]
struct Recorder(Rc<RefCell<Vec<Value>>>);

impl Recorder {
    fn rec(&self, hook: &str, arg: Option<usize>, keys: Vec<String>) {
        self.0.borrow_mut().push(json!({"hook": hook, "arg": arg, "keys": keys}));
    }
}
fn keys(l: &Logs) -> Vec<String> {
    l.keys().cloned().collect()
}

impl Callback for Recorder {
    fn on_train_begin(&mut self, _: &mut Model) -> Result<()> {
        self.rec("on_train_begin", None, vec![]);
        Ok(())
    }
    fn on_train_end(&mut self, logs: &Logs, _: &mut Model) -> Result<()> {
        self.rec("on_train_end", None, keys(logs));
        Ok(())
    }
    fn on_epoch_begin(&mut self, e: usize, _: &mut Model) -> Result<()> {
        self.rec("on_epoch_begin", Some(e), vec![]);
        Ok(())
    }
    fn on_epoch_end(&mut self, e: usize, logs: &mut Logs, _: &mut Model) -> Result<()> {
        self.rec("on_epoch_end", Some(e), keys(logs));
        Ok(())
    }
    fn on_train_batch_begin(&mut self, b: usize, _: &mut Model) -> Result<()> {
        self.rec("on_train_batch_begin", Some(b), vec![]);
        Ok(())
    }
    fn on_train_batch_end(&mut self, b: usize, logs: &Logs, _: &mut Model) -> Result<()> {
        self.rec("on_train_batch_end", Some(b), keys(logs));
        Ok(())
    }
    fn on_test_begin(&mut self, _: &mut Model) -> Result<()> {
        self.rec("on_test_begin", None, vec![]);
        Ok(())
    }
    fn on_test_end(&mut self, logs: &Logs, _: &mut Model) -> Result<()> {
        self.rec("on_test_end", None, keys(logs));
        Ok(())
    }
    fn on_test_batch_begin(&mut self, b: usize, _: &mut Model) -> Result<()> {
        self.rec("on_test_batch_begin", Some(b), vec![]);
        Ok(())
    }
    fn on_test_batch_end(&mut self, b: usize, logs: &Logs, _: &mut Model) -> Result<()> {
        self.rec("on_test_batch_end", Some(b), keys(logs));
        Ok(())
    }
    fn on_predict_begin(&mut self, _: &mut Model) -> Result<()> {
        self.rec("on_predict_begin", None, vec![]);
        Ok(())
    }
    fn on_predict_end(&mut self, _: &mut Model) -> Result<()> {
        self.rec("on_predict_end", None, vec![]);
        Ok(())
    }
    fn on_predict_batch_begin(&mut self, b: usize, _: &mut Model) -> Result<()> {
        self.rec("on_predict_batch_begin", Some(b), vec![]);
        Ok(())
    }
    fn on_predict_batch_end(&mut self, b: usize, outputs: &[Tensor], _: &mut Model) -> Result<()> {
        assert_eq!(outputs.len(), 1);
        self.rec("on_predict_batch_end", Some(b), vec!["outputs".into()]);
        Ok(())
    }
}

fn data(n: usize, seed: u64) -> (Tensor, Tensor) {
    let mut s = seed;
    let mut r = || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 33) as f64 / (1u64 << 31) as f64) as f32 * 2.0 - 1.0
    };
    let x: Vec<f32> = (0..n * 2).map(|_| r()).collect();
    let y: Vec<f32> = x.chunks(2).map(|p| 0.5 * p[0] - p[1] + 0.2).collect();
    (Tensor::from_f32(&[n, 2], x).unwrap(), Tensor::from_f32(&[n, 1], y).unwrap())
}

fn model(opt: impl Into<kc::frontend::training::OptimizerArg>) -> Model {
    let mut m = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(1))]);
    m.build(TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(2)]))).unwrap();
    m.compile(Compile::new().optimizer(opt).loss("mse").metrics(&["mae"])).unwrap();
    m
}

#[test]
fn hooks_are_called_in_keras_order() {
    let doc = golden::load("training.json");
    let (x, y) = data(10, 1);
    let (vx, vy) = data(6, 2);
    let mut m = model("sgd");
    let events = Rc::new(RefCell::new(Vec::new()));
    m.fit(&x, &y, Fit::new().batch_size(4).epochs(2).validation_data(vx, vy).shuffle(false).verbose(0).callback(Recorder(events.clone()))).unwrap();
    assert_eq!(Value::Array(events.borrow().clone()), doc["hooks"]["fit"], "fit");
    events.borrow_mut().clear();
    m.evaluate_with(&x, &y, Evaluate::new().batch_size(4).verbose(0).callback(Recorder(events.clone()))).unwrap();
    assert_eq!(Value::Array(events.borrow().clone()), doc["hooks"]["evaluate"], "evaluate");
    events.borrow_mut().clear();
    m.predict_with(&x, Predict::new().batch_size(4).verbose(0).callback(Recorder(events.clone()))).unwrap();
    assert_eq!(Value::Array(events.borrow().clone()), doc["hooks"]["predict"], "predict");
}

const VAL_LOSS: [f64; 12] = [1.0, 0.9, 0.95, 0.9, 0.891, 0.92, 0.5, 0.6, 0.6, 0.6, 0.49, 0.7];
const VAL_ACC: [f64; 12] = [0.5, 0.6, 0.6, 0.55, 0.62, 0.61, 0.7, 0.7, 0.7, 0.71, 0.8, 0.6];

/// Call the hooks as `fit` would, with the golden script's logs; record what the
/// callback did each epoch (as `drive` in training.py does).
fn drive(cb: &mut dyn Callback, m: &mut Model, set_kernel: bool, mut each: impl FnMut(usize)) -> Vec<(bool, f64, Option<f64>)> {
    m.set_stop_training(false);
    cb.on_train_begin(m).unwrap();
    let mut out = Vec::new();
    for e in 0..VAL_LOSS.len() {
        if set_kernel {
            m.set_weights(&[HostTensor::from_vec(vec![2, 1], vec![e as f32; 2]).unwrap(), HostTensor::from_vec(vec![1], vec![0.0f32]).unwrap()]).unwrap();
        }
        cb.on_epoch_begin(e, m).unwrap();
        let mut logs: Logs = [("loss".to_string(), 2.0 - 0.1 * e as f64), ("val_loss".to_string(), VAL_LOSS[e]), ("val_acc".to_string(), VAL_ACC[e])].into_iter().collect();
        cb.on_epoch_end(e, &mut logs, m).unwrap();
        each(e);
        out.push((m.stop_training(), m.optimizer().unwrap().learning_rate(), logs.get("learning_rate").copied()));
    }
    cb.on_train_end(&Logs::new(), m).unwrap();
    out
}

fn f(a: &Value, k: &str) -> Option<f64> {
    a.get(k).and_then(|v| v.as_f64())
}

fn mode(a: &Value) -> Mode {
    a.get("mode").map(|m| Mode::from_name(m.as_str().unwrap()).unwrap()).unwrap_or(Mode::Auto)
}

#[test]
fn monitoring_callbacks_decide_as_keras_does() {
    let doc = golden::load("training.json");
    for case in doc["monitors"].as_array().unwrap() {
        let a = &case["args"];
        let what = format!("{}({a})", case["callback"].as_str().unwrap());
        let mut m = model(Sgd::new(0.1));
        match case["callback"].as_str().unwrap() {
            "EarlyStopping" => {
                let mut cb = kc::callbacks::EarlyStopping::new(a["monitor"].as_str().unwrap()).patience(a["patience"].as_u64().unwrap() as usize).mode(mode(a));
                if let Some(d) = f(a, "min_delta") {
                    cb = cb.min_delta(d);
                }
                if let Some(b) = f(a, "baseline") {
                    cb = cb.baseline(b);
                }
                if let Some(s) = a.get("start_from_epoch") {
                    cb = cb.start_from_epoch(s.as_u64().unwrap() as usize);
                }
                cb = cb.restore_best_weights(a.get("restore_best_weights").is_some_and(|v| v.as_bool().unwrap()));
                let got = drive(&mut cb, &mut m, true, |_| {});
                let want: Vec<bool> = case["epochs"].as_array().unwrap().iter().map(|e| e["stop_training"].as_bool().unwrap()).collect();
                assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), want, "{what}: stop_training per epoch");
                assert_eq!(cb.stopped_epoch as u64, case["stopped_epoch"].as_u64().unwrap(), "{what}: stopped_epoch");
                assert_eq!(m.get_weights()[0].to_f64_vec()[0], case["final_kernel"].as_f64().unwrap(), "{what}: weights at the end");
            }
            "ReduceLROnPlateau" => {
                let mut cb = ReduceLROnPlateau::new(a["monitor"].as_str().unwrap()).factor(f(a, "factor").unwrap()).patience(a["patience"].as_u64().unwrap() as usize).mode(mode(a));
                if let Some(d) = f(a, "min_delta") {
                    cb = cb.min_delta(d);
                }
                if let Some(c) = a.get("cooldown") {
                    cb = cb.cooldown(c.as_u64().unwrap() as usize);
                }
                if let Some(l) = f(a, "min_lr") {
                    cb = cb.min_lr(l);
                }
                let got = drive(&mut cb, &mut m, false, |_| {});
                for (e, (g, w)) in got.iter().zip(case["epochs"].as_array().unwrap()).enumerate() {
                    close(&[g.1, g.2.unwrap()], &[f(w, "learning_rate").unwrap(), f(w, "logged_learning_rate").unwrap()], REL).unwrap_or_else(|err| panic!("{what} epoch {e}: {err}"));
                }
            }
            "ModelCheckpoint" => {
                let dir = tempdir("monitor-checkpoint");
                let pattern = case["pattern"].as_str().unwrap().replace(".weights.h5", ".weights.npz");
                let mut cb = ModelCheckpoint::new(dir.join(&pattern).to_str().unwrap()).mode(mode(a)).save_best_only(a["save_best_only"].as_bool().unwrap());
                if let Some(mon) = a.get("monitor") {
                    cb = cb.monitor(mon.as_str().unwrap());
                }
                if let Some(t) = f(a, "initial_value_threshold") {
                    cb = cb.initial_value_threshold(t);
                }
                let saved = RefCell::new(Vec::new());
                let listing = || {
                    let mut v: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
                    v.sort();
                    v
                };
                let before = RefCell::new(listing());
                drive(&mut cb, &mut m, false, |_| {
                    let now = listing();
                    saved.borrow_mut().extend(now.iter().filter(|n| !before.borrow().contains(n)).cloned());
                    *before.borrow_mut() = now;
                });
                let want: Vec<String> = case["saved"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().replace(".weights.h5", ".weights.npz")).collect();
                assert_eq!(saved.into_inner(), want, "{what}: files written");
                std::fs::remove_dir_all(dir).unwrap();
            }
            other => panic!("{other}"),
        }
    }
}

#[test]
fn learning_rate_scheduler_sets_and_logs_the_rate_each_epoch_as_keras() {
    let doc = golden::load("training.json");
    let g = &doc["lr_scheduler"];
    let (x, y) = data(8, 3);
    let mut m = model(Sgd::new(0.1));
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s2 = seen.clone();
    let cb = LearningRateScheduler::new(move |epoch, lr| {
        s2.borrow_mut().push((epoch, lr));
        if epoch < 2 {
            lr
        } else {
            lr * 0.5
        }
    });
    let h = m.fit(&x, &y, Fit::new().epochs(5).batch_size(4).verbose(0).callback(cb)).unwrap();
    let want: Vec<(usize, f64)> = g["seen"].as_array().unwrap().iter().map(|p| (p[0].as_u64().unwrap() as usize, p[1].as_f64().unwrap())).collect();
    assert_eq!(*seen.borrow(), want, "the schedule sees the epoch and the current rate");
    let want_lr: Vec<f64> = g["history_learning_rate"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    // (the same float32 rates; Keras's logged doubles may differ in the last bit)
    close(h.get("learning_rate").unwrap(), &want_lr, 1e-12).unwrap();
    // the rate really is the one used: an optimizer given a schedule cannot be set
    let mut s = model(Sgd::new(kc::frontend::optimizers::schedules::ExponentialDecay::new(0.1, 10.0, 0.5)));
    let e = s.fit(&x, &y, Fit::new().epochs(1).verbose(0).callback(LearningRateScheduler::new(|_, lr| lr))).unwrap_err().to_string();
    assert!(e.contains("LearningRateScheduler") && e.contains("not settable"), "{e}");
}

/// y = a constant plus noise that no model of x can fit: the loss stalls once the bias
/// has converged.
fn stalling() -> (Tensor, Tensor) {
    let x = Tensor::from_f32(&[16, 2], vec![0.0; 32]).unwrap();
    let y: Vec<f32> = (0..16).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
    (x, Tensor::from_f32(&[16, 1], y).unwrap())
}

#[test]
fn reduce_lr_on_plateau_lowers_the_rate_after_patience_epochs_without_improvement() {
    let (x, y) = stalling();
    let mut m = model(Sgd::new(0.4));
    let patience = 2;
    let cb = ReduceLROnPlateau::new("loss").factor(0.5).patience(patience).min_delta(1e-4);
    let h = m.fit(&x, &y, Fit::new().epochs(12).batch_size(16).verbose(0).callback(cb)).unwrap();
    let lr = h.get("learning_rate").unwrap();
    let loss = h.get("loss").unwrap();
    assert_eq!(lr[0], 0.4f32 as f64);
    let first_cut = lr.iter().position(|&r| r < lr[0]).expect("the rate must have been lowered");
    // the rate logged at epoch e is the one before that epoch's decision: the cut
    // happened at the end of epoch first_cut - 1, after `patience` epochs whose loss did
    // not beat the best by min_delta
    let decided = first_cut - 1;
    let best_before = |e: usize| loss[..e].iter().cloned().fold(f64::INFINITY, f64::min);
    for e in decided + 1 - patience..=decided {
        assert!(loss[e] > best_before(e) - 1e-4, "epoch {e} improved ({} vs best {}), yet the rate was cut", loss[e], best_before(e));
    }
    assert_eq!(lr[first_cut], (0.4f32 as f64 * 0.5) as f32 as f64);
    assert!(m.optimizer().unwrap().learning_rate() <= *lr.last().unwrap(), "the optimizer has the last logged rate or a lower one");
}

#[test]
fn csv_logger_writes_one_row_per_epoch_and_appends() {
    let (x, y) = data(12, 4);
    let dir = tempdir("csv");
    let path = dir.join("train.csv");
    let mut m = model(Sgd::new(0.1));
    let h = m.fit(&x, &y, Fit::new().epochs(3).batch_size(4).verbose(0).callback(CsvLogger::new(&path))).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\r\n"), "Python's csv line endings");
    let lines: Vec<&str> = text.lines().collect();
    // no validation: Keras adds val_ columns, written NA
    assert_eq!(lines[0], "epoch,loss,mae,val_loss,val_mae");
    assert_eq!(lines.len(), 4);
    for (e, line) in lines[1..].iter().enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[0], e.to_string());
        // the values are the history's, written so they read back exactly
        assert_eq!(f[1].parse::<f64>().unwrap(), h.get("loss").unwrap()[e]);
        assert_eq!(f[2].parse::<f64>().unwrap(), h.get("mae").unwrap()[e]);
        assert_eq!(&f[3..], &["NA", "NA"]);
    }
    // append: more rows, no second header
    m.fit(&x, &y, Fit::new().epochs(2).batch_size(4).verbose(0).callback(CsvLogger::new(&path).append(true))).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 6);
    assert_eq!(text.lines().filter(|l| l.starts_with("epoch")).count(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn terminate_on_nan_stops_after_the_bad_batch_and_fit_returns() {
    let (x, y) = data(16, 5);
    // batch 1 (of 4 per epoch) holds a NaN input, so its loss is NaN
    let mut v = x.to_f32_vec().unwrap();
    v[4 * 2] = f32::NAN;
    let x = Tensor::from_f32(&[16, 2], v).unwrap();
    let batches = Rc::new(RefCell::new(Vec::new()));
    let b2 = batches.clone();
    let count = LambdaCallback::new().on_train_batch_end(move |b, _| {
        b2.borrow_mut().push(b);
        Ok(())
    });
    let mut m = model(Sgd::new(0.1));
    let h = m.fit(&x, &y, Fit::new().epochs(5).batch_size(4).shuffle(false).verbose(0).callback(TerminateOnNaN::new()).callback(count)).unwrap();
    assert_eq!(*batches.borrow(), vec![0, 1], "training stops right after the NaN batch");
    assert_eq!(h.epochs, vec![0], "the epoch still ends (and is in the history)");
    assert!(h.last("loss").unwrap().is_nan());
    let mut m = model(Sgd::new(0.1));
    let e = m.fit(&x, &y, Fit::new().epochs(5).batch_size(4).shuffle(false).verbose(0).callback(TerminateOnNaN::new().raise_error(true))).unwrap_err().to_string();
    assert!(e.contains("NaN or Inf loss encountered at batch 1"), "{e}");
}

/// Keeps each epoch's weights.
struct Snapshots(Rc<RefCell<Vec<Vec<HostTensor>>>>);
impl Callback for Snapshots {
    fn on_epoch_end(&mut self, _: usize, _: &mut Logs, m: &mut Model) -> Result<()> {
        self.0.borrow_mut().push(m.get_weights());
        Ok(())
    }
}

#[test]
fn model_checkpoint_keeps_the_best_epochs_weights_and_they_load_back() {
    let (x, y) = data(24, 6);
    let (vx, vy) = data(8, 7);
    let dir = tempdir("checkpoint");
    let path = dir.join("best.weights.npz");
    let snaps = Rc::new(RefCell::new(Vec::new()));
    // a large learning rate, so the validation loss goes up and down
    let mut m = model(Sgd::new(0.9));
    let cfg = Fit::new().epochs(6).batch_size(8).validation_data(vx, vy).verbose(0).callback(ModelCheckpoint::new(path.to_str().unwrap()).save_best_only(true)).callback(Snapshots(snaps.clone()));
    let h = m.fit(&x, &y, cfg).unwrap();
    let val = h.get("val_loss").unwrap();
    let best = (0..val.len()).min_by(|&a, &b| val[a].total_cmp(&val[b])).unwrap();
    // a new model (other layer names) loads the file by position
    let mut fresh = model(Sgd::new(0.9));
    fresh.load_weights(&path).unwrap();
    assert_eq!(fresh.get_weights(), snaps.borrow()[best], "the checkpoint holds epoch {best}'s weights (val_loss {val:?})");
    // the optimizer state came along: its iteration count is the best epoch's
    assert_eq!(fresh.optimizer().unwrap().iterations(), 3 * (best as i64 + 1));
    // formatted names, and batch-frequency saving with Keras's batch counting
    let pattern = dir.join("e{epoch:02d}-b{batch}.weights.npz");
    let mut m = model(Sgd::new(0.1));
    m.fit(&x, &y, Fit::new().epochs(2).batch_size(8).verbose(0).callback(ModelCheckpoint::new(pattern.to_str().unwrap()).save_freq(SaveFreq::Batches(2)))).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).filter(|n| n.starts_with('e')).collect();
    files.sort();
    assert_eq!(files, vec!["e01-b2.weights.npz", "e02-b1.weights.npz", "e02-b3.weights.npz"]);
    // bad paths are errors that say why
    let e = m.fit(&x, &y, Fit::new().verbose(0).callback(ModelCheckpoint::new("model.keras"))).unwrap_err().to_string();
    assert!(e.contains(".weights.npz"), "{e}");
    let e = m.fit(&x, &y, Fit::new().verbose(0).callback(ModelCheckpoint::new("m.weights.npz").save_weights_only(false))).unwrap_err().to_string();
    assert!(e.contains("not available yet"), "{e}");
    let e = m.fit(&x, &y, Fit::new().verbose(0).callback(ModelCheckpoint::new(dir.join("{nope}.weights.npz").to_str().unwrap()))).unwrap_err().to_string();
    assert!(e.contains("`nope`"), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Fails at the end of one epoch: an interruption.
struct Crash(usize);
impl Callback for Crash {
    fn on_epoch_end(&mut self, epoch: usize, _: &mut Logs, _: &mut Model) -> Result<()> {
        if epoch == self.0 {
            Err(kc::frontend::Error::msg("interrupted"))
        } else {
            Ok(())
        }
    }
}

#[test]
fn backup_and_restore_resumes_to_the_uninterrupted_runs_weights() {
    let (x, y) = data(24, 8);
    let dir = tempdir("backup");
    let backup = dir.join("backup");
    let fit = || Fit::new().epochs(6).batch_size(8).shuffle(false).verbose(0);
    // the uninterrupted run
    let mut a = model(Adam::new(0.05));
    let start = a.get_weights();
    let ha = a.fit(&x, &y, fit()).unwrap();
    // a run that dies at the end of epoch 2 (after the backup of epoch 2) ...
    let mut b = model(Adam::new(0.05));
    b.set_weights(&start).unwrap();
    let err = b.fit(&x, &y, fit().callback(BackupAndRestore::new(&backup)).callback(Crash(2))).unwrap_err();
    assert!(err.to_string().contains("interrupted"));
    assert!(backup.join("latest.weights.npz").exists() && backup.join("training_metadata.json").exists());
    // ... and is resumed in a new model (as after a restart), from the backup
    let mut c = model(Adam::new(0.05));
    let hc = c.fit(&x, &y, fit().callback(BackupAndRestore::new(&backup))).unwrap();
    assert_eq!(hc.epochs, vec![3, 4, 5], "resumes after the last backed-up epoch");
    assert_eq!(c.get_weights(), a.get_weights(), "same weights as the uninterrupted run");
    assert_eq!(hc.get("loss").unwrap(), &ha.get("loss").unwrap()[3..]);
    assert_eq!(c.optimizer().unwrap().iterations(), a.optimizer().unwrap().iterations());
    assert!(!backup.exists(), "a finished fit deletes the backup");
    // with batch-frequency backups, and double checkpoints kept
    let mut d = model(Adam::new(0.05));
    d.set_weights(&start).unwrap();
    let _ = d.fit(&x, &y, fit().callback(BackupAndRestore::new(&backup).save_freq(SaveFreq::Batches(2)).double_checkpoint(true)).callback(Crash(1)));
    assert!(backup.join("latest.weights.npz.bkp").exists());
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(backup.join("training_metadata.json")).unwrap()).unwrap();
    assert_eq!(meta["epoch"], 1, "the last backup was taken during epoch 1 (0-based), before it ended");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn lambda_callback_calls_each_closure_at_its_hook() {
    let (x, y) = data(8, 9);
    let log = Rc::new(RefCell::new(Vec::<String>::new()));
    let l = |s: &'static str| {
        let log = log.clone();
        move || {
            log.borrow_mut().push(s.into());
            Ok(())
        }
    };
    let li = |s: &'static str| {
        let log = log.clone();
        move |i: usize| {
            log.borrow_mut().push(format!("{s}{i}"));
            Ok(())
        }
    };
    let lil = |s: &'static str| {
        let log = log.clone();
        move |i: usize, logs: &Logs| {
            log.borrow_mut().push(format!("{s}{i}:{}", logs.len()));
            Ok(())
        }
    };
    let ll = |s: &'static str| {
        let log = log.clone();
        move |logs: &Logs| {
            log.borrow_mut().push(format!("{s}:{}", logs.len()));
            Ok(())
        }
    };
    let cb = LambdaCallback::new()
        .on_train_begin(l("tb"))
        .on_train_end(ll("te"))
        .on_epoch_begin(li("eb"))
        .on_epoch_end(lil("ee"))
        .on_train_batch_begin(li("bb"))
        .on_train_batch_end(lil("be"));
    let mut m = model(Sgd::new(0.1));
    m.fit(&x, &y, Fit::new().epochs(1).batch_size(4).verbose(0).callback(cb)).unwrap();
    assert_eq!(*log.borrow(), vec!["tb", "eb0", "bb0", "be0:2", "bb1", "be1:2", "ee0:2", "te:2"]);
    log.borrow_mut().clear();
    let cb = LambdaCallback::new().on_predict_begin(l("pb")).on_predict_batch_end(li("pbe")).on_predict_end(l("pe")).on_test_begin(l("tb")).on_test_end(ll("te"));
    m.predict_with(&x, Predict::new().batch_size(4).verbose(0).callback(cb)).unwrap();
    assert_eq!(*log.borrow(), vec!["pb", "pbe0", "pbe1", "pe"]);
}

#[test]
fn progress_output_follows_verbose() {
    let (x, y) = data(12, 10);
    let out = |verbose: u8| {
        let buf = Rc::new(RefCell::new(String::new()));
        let mut m = model(Sgd::new(0.1));
        m.fit(&x, &y, Fit::new().epochs(2).batch_size(4).verbose(verbose).callback(ProgbarLogger::new().to_buffer(buf.clone()))).unwrap();
        let s = buf.borrow().clone();
        s
    };
    assert_eq!(out(0), "", "verbose=0 prints nothing");
    let two = out(2);
    let lines: Vec<&str> = two.lines().collect();
    assert_eq!(lines.len(), 4, "{two}");
    assert_eq!(lines[0], "Epoch 1/2");
    // `3/3 - 0s - 1ms/step - loss: 0.1234 - mae: 0.2345`
    let l = lines[1];
    assert!(l.starts_with("3/3 - ") && l.contains("s/step - loss: ") && l.contains(" - mae: "), "{l}");
    let loss: f64 = l.split("loss: ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(loss > 0.0 && l.split("loss: ").nth(1).unwrap().split(' ').next().unwrap().len() == 6, "4 decimals: {l}");
    let one = out(1);
    let lines: Vec<&str> = one.lines().collect();
    assert_eq!(lines.len(), 4, "{one}");
    assert!(lines[1].starts_with("3/3 ━━━━━━━━━━━━━━━━━━━━ ") && lines[1].contains("/step - loss: "), "{}", lines[1]);
    // evaluate's own bar: one line, no epoch header
    let buf = Rc::new(RefCell::new(String::new()));
    let mut m = model(Sgd::new(0.1));
    m.evaluate_with(&x, &y, Evaluate::new().batch_size(4).callback(ProgbarLogger::new().to_buffer(buf.clone()))).unwrap();
    assert_eq!(buf.borrow().lines().count(), 1);
    assert!(buf.borrow().starts_with("3/3 ━"), "{}", buf.borrow());
}

#[test]
fn bad_callback_arguments_are_errors() {
    let (x, y) = data(8, 11);
    let mut m = model(Sgd::new(0.1));
    let e = m.fit(&x, &y, Fit::new().verbose(0).callback(ReduceLROnPlateau::new("loss").factor(1.5))).unwrap_err().to_string();
    assert!(e.contains("factor") && e.contains("1.5"), "{e}");
    let e = m.fit(&x, &y, Fit::new().verbose(0).callback(kc::callbacks::EarlyStopping::new("weird_metric"))).unwrap_err().to_string();
    assert!(e.contains("weird_metric") && e.contains("mode"), "{e}");
    let e = Mode::from_name("maximum").unwrap_err().to_string();
    assert!(e.contains("auto, min, max"), "{e}");
    // a monitored value that is not logged is a warning, not an error (as in Keras)
    m.fit(&x, &y, Fit::new().verbose(0).callback(kc::callbacks::EarlyStopping::new("val_loss"))).unwrap();
    // weights files: wrong suffix, wrong count
    let dir = tempdir("bad-weights");
    let e = m.save_weights(dir.join("w.h5")).unwrap_err().to_string();
    assert!(e.contains(".weights.npz"), "{e}");
    let p = dir.join("w.weights.npz");
    m.save_weights(&p).unwrap();
    let mut other = Model::sequential(vec![Box::new(Input::new(&[2])), Box::new(Dense::new(3)), Box::new(Dense::new(1))]);
    other.build(TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(2)]))).unwrap();
    let e = other.load_weights(&p).unwrap_err().to_string();
    assert!(e.contains("holds 2 weights but the model has 4"), "{e}");
    let mut wrong = Model::sequential(vec![Box::new(Input::new(&[3])), Box::new(Dense::new(1))]);
    wrong.build(TensorType::new(DType::F32, Shape(vec![Dim::sym("N"), Dim::Known(3)]))).unwrap();
    let e = wrong.load_weights(&p).unwrap_err().to_string();
    assert!(e.contains("kernel") && e.contains("[3, 1]") && e.contains("[2, 1]"), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}
