//! Printing tensors for people: `f32[2, 3] [[1, 2, 3], [4, 5, 6]]`, shortened past a limit.
use kc_runtime::HostTensor;

pub fn format_tensor(t: &HostTensor, max_elements: usize) -> String {
    let ty = format!("{}{:?}", t.dtype(), t.shape()).replace(' ', "").replace(',', ", ");
    if max_elements == 0 {
        return ty;
    }
    let values = t.to_f64_vec();
    let is_bool = t.dtype() == kc_ir::DType::Bool;
    let is_int = t.dtype().is_int();
    // Narrow floats print at their own precision (0.6768, not 0.676800012588501).
    let narrow = matches!(t.dtype(), kc_ir::DType::F32 | kc_ir::DType::F16 | kc_ir::DType::BF16);
    let fmt = |v: f64| {
        if is_bool {
            (if v != 0.0 { "true" } else { "false" }).to_string()
        } else if is_int {
            format!("{v:.0}")
        } else if v.is_nan() {
            "nan".into()
        } else if v.is_infinite() {
            (if v > 0.0 { "inf" } else { "-inf" }).into()
        } else if narrow {
            format!("{}", v as f32)
        } else {
            format!("{v}")
        }
    };
    if values.len() > max_elements {
        let head: Vec<String> = values.iter().take(max_elements).map(|&v| fmt(v)).collect();
        return format!("{ty} [{}, ... ({} elements)]", head.join(", "), values.len());
    }
    let mut out = String::new();
    nest(&values, t.shape(), &fmt, &mut out);
    format!("{ty} {out}")
}

fn nest(values: &[f64], shape: &[usize], fmt: &dyn Fn(f64) -> String, out: &mut String) {
    match shape.split_first() {
        None => out.push_str(&fmt(values[0])),
        Some((&n, rest)) => {
            let stride: usize = rest.iter().product();
            out.push('[');
            for i in 0..n {
                if i > 0 {
                    out.push_str(", ");
                }
                nest(&values[i * stride..(i + 1) * stride], rest, fmt, out);
            }
            out.push(']');
        }
    }
}
