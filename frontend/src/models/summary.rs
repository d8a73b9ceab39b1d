//! `model.summary()`: Keras 3's table of layers, output shapes and parameter counts.
use super::Model;
use crate::error::Result;
use crate::graph::Graph;
use crate::layers::{invoke, CallCtx};


/// A layer's output shapes as Keras's summary writes them: one shape, or a list of them
/// (`[(None, None, 6), (None, 6), (None, 6)]`) for a layer with several outputs.
pub(crate) fn output_shapes(outs: &[Vec<kc_ir::Dim>]) -> String {
    match outs {
        [one] => crate::layers::keras_shape(one),
        many => format!("[{}]", many.iter().map(|d| crate::layers::keras_shape(d)).collect::<Vec<_>>().join(", ")),
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes as Keras prints them (`397.54 KB`).
fn size(bytes: usize) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < units.len() {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.2} {}", units[u])
}

fn row(cells: [&str; 3], w: [usize; 3]) -> String {
    format!("│ {:<w0$} │ {:<w1$} │ {:>w2$} │\n", cells[0], cells[1], cells[2], w0 = w[0], w1 = w[1], w2 = w[2])
}

fn rule(l: char, m: char, r: char, h: char, w: [usize; 3]) -> String {
    let seg = |n: usize| h.to_string().repeat(n + 2);
    format!("{l}{}{m}{}{m}{}{r}\n", seg(w[0]), seg(w[1]), seg(w[2]))
}

impl Model {
    /// The summary table. Output shapes come from tracing the layers on a symbolic batch
    /// (so the model must know its input: a leading `Input`, or a `build`).
    pub fn summary(&mut self) -> Result<String> {
        let input = self.input_type();
        let mut rows: Vec<(String, String, usize)> = Vec::new();
        if let Some(f) = self.net.as_functional() {
            rows = f.summary_rows();
        } else if let (Some(t), Some(seq)) = (input, self.net.as_sequential()) {
            let g = Graph::new();
            let mut x = vec![g.input("x", t)];
            let cx = CallCtx::new(false);
            for l in seq.layers.iter_mut() {
                x = invoke(l.as_mut(), &x, &cx)?;
                if l.class_name() == "InputLayer" {
                    continue;
                }
                let shape = output_shapes(&x.iter().map(|t| t.dims()).collect::<Vec<_>>());
                let params = l.weights().iter().map(|w| w.num_elements()).sum();
                rows.push((format!("{} ({})", l.name(), l.class_name()), shape, params));
            }
        } else {
            for l in self.net.layers() {
                let params = l.weights().iter().map(|w| w.num_elements()).sum();
                rows.push((format!("{} ({})", l.name(), l.class_name()), "?".into(), params));
            }
        }
        let w = [31usize.max(rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0)), 22, 13];
        let mut s = format!("Model: \"{}\"\n", self.name());
        s += &rule('┏', '┳', '┓', '━', w);
        s += &format!("┃ {:<w0$} ┃ {:<w1$} ┃ {:>w2$} ┃\n", "Layer (type)", "Output Shape", "Param #", w0 = w[0], w1 = w[1], w2 = w[2]);
        s += &rule('┡', '╇', '┩', '━', w);
        for (i, (name, shape, p)) in rows.iter().enumerate() {
            s += &row([name, shape, &thousands(*p)], w);
            if i + 1 < rows.len() {
                s += &rule('├', '┼', '┤', '─', w);
            }
        }
        s += &rule('└', '┴', '┘', '─', w);
        let bytes = |ws: Vec<crate::Variable>| -> (usize, usize) {
            (ws.iter().map(|v| v.num_elements()).sum(), ws.iter().map(|v| v.num_elements() * v.dtype().size_bytes()).sum())
        };
        let (total, tb) = bytes(self.weights());
        let (tr, trb) = bytes(self.trainable_weights());
        let (nt, ntb) = bytes(self.non_trainable_weights());
        s += &format!(" Total params: {} ({})\n", thousands(total), size(tb));
        s += &format!(" Trainable params: {} ({})\n", thousands(tr), size(trb));
        s += &format!(" Non-trainable params: {} ({})\n", thousands(nt), size(ntb));
        Ok(s)
    }
}

