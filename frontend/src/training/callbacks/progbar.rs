//! `keras.callbacks.ProgbarLogger`: Keras's progress display. With `verbose=1` a live
//! `indicatif` bar while an epoch runs (`12/469 ━━━━━━━━━━━━━━━━━━━━ 2s 6ms/step - loss:
//! 0.5112`, with the ETA), then Keras's final line for the epoch; with `verbose=2` one
//! line per epoch (`469/469 - 3s - 6ms/step - loss: 0.5112`). `fit` adds one when
//! `verbose > 0` (after the user's callbacks, so it shows what they log).
//!
//! Everything is written with `eprint!`, never to the raw stderr handle: the test
//! harness captures it, so a progress bar never garbles test output. The live bar is
//! drawn only when stderr is a terminal; otherwise (a log file, CI) only the final line
//! of each epoch is printed.
use super::{Callback, Logs, Params};
use crate::error::Result;
use crate::models::Model;
use crate::tensor::Tensor;
use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::rc::Rc;
use std::time::Instant;

/// An `indicatif` terminal that writes through `eprint!` (so libtest's capture sees it).
#[derive(Debug)]
struct EprintTerm;

impl indicatif::TermLike for EprintTerm {
    fn width(&self) -> u16 {
        console::Term::stderr().size_checked().map(|(_, w)| w).unwrap_or(100)
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            eprint!("\x1b[{n}A");
        }
        Ok(())
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            eprint!("\x1b[{n}B");
        }
        Ok(())
    }
    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            eprint!("\x1b[{n}C");
        }
        Ok(())
    }
    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        if n > 0 {
            eprint!("\x1b[{n}D");
        }
        Ok(())
    }
    fn write_line(&self, s: &str) -> std::io::Result<()> {
        eprintln!("{s}");
        Ok(())
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        eprint!("{s}");
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        eprint!("\r\x1b[2K");
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Where the lines go: stderr, or a string (to inspect the output).
#[derive(Clone)]
enum Sink {
    Stderr,
    Buffer(Rc<RefCell<String>>),
}

impl Sink {
    fn line(&self, s: &str) {
        match self {
            Sink::Stderr => eprintln!("{s}"),
            Sink::Buffer(b) => {
                let mut b = b.borrow_mut();
                b.push_str(s);
                b.push('\n');
            }
        }
    }
}

/// Keras's value formatting: 4 decimals, or scientific for small magnitudes.
fn value(v: f64, abs: bool) -> String {
    let small = if abs { v.abs() <= 1e-3 } else { v <= 1e-3 };
    if small {
        let s = format!("{v:.4e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    } else {
        format!("{v:.4}")
    }
}

/// Keras's `_format_time`: ` 6ms/step`.
fn per_step(secs: f64) -> String {
    if secs >= 1.0 || secs == 0.0 {
        format!(" {secs:.0}s/step")
    } else if secs >= 1e-3 {
        format!(" {:.0}ms/step", secs * 1e3)
    } else {
        format!(" {:.0}us/step", secs * 1e6)
    }
}

fn eta(secs: f64) -> String {
    if secs > 3600.0 {
        format!("{}:{:02}:{:02}", (secs / 3600.0) as u64, ((secs % 3600.0) / 60.0) as u64, (secs % 60.0) as u64)
    } else if secs > 60.0 {
        format!("{}:{:02}", (secs / 60.0) as u64, (secs % 60.0) as u64)
    } else {
        format!("{}s", secs as u64)
    }
}

fn metrics(logs: &Logs, abs: bool) -> String {
    logs.iter().map(|(k, v)| format!(" - {k}: {}", value(*v, abs))).collect()
}

pub struct ProgbarLogger {
    verbose: u8,
    epochs: usize,
    target: Option<usize>,
    in_fit: bool,
    seen: usize,
    start: Instant,
    bar: Option<indicatif::ProgressBar>,
    last_draw: Option<Instant>,
    sink: Sink,
}

impl Default for ProgbarLogger {
    fn default() -> ProgbarLogger {
        ProgbarLogger::new()
    }
}

impl ProgbarLogger {
    pub fn new() -> ProgbarLogger {
        ProgbarLogger { verbose: 1, epochs: 1, target: None, in_fit: false, seen: 0, start: Instant::now(), bar: None, last_draw: None, sink: Sink::Stderr }
    }
    /// Write the lines into `buffer` instead of stderr (no live bar): to check the
    /// output, or to show it elsewhere.
    pub fn to_buffer(mut self, buffer: Rc<RefCell<String>>) -> ProgbarLogger {
        self.sink = Sink::Buffer(buffer);
        self
    }

    fn reset(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        self.seen = 0;
        self.start = Instant::now();
        self.last_draw = None;
        // the live bar only on an interactive terminal, for verbose=1
        if self.verbose == 1 && matches!(self.sink, Sink::Stderr) && std::io::stderr().is_terminal() {
            let target = self.target.unwrap_or(0) as u64;
            let width = target.max(1).to_string().len();
            let style = indicatif::ProgressStyle::with_template(&format!("{{pos:>{width}}}/{{len}} {{bar:20.green/white}}{{msg}}"))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("━━");
            let bar = indicatif::ProgressBar::with_draw_target(Some(target), indicatif::ProgressDrawTarget::term_like_with_hz(Box::new(EprintTerm), 20));
            bar.set_style(style);
            self.bar = Some(bar);
        }
    }

    fn update(&mut self, batch: usize, logs: &Logs) {
        self.seen = batch + 1;
        let Some(bar) = &self.bar else { return };
        // redrawn at most every 0.05 s, as Keras's bar is
        let now = Instant::now();
        if self.last_draw.is_some_and(|t| now.duration_since(t).as_secs_f64() < 0.05) {
            return;
        }
        self.last_draw = Some(now);
        let per = self.start.elapsed().as_secs_f64() / self.seen as f64;
        let left = self.target.map(|t| t.saturating_sub(self.seen)).unwrap_or(0) as f64;
        bar.set_message(format!(" {}{}{}", eta(per * left), per_step(per), metrics(logs, true)));
        bar.set_position(self.seen as u64);
    }

    /// Keras's last update of the bar: the final line, with the elapsed time.
    fn finish(&mut self, logs: &Logs) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
        let target = self.target.unwrap_or(self.seen);
        let elapsed = self.start.elapsed().as_secs_f64();
        let per = if self.seen > 0 { elapsed / self.seen as f64 } else { 0.0 };
        let width = target.max(1).to_string().len();
        let line = match self.verbose {
            1 => format!("{target:>width$}/{target} {} {elapsed:.0}s{}{}", "━".repeat(20), per_step(per), metrics(logs, true)),
            2 => format!("{target:>width$}/{target} - {elapsed:.0}s -{}{}", per_step(per), metrics(logs, false)),
            _ => return,
        };
        self.sink.line(&line);
    }
}

impl Callback for ProgbarLogger {
    fn set_params(&mut self, p: &Params) {
        self.verbose = p.verbose;
        self.epochs = p.epochs;
        self.target = p.steps;
    }
    fn on_train_begin(&mut self, _: &mut Model) -> Result<()> {
        // inside fit the validation runs silently
        self.in_fit = true;
        Ok(())
    }
    fn on_epoch_begin(&mut self, epoch: usize, _: &mut Model) -> Result<()> {
        if self.verbose > 0 && self.epochs > 1 {
            self.sink.line(&format!("Epoch {}/{}", epoch + 1, self.epochs));
        }
        self.reset();
        Ok(())
    }
    fn on_train_batch_end(&mut self, batch: usize, logs: &Logs, _: &mut Model) -> Result<()> {
        self.update(batch, logs);
        Ok(())
    }
    fn on_epoch_end(&mut self, _: usize, logs: &mut Logs, _: &mut Model) -> Result<()> {
        self.finish(logs);
        Ok(())
    }
    fn on_test_begin(&mut self, _: &mut Model) -> Result<()> {
        if !self.in_fit {
            self.reset();
        }
        Ok(())
    }
    fn on_test_batch_end(&mut self, batch: usize, logs: &Logs, _: &mut Model) -> Result<()> {
        if !self.in_fit {
            self.update(batch, logs);
        }
        Ok(())
    }
    fn on_test_end(&mut self, logs: &Logs, _: &mut Model) -> Result<()> {
        if !self.in_fit {
            self.finish(logs);
        }
        Ok(())
    }
    fn on_predict_begin(&mut self, _: &mut Model) -> Result<()> {
        self.reset();
        Ok(())
    }
    fn on_predict_batch_end(&mut self, batch: usize, _: &[Tensor], _: &mut Model) -> Result<()> {
        self.update(batch, &Logs::new());
        Ok(())
    }
    fn on_predict_end(&mut self, _: &mut Model) -> Result<()> {
        self.finish(&Logs::new());
        Ok(())
    }
    fn is_progbar(&self) -> bool {
        true
    }
}
