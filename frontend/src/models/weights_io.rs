//! `get_weights`/`set_weights` and an **interim** weights file format for
//! `save_weights`/`load_weights` (and so for `ModelCheckpoint` and `BackupAndRestore`),
//! until the saving issue brings Keras's `.weights.h5` and `.keras` files.
//!
//! The interim file is a NumPy `.npz` (a zip of `.npy` arrays, readable with
//! `np.load`) whose name ends in `.weights.npz`: the model's weights in `weights()` order,
//! each named by its path (`dense/kernel`), then — when the model is compiled and its
//! optimizer built — the optimizer's variables in `optimizer.variables` order, named
//! `optimizer/<path>`. Loading is by position, as Keras's weight files are by structure:
//! the names are for people, so a model whose layers got other automatic names (a second
//! `dense_1` model in the same program) still loads the file.
use super::Model;
use crate::error::{Error, Result};
use kc_runtime::HostTensor;
use std::io::{Read, Write};
use std::path::Path;

/// The suffix the interim weights files must have (Keras requires `.weights.h5`).
pub const WEIGHTS_SUFFIX: &str = ".weights.npz";

const OPTIMIZER_PREFIX: &str = "optimizer/";

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::msg(format!("{}: {e}", path.display()))
}

/// Write named arrays as an `.npz`, in order, through a temporary file renamed into
/// place (so an interrupted write never leaves a half-written checkpoint).
pub(crate) fn write_npz(path: &Path, arrays: &[(String, HostTensor)]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    }
    let tmp = path.with_extension("npz.tmp");
    {
        let f = std::fs::File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
        let mut z = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let mut used = std::collections::HashSet::new();
        for (name, t) in arrays {
            // zip names must be unique; a repeated path gets a suffix
            let mut n = name.clone();
            let mut k = 1;
            while !used.insert(n.clone()) {
                n = format!("{name}_{k}");
                k += 1;
            }
            let bytes = kc_runtime::npy::to_bytes(t).map_err(|e| io_err(path, format!("{n}: {e}")))?;
            z.start_file(format!("{n}.npy"), opts).map_err(|e| io_err(&tmp, e))?;
            z.write_all(&bytes).map_err(|e| io_err(&tmp, e))?;
        }
        z.finish().map_err(|e| io_err(&tmp, e))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

/// The arrays of an `.npz` in file order, with their names (without `.npy`).
pub(crate) fn read_npz(path: &Path) -> Result<Vec<(String, HostTensor)>> {
    let f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut z = zip::ZipArchive::new(f).map_err(|e| io_err(path, format!("not a .npz (zip) file: {e}")))?;
    let mut out = Vec::with_capacity(z.len());
    for i in 0..z.len() {
        let mut entry = z.by_index(i).map_err(|e| io_err(path, e))?;
        let name = entry.name().trim_end_matches(".npy").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(|e| io_err(path, e))?;
        let t = kc_runtime::npy::from_bytes(&bytes, &format!("{}:{name}", path.display()))?;
        out.push((name, t));
    }
    Ok(out)
}

fn check_suffix(path: &Path, what: &str) -> Result<()> {
    if !path.to_string_lossy().ends_with(WEIGHTS_SUFFIX) {
        crate::bail!(
            "{what}: the filepath must end in `{WEIGHTS_SUFFIX}` (kc's interim weights format, until Keras's `.weights.h5` arrives with saving), got {}",
            path.display()
        );
    }
    Ok(())
}

impl Model {
    /// Keras's `get_weights()`: the values of every weight, in `weights()` order.
    pub fn get_weights(&self) -> Vec<HostTensor> {
        self.weights().iter().map(|w| w.value()).collect()
    }

    /// Keras's `set_weights(...)`: one value per weight, in `weights()` order, each of
    /// the weight's shape and dtype.
    pub fn set_weights(&self, values: &[HostTensor]) -> Result<()> {
        let ws = self.weights();
        if ws.len() != values.len() {
            crate::bail!("set_weights: the model has {} weights but {} values were given", ws.len(), values.len());
        }
        for (w, v) in ws.iter().zip(values) {
            w.assign(v.clone())?;
        }
        Ok(())
    }

    /// Keras's `save_weights(filepath)` in the interim `.weights.npz` format (see the
    /// module docs): the weights, and the optimizer's state when it has any.
    pub fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        check_suffix(path, "save_weights")?;
        let mut arrays: Vec<(String, HostTensor)> = self.weights().iter().map(|w| (w.path(), w.value())).collect();
        if let Some(opt) = self.optimizer().filter(|o| o.built()) {
            arrays.extend(opt.variables().iter().map(|v| (format!("{OPTIMIZER_PREFIX}{}", v.path()), v.value())));
        }
        write_npz(path, &arrays)
    }

    /// Keras's `load_weights(filepath)`: the weights of a file `save_weights` wrote, by
    /// position, each checked against the weight's shape and dtype; then the optimizer's
    /// state if the file has it and the model is compiled (the optimizer is built first).
    /// An optimizer with a different number of variables is skipped with a warning, as
    /// Keras does.
    pub fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        check_suffix(path, "load_weights")?;
        let arrays = read_npz(path)?;
        let ws = self.weights();
        if ws.is_empty() && !arrays.is_empty() {
            crate::bail!("load_weights: the model has no weights yet; build it (call it on data, or fit) before loading {}", path.display());
        }
        let n_model = arrays.iter().take_while(|(n, _)| !n.starts_with(OPTIMIZER_PREFIX)).count();
        if n_model != ws.len() {
            crate::bail!("load_weights: {} holds {n_model} weights but the model has {}", path.display(), ws.len());
        }
        for (w, (name, v)) in ws.iter().zip(&arrays) {
            w.assign(v.clone()).map_err(|e| e.context(format!("load_weights: `{name}` of {} into `{}`", path.display(), w.path())))?;
        }
        let opt_arrays = &arrays[n_model..];
        if opt_arrays.is_empty() {
            return Ok(());
        }
        let trainable = self.trainable_weights();
        let Some(c) = self.compiled.as_mut() else { return Ok(()) };
        c.optimizer.build(&trainable)?;
        let vars = c.optimizer.variables();
        if vars.len() != opt_arrays.len() {
            crate::warn(&format!(
                "skipping variable loading for optimizer '{}', because it has {} variables whereas the saved optimizer has {} variables",
                c.optimizer.name(),
                vars.len(),
                opt_arrays.len()
            ));
            return Ok(());
        }
        for (v, (name, t)) in vars.iter().zip(opt_arrays) {
            v.assign(t.clone()).map_err(|e| e.context(format!("load_weights: `{name}` of {} into `{}`", path.display(), v.path())))?;
        }
        Ok(())
    }
}
