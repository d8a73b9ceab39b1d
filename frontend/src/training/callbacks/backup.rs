//! `keras.callbacks.BackupAndRestore`: back up the training state so that an interrupted
//! `fit` can resume. In `backup_dir` it keeps `latest.weights.npz` (the weights and the
//! optimizer's state, kc's interim format) and `training_metadata.json` (the epoch to
//! resume at); a `fit` with the same callback loads them and continues from that epoch.
//! A successful `fit` deletes the directory (unless `delete_checkpoint(false)`).
//!
//! The data order is not part of the backup (Keras's is not either): with `shuffle` a
//! resumed run sees other batches than an uninterrupted one would.
use super::checkpoint::{BatchCounter, SaveFreq};
use super::{Callback, Logs};
use crate::error::{Error, Result};
use crate::models::Model;
use std::path::{Path, PathBuf};

pub struct BackupAndRestore {
    pub backup_dir: PathBuf,
    pub save_freq: SaveFreq,
    /// Keep the previous backup as `*.bkp` and fall back to it when the latest cannot
    /// be read.
    pub double_checkpoint: bool,
    pub delete_checkpoint: bool,
    counter: BatchCounter,
    current_epoch: usize,
    last_batch_seen: usize,
}

fn io(p: &Path, e: impl std::fmt::Display) -> Error {
    Error::msg(format!("BackupAndRestore: {}: {e}", p.display()))
}

impl BackupAndRestore {
    pub fn new(backup_dir: impl AsRef<Path>) -> BackupAndRestore {
        BackupAndRestore {
            backup_dir: backup_dir.as_ref().to_path_buf(),
            save_freq: SaveFreq::Epoch,
            double_checkpoint: false,
            delete_checkpoint: true,
            counter: BatchCounter::default(),
            current_epoch: 0,
            last_batch_seen: 0,
        }
    }
    pub fn save_freq(mut self, f: SaveFreq) -> BackupAndRestore {
        self.save_freq = f;
        self
    }
    pub fn double_checkpoint(mut self, d: bool) -> BackupAndRestore {
        self.double_checkpoint = d;
        self
    }
    pub fn delete_checkpoint(mut self, d: bool) -> BackupAndRestore {
        self.delete_checkpoint = d;
        self
    }

    fn weights_path(&self) -> PathBuf {
        self.backup_dir.join("latest.weights.npz")
    }
    fn metadata_path(&self) -> PathBuf {
        self.backup_dir.join("training_metadata.json")
    }
    fn prev(p: &Path) -> PathBuf {
        let mut s = p.as_os_str().to_owned();
        s.push(".bkp");
        PathBuf::from(s)
    }

    fn load(&self, model: &mut Model) -> Result<()> {
        if self.weights_path().exists() {
            model.load_weights(self.weights_path())?;
        }
        let meta = self.metadata_path();
        if meta.exists() {
            let text = std::fs::read_to_string(&meta).map_err(|e| io(&meta, e))?;
            let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| io(&meta, e))?;
            let Some(epoch) = v.get("epoch").and_then(|e| e.as_u64()) else { return Err(io(&meta, "no `epoch` in the training metadata")) };
            model.initial_epoch = Some(epoch as usize);
        }
        Ok(())
    }

    fn save(&self, model: &Model) -> Result<()> {
        let dir = &self.backup_dir;
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let (w, m) = (self.weights_path(), self.metadata_path());
        if self.double_checkpoint {
            for p in [&w, &m] {
                if p.exists() {
                    std::fs::copy(p, Self::prev(p)).map_err(|e| io(p, e))?;
                }
            }
        }
        model.save_weights(&w).map_err(|e| e.context("BackupAndRestore"))?;
        let meta = serde_json::json!({"epoch": self.current_epoch, "batch": self.last_batch_seen});
        // written whole, then renamed, so a crash never leaves half a file
        let tmp = m.with_extension("json.tmp");
        std::fs::write(&tmp, meta.to_string()).map_err(|e| io(&tmp, e))?;
        std::fs::rename(&tmp, &m).map_err(|e| io(&m, e))
    }
}

impl Callback for BackupAndRestore {
    fn on_train_begin(&mut self, model: &mut Model) -> Result<()> {
        if self.backup_dir.as_os_str().is_empty() {
            crate::bail!("BackupAndRestore: empty `backup_dir`");
        }
        if let SaveFreq::Batches(0) = self.save_freq {
            crate::bail!("BackupAndRestore: save_freq must be SaveFreq::Epoch or a positive number of batches, got 0");
        }
        if !model.built() {
            crate::bail!("BackupAndRestore: the model must be built before fit() (call it on a batch of data, or give it an Input)");
        }
        match self.load(model) {
            Ok(()) => Ok(()),
            Err(e) => {
                // the latest backup is unreadable: fall back to the previous one, if kept
                let (w, m) = (self.weights_path(), self.metadata_path());
                if !Self::prev(&w).exists() {
                    return Err(e);
                }
                std::fs::copy(Self::prev(&w), &w).map_err(|e| io(&w, e))?;
                if Self::prev(&m).exists() {
                    std::fs::copy(Self::prev(&m), &m).map_err(|e| io(&m, e))?;
                } else if m.exists() {
                    std::fs::remove_file(&m).map_err(|e| io(&m, e))?;
                }
                self.load(model)
            }
        }
    }
    fn on_epoch_end(&mut self, epoch: usize, _: &mut Logs, model: &mut Model) -> Result<()> {
        self.current_epoch = epoch + 1;
        self.last_batch_seen = 0;
        if self.save_freq == SaveFreq::Epoch {
            self.save(model)?;
        }
        Ok(())
    }
    fn on_train_batch_end(&mut self, batch: usize, _: &Logs, model: &mut Model) -> Result<()> {
        if let SaveFreq::Batches(n) = self.save_freq {
            let due = self.counter.due(batch, n);
            self.last_batch_seen = batch;
            if due {
                self.save(model)?;
            }
        }
        Ok(())
    }
    fn on_train_end(&mut self, _: &Logs, _: &mut Model) -> Result<()> {
        if self.delete_checkpoint && self.backup_dir.exists() {
            std::fs::remove_dir_all(&self.backup_dir).map_err(|e| io(&self.backup_dir, e))?;
        }
        Ok(())
    }
}
