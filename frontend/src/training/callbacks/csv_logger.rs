//! `keras.callbacks.CSVLogger`: one row per epoch, written as Python's `csv` module
//! writes Keras's rows (floats as `repr`), so the files are the same.
use super::pyformat::repr;
use super::{Callback, Logs};
use crate::error::{Error, Result};
use crate::models::Model;
use std::io::Write;
use std::path::PathBuf;

pub struct CsvLogger {
    pub filename: PathBuf,
    pub separator: String,
    /// Append to an existing file (a header only if it is empty) instead of overwriting.
    pub append: bool,
    file: Option<std::fs::File>,
    keys: Option<Vec<String>>,
    append_header: bool,
}

impl CsvLogger {
    /// Keras's defaults: `,` as separator, overwrite.
    pub fn new(filename: impl Into<PathBuf>) -> CsvLogger {
        CsvLogger { filename: filename.into(), separator: ",".into(), append: false, file: None, keys: None, append_header: true }
    }
    pub fn separator(mut self, s: &str) -> CsvLogger {
        self.separator = s.to_string();
        self
    }
    pub fn append(mut self, a: bool) -> CsvLogger {
        self.append = a;
        self
    }

    fn err(&self, e: impl std::fmt::Display) -> Error {
        Error::msg(format!("CSVLogger: {}: {e}", self.filename.display()))
    }

    /// A field as the csv module writes it: quoted when it holds the separator, a quote
    /// or a line break.
    fn field(&self, s: &str) -> String {
        if s.contains(self.separator.as_str()) || s.contains('"') || s.contains('\n') || s.contains('\r') {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }

    fn row(&mut self, fields: &[String]) -> Result<()> {
        let line = fields.iter().map(|f| self.field(f)).collect::<Vec<_>>().join(&self.separator);
        // Python's csv writes "\r\n" line endings by default; Keras's files have them
        let Some(f) = self.file.as_mut() else { return Err(Error::msg("CSVLogger: the file is not open (on_train_begin was not called)")) };
        let r = f.write_all(format!("{line}\r\n").as_bytes()).and_then(|_| f.flush());
        r.map_err(|e| self.err(e))
    }
}

impl Callback for CsvLogger {
    fn on_train_begin(&mut self, _: &mut Model) -> Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        if self.append {
            // a header only when the file is new or empty
            self.append_header = std::fs::metadata(&self.filename).map(|m| m.len() == 0).unwrap_or(true);
            opts.append(true).create(true);
        } else {
            self.append_header = true;
            opts.write(true).create(true).truncate(true);
        }
        self.file = Some(opts.open(&self.filename).map_err(|e| self.err(e))?);
        self.keys = None;
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &mut Logs, _: &mut Model) -> Result<()> {
        if self.keys.is_none() {
            // Keras's columns: the sorted keys, plus `val_` ones (written `NA`) when the
            // first epoch has no validation values
            let mut keys: Vec<String> = logs.keys().cloned().collect();
            if !keys.iter().any(|k| k.starts_with("val_")) && !keys.is_empty() {
                let val: Vec<String> = keys.iter().map(|k| format!("val_{k}")).collect();
                keys.extend(val);
            }
            if self.append_header {
                let mut header = vec!["epoch".to_string()];
                header.extend(keys.iter().cloned());
                self.row(&header)?;
            }
            self.keys = Some(keys);
        }
        let mut row = vec![epoch.to_string()];
        row.extend(self.keys.iter().flatten().map(|k| logs.get(k).map_or("NA".to_string(), |v| repr(*v))));
        self.row(&row)
    }
    fn on_train_end(&mut self, _: &Logs, _: &mut Model) -> Result<()> {
        self.file = None;
        Ok(())
    }
}
