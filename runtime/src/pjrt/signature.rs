//! The parameter types of a StableHLO program's entry function, read from its text.
//!
//! PJRT (0.81) can report an executable's outputs but not its parameters, and a buffer of
//! the wrong type or shape reaching the plugin is at best a terse error and at worst a
//! crash. So kc reads the parameter types of `func.func @main` from the program text at
//! compile time and checks every execute's arguments against them in Rust.
//!
//! Only what the entry signature needs is understood: `%name: tensor<AxBxT> {attrs} loc(..)`
//! entries separated by commas. Anything else (dynamic dims, tokens, tuples) is reported
//! with the parameter's index, since kc's lowering never produces it.
use super::types::{ElementType, TensorSpec};

/// The parameter types of `@main`, or a message saying what could not be read.
pub(crate) fn entry_params(text: &str) -> Result<Vec<TensorSpec>, String> {
    let start = find_main(text).ok_or("the program has no `func.func @main(...)`")?;
    let params = bracketed(&text[start..]).ok_or("the parameter list of `@main` is not closed")?;
    split_top_level(params)
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .enumerate()
        .map(|(i, p)| param_type(p).map_err(|e| format!("parameter {i} of `@main` (`{}`): {e}", p.trim())))
        .collect()
}

/// Byte offset of the `(` that opens `@main`'s parameters.
fn find_main(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find("@main") {
        let at = from + i;
        let after = text[at + "@main".len()..].trim_start();
        // `@main_1` is another function, and `call @main(...)` a use; the entry is
        // `func.func [public|private] @main(`.
        let before = text[..at].trim_end();
        let declares = ["func.func", "public", "private"].iter().any(|k| before.ends_with(k));
        if after.starts_with('(') && declares {
            return Some(text.len() - after.len());
        }
        from = at + 1;
    }
    None
}

/// The text between the `(` at the start of `s` and its matching `)`.
fn bracketed(s: &str) -> Option<&str> {
    let mut depth = 0i32;
    let mut in_str = false;
    let mut prev = '\0';
    for (i, c) in s.char_indices() {
        if in_str {
            if c == '"' && prev != '\\' {
                in_str = false;
            }
        } else {
            match c {
                '"' => in_str = true,
                '(' | '<' | '{' | '[' => depth += 1,
                ')' | '>' | '}' | ']' => {
                    // `->` is an arrow inside attribute text, not a closing bracket.
                    if c == '>' && prev == '-' {
                        prev = c;
                        continue;
                    }
                    depth -= 1;
                    if depth == 0 {
                        return Some(&s[1..i]);
                    }
                }
                _ => {}
            }
        }
        prev = c;
    }
    None
}

/// `s` split at the commas that are outside every bracket and string.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut in_str, mut prev, mut start) = (0i32, false, '\0', 0);
    for (i, c) in s.char_indices() {
        if in_str {
            if c == '"' && prev != '\\' {
                in_str = false;
            }
        } else {
            match c {
                '"' => in_str = true,
                '(' | '<' | '{' | '[' => depth += 1,
                '>' if prev == '-' => {}
                ')' | '>' | '}' | ']' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        prev = c;
    }
    parts.push(&s[start..]);
    parts
}

/// The type of `%name: tensor<...> ...`.
fn param_type(p: &str) -> Result<TensorSpec, String> {
    let p = p.trim();
    let colon = p.find(':').ok_or("no `: type`")?;
    let ty = p[colon + 1..].trim_start();
    let Some(rest) = ty.strip_prefix("tensor<") else {
        let shown: String = ty.chars().take_while(|c| !c.is_whitespace()).collect();
        return Err(format!("type `{shown}` is not a tensor"));
    };
    let inner = bracketed(&format!("<{rest}")).map(str::to_string).ok_or("`tensor<` is not closed")?;
    // An encoding (`tensor<4xf32, #enc>`) follows a top-level comma; the type is before it.
    let body = split_top_level(&inner)[0].trim().to_string();
    let mut dims = Vec::new();
    let mut s = body.as_str();
    loop {
        let digits: &str = &s[..s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len())];
        if s.starts_with('?') {
            return Err("dynamic dimensions are not supported; the lowering resolves every dimension".to_string());
        }
        if digits.is_empty() || !s[digits.len()..].starts_with('x') {
            break;
        }
        dims.push(digits.parse::<usize>().map_err(|e| format!("dimension `{digits}`: {e}"))?);
        s = &s[digits.len() + 1..];
    }
    let element_type = ElementType::from_mlir(s).ok_or_else(|| format!("element type `{s}` is not supported"))?;
    Ok(TensorSpec { element_type, dims })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ElementType::*;

    fn spec(t: ElementType, dims: &[usize]) -> TensorSpec {
        TensorSpec::new(t, dims.to_vec())
    }

    #[test]
    fn plain_signature() {
        let text = "module {\n  func.func @main(%a: tensor<2x3xf32>, %b: tensor<i1>) -> tensor<2x3xf32> {\n";
        assert_eq!(entry_params(text).unwrap(), vec![spec(F32, &[2, 3]), spec(Pred, &[])]);
    }

    #[test]
    fn attributes_locations_and_other_functions() {
        let text = r#"module @m attributes {mhlo.num_partitions = 1 : i32} {
  func.func private @main_0(%x: tensor<7xf64>) -> tensor<7xf64>
  func.func public @main(%arg0: tensor<128x784xbf16> {jax.buffer_donor = true, mhlo.sharding = "{replicated}"} loc("x"),
                         %arg1: tensor<10xui32> {tf.aliasing_output = 0 : i32}, %arg2: tensor<0x4xi64>) -> (tensor<f32>) {"#;
        assert_eq!(
            entry_params(text).unwrap(),
            vec![spec(BF16, &[128, 784]), spec(U32, &[10]), spec(S64, &[0, 4])]
        );
    }

    #[test]
    fn no_parameters() {
        assert_eq!(entry_params("func.func @main() -> tensor<f32> {").unwrap(), vec![]);
    }

    #[test]
    fn unreadable_signatures_say_why() {
        let e = entry_params("func.func @other(%a: tensor<f32>)").unwrap_err();
        assert!(e.contains("no `func.func @main"), "{e}");
        let e = entry_params("func.func @main(%a: tensor<f32>, %b: tensor<?x3xf32>)").unwrap_err();
        assert!(e.contains("parameter 1") && e.contains("dynamic"), "{e}");
        let e = entry_params("func.func @main(%a: !stablehlo.token)").unwrap_err();
        assert!(e.contains("parameter 0") && e.contains("not a tensor"), "{e}");
        let e = entry_params("func.func @main(%a: tensor<2xf8E4M3FN>)").unwrap_err();
        assert!(e.contains("f8E4M3FN"), "{e}");
        assert!(entry_params("func.func @main(%a: tensor<2xf32>").is_err());
    }
}
