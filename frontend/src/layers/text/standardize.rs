//! TextVectorization's string steps, as TensorFlow does them: `tf.strings.lower`
//! (ASCII letters only: `É` stays), stripping ASCII punctuation (Python's
//! `string.punctuation`; `¿` or `…` stay), splitting on ASCII whitespace (space, `\t`,
//! `\n`, `\v`, `\f`, `\r`: a no-break space does not split), splitting into Unicode code
//! points, and space-joined n-grams.
use std::rc::Rc;

/// A custom standardization: one string to another.
pub type StandardizeFn = Rc<dyn Fn(&str) -> String>;
/// A custom tokenizer: one string to its tokens.
pub type SplitFn = Rc<dyn Fn(&str) -> Vec<String>>;

/// `standardize`: Keras's names, none, or your own function of one string.
#[derive(Clone)]
pub enum Standardize {
    None,
    /// `"lower_and_strip_punctuation"` (the default), `"lower"` or `"strip_punctuation"`;
    /// another name is an error when the layer is used.
    Named(String),
    /// A function (and the name it has in the config).
    Custom(String, StandardizeFn),
}

/// `split`: Keras's names, none (whole strings are tokens), or your own function.
#[derive(Clone)]
pub enum Split {
    None,
    /// `"whitespace"` (the default) or `"character"`.
    Named(String),
    Custom(String, SplitFn),
}

impl From<&str> for Standardize {
    fn from(s: &str) -> Standardize {
        Standardize::Named(s.to_string())
    }
}

impl From<&str> for Split {
    fn from(s: &str) -> Split {
        Split::Named(s.to_string())
    }
}

impl std::fmt::Debug for Standardize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Standardize::None => write!(f, "None"),
            Standardize::Named(n) => write!(f, "{n:?}"),
            Standardize::Custom(n, _) => write!(f, "<function {n}>"),
        }
    }
}

impl std::fmt::Debug for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Split::None => write!(f, "None"),
            Split::Named(n) => write!(f, "{n:?}"),
            Split::Custom(n, _) => write!(f, "<function {n}>"),
        }
    }
}

/// Apply a (checked) standardization to one string.
pub fn standardize(s: &str, how: &Standardize) -> String {
    match how {
        Standardize::None => s.to_string(),
        Standardize::Named(n) => {
            let lower = n == "lower" || n == "lower_and_strip_punctuation";
            let strip = n == "strip_punctuation" || n == "lower_and_strip_punctuation";
            s.chars().filter(|c| !(strip && c.is_ascii_punctuation())).map(|c| if lower { c.to_ascii_lowercase() } else { c }).collect()
        }
        Standardize::Custom(_, f) => f(s),
    }
}

/// TF's whitespace (`absl::ascii_isspace`): Rust's ASCII whitespace plus vertical tab.
fn is_tf_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// Split one string into tokens (`split` is not `None`).
pub fn split(s: &str, how: &Split) -> Vec<String> {
    match how {
        Split::None => vec![s.to_string()],
        Split::Named(n) if n == "character" => s.chars().map(String::from).collect(),
        Split::Named(_) => s.split(is_tf_space).filter(|t| !t.is_empty()).map(str::to_string).collect(),
        Split::Custom(_, f) => f(s),
    }
}

/// `tf.strings.ngrams(tokens, widths, separator=" ")`: for each width in order, every
/// window of that many tokens joined by a space (none when the row is shorter).
pub fn ngrams(tokens: &[String], widths: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    for &w in widths {
        if w == 0 || w > tokens.len() {
            continue;
        }
        out.extend(tokens.windows(w).map(|win| win.join(" ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_follow_tensorflow() {
        let how = Standardize::Named("lower_and_strip_punctuation".into());
        assert_eq!(standardize("Café, CRÈME! s'il", &how), "café crÈme sil");
        assert_eq!(split("\ta  b\u{a0}c\x0bd\n", &Split::Named("whitespace".into())), ["a", "b\u{a0}c", "d"]);
        assert_eq!(split("日本x", &Split::Named("character".into())), ["日", "本", "x"]);
        let toks: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(ngrams(&toks, &[1, 2]), ["a", "b", "c", "a b", "b c"]);
        assert_eq!(ngrams(&toks, &[4]), Vec::<String>::new());
    }
}
