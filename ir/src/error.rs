//! The one error type of the IR layer. Every error says what went wrong; errors from
//! parsed text also carry `file:line:col` and the offending line with a caret under it.
use crate::graph::Loc;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Text that is not `.kir`.
    Parse,
    /// A module that breaks a rule of the IR (types, dominance, regions, attributes).
    Verify,
    /// An op's type rule rejected its operands or attributes.
    Type,
    /// A compiler pass or pipeline failed (unknown pass, bad option, a pass's own error).
    Pass,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub loc: Option<Loc>,
    /// Filled by [`Error::with_source`]: the file name and the offending line.
    pub file: Option<String>,
    pub snippet: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into(), loc: None, file: None, snippet: None }
    }
    pub fn parse(message: impl Into<String>, loc: Loc) -> Error {
        Error::new(ErrorKind::Parse, message).at(Some(loc))
    }
    pub fn verify(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Verify, message)
    }
    pub fn ty(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Type, message)
    }
    /// Attach a location unless one is already set (the innermost location wins).
    pub fn at(mut self, loc: Option<Loc>) -> Error {
        if self.loc.is_none() {
            self.loc = loc;
        }
        self
    }
    /// Prefix the message with context such as the op (`in %3 = add: ...`).
    pub fn context(mut self, what: impl fmt::Display) -> Error {
        self.message = format!("{what}: {}", self.message);
        self
    }
    /// Attach the file name and, if the error has a location, the source line and a caret.
    pub fn with_source(mut self, file: &str, src: &str) -> Error {
        self.file = Some(file.to_string());
        if let Some(loc) = &self.loc {
            if let Some(line) = src.lines().nth(loc.line.saturating_sub(1)) {
                let width = loc.end.saturating_sub(loc.start).max(1);
                let width = width.min(line.chars().count().saturating_sub(loc.col - 1).max(1));
                let gutter = loc.line.to_string().len();
                self.snippet = Some(format!(
                    "{:gutter$} |\n{} | {}\n{:gutter$} | {}{}",
                    "",
                    loc.line,
                    line,
                    "",
                    " ".repeat(loc.col.saturating_sub(1)),
                    "^".repeat(width),
                ));
            }
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ErrorKind::Parse => "parse error",
            ErrorKind::Verify => "verify error",
            ErrorKind::Type => "type error",
            ErrorKind::Pass => "pass error",
        };
        match (&self.file, &self.loc) {
            (Some(file), Some(loc)) => write!(f, "{file}:{}:{}: ", loc.line, loc.col)?,
            (None, Some(loc)) => write!(f, "{}:{}: ", loc.line, loc.col)?,
            (Some(file), None) => write!(f, "{file}: ")?,
            (None, None) => {}
        }
        write!(f, "{kind}: {}", self.message)?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
