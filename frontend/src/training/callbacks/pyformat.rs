//! The bits of Python's number formatting that Keras's callbacks show to users, so kc's
//! files and messages read the same: `repr(float)` (CSVLogger's values) and
//! `str.format` fields such as `{epoch:02d}` and `{val_loss:.2f}` (ModelCheckpoint's
//! `filepath`).
use crate::error::Result;
use std::collections::BTreeMap;

/// The shortest digits that read back as `x`, and the decimal exponent of the first.
fn shortest(x: f64) -> (String, i32) {
    let s = format!("{:e}", x.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    (mant.replace('.', ""), exp.parse().unwrap_or(0))
}

/// `sign + mantissa + "e" + sign + at least two exponent digits`, as Python writes it.
fn py_exponent(e: i32) -> String {
    format!("e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// Python's `repr(float)`: shortest round-trip digits, fixed notation for exponents in
/// [-4, 16), scientific otherwise (`0.001`, `1e-05`, `2.0`, `1e+16`, `nan`, `inf`).
pub fn repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    let (d, e) = shortest(x);
    let body = if (-4..16).contains(&e) {
        if e >= 0 {
            let e = e as usize;
            if d.len() <= e + 1 {
                format!("{d}{}.0", "0".repeat(e + 1 - d.len()))
            } else {
                format!("{}.{}", &d[..e + 1], &d[e + 1..])
            }
        } else {
            format!("0.{}{d}", "0".repeat((-e - 1) as usize))
        }
    } else {
        let m = if d.len() > 1 { format!("{}.{}", &d[..1], &d[1..]) } else { d };
        format!("{m}{}", py_exponent(e))
    };
    format!("{sign}{body}")
}

/// A value for `str.format`.
#[derive(Clone, Copy, Debug)]
pub enum Value {
    Int(i64),
    Float(f64),
}

/// `format(value, spec)` for the specs paths use: `[0][width][.precision][type]` with
/// type `d`, `f`, `e`, `g`, `%` or none.
fn format_value(v: Value, spec: &str, key: &str) -> Result<String> {
    let mut rest = spec;
    let zero = rest.starts_with('0');
    if zero {
        rest = &rest[1..];
    }
    let width_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let width: usize = rest[..width_end].parse().unwrap_or(0);
    rest = &rest[width_end..];
    let mut precision = None;
    if let Some(r) = rest.strip_prefix('.') {
        let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
        precision = Some(r[..end].parse::<usize>().map_err(|_| crate::Error::msg(format!("bad format spec `{spec}` for `{key}`")))?);
        rest = &r[end..];
    }
    let ty = rest;
    let x = match v {
        Value::Int(i) => i as f64,
        Value::Float(f) => f,
    };
    let body = match (ty, v) {
        ("d", Value::Int(i)) | ("", Value::Int(i)) => i.to_string(),
        ("d", Value::Float(_)) => crate::bail!("unknown format code 'd' for a float (`{key}`) in the filepath"),
        ("", Value::Float(f)) if precision.is_none() => repr(f),
        ("f", _) | ("F", _) => format!("{:.*}", precision.unwrap_or(6), x),
        ("%", _) => format!("{:.*}%", precision.unwrap_or(6), x * 100.0),
        ("e", _) | ("E", _) => {
            let s = format!("{:.*e}", precision.unwrap_or(6), x);
            let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
            format!("{m}{}", py_exponent(e.parse().unwrap_or(0)))
        }
        ("g", _) | ("G", _) | ("", _) => general(x, precision.unwrap_or(6).max(1)),
        _ => crate::bail!("unsupported format spec `{spec}` for `{key}` in the filepath"),
    };
    Ok(if body.len() < width {
        let pad = width - body.len();
        if zero {
            // zero padding goes after the sign
            match body.strip_prefix('-') {
                Some(b) => format!("-{}{b}", "0".repeat(pad)),
                None => format!("{}{body}", "0".repeat(pad)),
            }
        } else if matches!(v, Value::Int(_)) || !ty.is_empty() {
            format!("{}{body}", " ".repeat(pad))
        } else {
            format!("{body}{}", " ".repeat(pad))
        }
    } else {
        body
    })
}

/// Python's `g` format: `p` significant digits, scientific below 1e-4 or from 10^p on,
/// trailing zeros removed.
fn general(x: f64, p: usize) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x.is_finite() { "0".into() } else { repr(x) };
    }
    let s = format!("{:.*e}", p - 1, x);
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let strip = |t: String| if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.').to_string() } else { t };
    if e < -4 || e >= p as i32 {
        format!("{}{}", strip(m.to_string()), py_exponent(e))
    } else {
        strip(format!("{:.*}", (p as i32 - 1 - e).max(0) as usize, x))
    }
}

/// Python's `pattern.format(**values)` for `{name}` and `{name:spec}` fields (`{{` and
/// `}}` are literal braces). A name not in `values` is an error naming it.
pub fn format(pattern: &str, values: &BTreeMap<String, Value>) -> Result<String> {
    let mut out = String::new();
    let mut chars = pattern.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if matches!(chars.peek(), Some((_, '{'))) => {
                chars.next();
                out.push('{');
            }
            '}' if matches!(chars.peek(), Some((_, '}'))) => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let Some(len) = pattern[i + 1..].find('}') else { crate::bail!("unbalanced `{{` in `{pattern}`") };
                let field = &pattern[i + 1..i + 1 + len];
                let (key, spec) = field.split_once(':').unwrap_or((field, ""));
                let Some(&v) = values.get(key) else {
                    let have: Vec<&str> = values.keys().map(|k| k.as_str()).collect();
                    crate::bail!("failed to format the filepath `{pattern}`: no value for `{key}` (have {})", have.join(", "));
                };
                out.push_str(&format_value(v, spec, key)?);
                for _ in 0..=len {
                    chars.next();
                }
            }
            '}' => crate::bail!("unbalanced `}}` in `{pattern}`"),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repr_is_pythons() {
        for (x, s) in [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.5e16, "1.5e+16"),
            (1e16, "1e+16"),
            (123456789012345.6, "123456789012345.6"),
            (-2.5, "-2.5"),
            (0.6931471824645996, "0.6931471824645996"),
            (f64::NAN, "nan"),
        ] {
            assert_eq!(repr(x), s, "{x}");
        }
    }

    #[test]
    fn format_is_pythons() {
        let v: BTreeMap<String, Value> = [("epoch".to_string(), Value::Int(3)), ("val_loss".to_string(), Value::Float(0.123456))].into_iter().collect();
        assert_eq!(format("w-{epoch:02d}-{val_loss:.2f}.npz", &v).unwrap(), "w-03-0.12.npz");
        assert_eq!(format("{epoch}_{val_loss}", &v).unwrap(), "3_0.123456");
        assert_eq!(format("{val_loss:.3e}|{val_loss:g}|{epoch:4d}|{{x}}", &v).unwrap(), "1.235e-01|0.123456|   3|{x}");
        assert!(format("{loss}", &v).unwrap_err().to_string().contains("`loss`"));
    }
}
