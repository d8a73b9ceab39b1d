//! What the monitoring callbacks share (Keras's `MonitorCallback`): a logged value to
//! watch, whether lower or higher is better, a minimum change that counts, and the best
//! value so far.
use crate::error::Result;
use crate::metrics::Direction;
use crate::models::Model;

/// Keras's `mode`: `Min`, `Max`, or `Auto` (decided from the monitored name: losses go
/// down, a compiled metric goes the way it improves).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Min,
    Max,
}

impl Mode {
    /// `"auto"`, `"min"` or `"max"`; anything else is an error listing them (Keras warns
    /// and falls back to auto).
    pub fn from_name(s: &str) -> Result<Mode> {
        match s {
            "auto" => Ok(Mode::Auto),
            "min" => Ok(Mode::Min),
            "max" => Ok(Mode::Max),
            _ => Err(crate::error::unknown("mode", s, &["auto", "min", "max"])),
        }
    }
}

pub(crate) struct Monitor {
    pub monitor: String,
    pub mode: Mode,
    /// Kept positive; its sign is applied by the direction.
    pub min_delta: f64,
    pub best: Option<f64>,
    /// Resolved on first use: true when higher is better.
    higher: Option<bool>,
}

impl Monitor {
    pub fn new(monitor: &str, min_delta: f64) -> Monitor {
        Monitor { monitor: monitor.to_string(), mode: Mode::Auto, min_delta: min_delta.abs(), best: None, higher: None }
    }

    /// Decide the direction (Keras's `_set_monitor_op`): explicit modes as given; in auto
    /// mode `loss` (and per-output `*_loss`) is minimised, and a compiled metric of that
    /// name goes the way it improves; otherwise Keras's error.
    pub fn resolve(&mut self, who: &str, model: &Model) -> Result<()> {
        if self.higher.is_some() {
            return Ok(());
        }
        let higher = match self.mode {
            Mode::Min => false,
            Mode::Max => true,
            Mode::Auto => {
                let name = self.monitor.strip_prefix("val_").unwrap_or(&self.monitor);
                match model.metric_direction(name) {
                    Some(Direction::Up) => true,
                    Some(Direction::Down) => false,
                    None if name == "loss" || name.ends_with("_loss") => false,
                    None => crate::bail!(
                        "{who} callback received monitor={}, but kc isn't able to automatically determine whether that metric should be maximized or minimized; pass mode(Mode::Max) to monitor the highest value, or mode(Mode::Min) for the lowest",
                        self.monitor
                    ),
                }
            }
        };
        self.higher = Some(higher);
        Ok(())
    }

    /// Keras's `_is_improvement`: better than `reference` by more than `min_delta` (always,
    /// when there is no reference yet).
    pub fn is_improvement(&self, value: f64, reference: Option<f64>) -> bool {
        match (reference, self.higher) {
            (None, _) => true,
            (Some(r), Some(true)) => value - self.min_delta > r,
            (Some(r), _) => value + self.min_delta < r,
        }
    }

    /// The monitored value, or a warning listing what is logged (Keras warns and skips).
    pub fn value(&self, who: &str, logs: &crate::callbacks::Logs) -> Option<f64> {
        let v = logs.get(&self.monitor).copied();
        if v.is_none() {
            let have: Vec<&str> = logs.keys().map(|k| k.as_str()).collect();
            crate::warn(&format!("{who} is conditioned on metric `{}` which is not available; available metrics are: {}", self.monitor, have.join(",")));
        }
        v
    }
}
