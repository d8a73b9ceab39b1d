//! `keras.layers.Bidirectional`: a recurrent layer run forwards and a copy run backwards
//! over the same sequence, their outputs merged.
use crate::config::Config;
use crate::error::Result;
use crate::layers::{base_config, invoke, unique_name, CallCtx, Layer};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use serde_json::{json, Value};

/// How `Bidirectional` merges the two outputs.
const MERGE_MODES: &[&str] = &["concat", "sum", "mul", "ave"];

/// `layer` over the sequence, and a copy of it (fresh weights, `go_backwards` flipped,
/// named `backward_<name>`) — or the given `backward_layer` — over the reversed
/// sequence; the backward outputs are flipped back in time before merging with
/// `merge_mode`: `concat` (the default, features side by side), `sum`, `mul`, `ave`, or
/// `None` (both outputs, forward first). With `return_state` the states follow: the
/// forward layer's, then the backward's. Initial states (extra inputs) are split the same
/// way: the first half for the forward layer. Weights: the forward layer's, then the
/// backward's, under `bidirectional/forward_<name>/...`.
///
/// As in Keras, both layers output zeros at masked steps when they return sequences
/// (`zero_output_for_mask`), so the merged sequence is zero where the mask is false.
pub struct Bidirectional {
    name: String,
    built: bool,
    forward: Box<dyn Layer>,
    backward: Option<Box<dyn Layer>>,
    /// Why the backward copy could not be made (reported when the layer is built).
    copy_error: Option<String>,
    merge_mode: Option<String>,
    return_sequences: bool,
    return_state: bool,
}

/// `layer` rebuilt from its config with `edit` applied (Keras's serialize/deserialize).
fn copy_of(layer: &dyn Layer, edit: impl FnOnce(&mut Config)) -> Result<Box<dyn Layer>> {
    let mut cfg = layer.get_config();
    edit(&mut cfg);
    crate::layers::from_config(layer.class_name(), &cfg)
}

impl Bidirectional {
    /// Wrap a recurrent layer (LSTM, GRU, SimpleRNN, RNN).
    pub fn new(layer: impl Layer + 'static) -> Bidirectional {
        Bidirectional::from_box(Box::new(layer))
    }
    pub fn from_box(mut layer: Box<dyn Layer>) -> Bidirectional {
        let base = layer.name().to_string();
        let fwd_name = format!("forward_{}", base.strip_prefix("forward_").unwrap_or(&base));
        let bwd_name = format!("backward_{}", base.strip_prefix("backward_").unwrap_or(&base));
        let (return_sequences, return_state, mut copy_error) = match layer.as_recurrent() {
            Some(r) => (r.return_sequences(), r.return_state(), None),
            None => (false, false, Some(format!("Bidirectional wraps a recurrent layer (LSTM, GRU, SimpleRNN, RNN); {base:?} is a {}", layer.class_name()))),
        };
        let forward = match copy_of(layer.as_ref(), |c| {
            c.insert("name".into(), json!(fwd_name));
        }) {
            Ok(f) => f,
            Err(e) => {
                copy_error = Some(format!("cannot copy the layer {base:?}: {e}"));
                layer
            }
        };
        let backward = match copy_of(forward.as_ref(), |c| {
            c.insert("name".into(), json!(bwd_name));
            c.insert("go_backwards".into(), json!(true));
        }) {
            Ok(b) => Some(b),
            Err(e) => {
                copy_error.get_or_insert(format!("cannot copy the layer {base:?} for the backward direction (give a backward_layer): {e}"));
                None
            }
        };
        Bidirectional {
            name: unique_name("bidirectional"),
            built: false,
            forward,
            backward,
            copy_error,
            merge_mode: Some("concat".into()),
            return_sequences,
            return_state,
        }
    }
    /// `"concat"`, `"sum"`, `"mul"`, `"ave"`, or `None` (both outputs).
    pub fn merge_mode(mut self, m: Option<&str>) -> Self {
        self.merge_mode = m.map(str::to_string);
        self
    }
    /// The layer for the backward direction (it must have `go_backwards`).
    pub fn backward_layer(mut self, layer: impl Layer + 'static) -> Self {
        self.backward = Some(Box::new(layer));
        self.copy_error = None;
        self
    }
    pub fn backward_layer_box(mut self, layer: Box<dyn Layer>) -> Self {
        self.backward = Some(layer);
        self.copy_error = None;
        self
    }
    pub fn forward_layer(&self) -> &dyn Layer {
        self.forward.as_ref()
    }
    pub fn backward(&self) -> Option<&dyn Layer> {
        self.backward.as_deref()
    }
    /// Zero both layers' states (stateful layers only, as in Keras).
    pub fn reset_states(&mut self) -> Result<()> {
        for l in [Some(&mut self.forward), self.backward.as_mut()].into_iter().flatten() {
            match l.as_recurrent() {
                Some(r) if r.is_stateful() => r.reset_states()?,
                _ => crate::bail!("Layer must be stateful."),
            }
        }
        Ok(())
    }

    /// Keras's `_verify_layer_config`, and `zero_output_for_mask` forced on both.
    fn verify(&mut self) -> Result<()> {
        if let Some(m) = &self.merge_mode {
            if !MERGE_MODES.contains(&m.as_str()) {
                crate::bail!("Invalid merge mode. Received: {m}. Merge mode should be one of {{\"sum\", \"mul\", \"ave\", \"concat\", None}}");
            }
        }
        if let Some(e) = &self.copy_error {
            crate::bail!("{e}");
        }
        let Some(backward) = self.backward.as_mut() else { crate::bail!("no backward layer") };
        let fwd_name = self.forward.name().to_string();
        let Some(f) = self.forward.as_recurrent() else {
            crate::bail!("Bidirectional wraps a recurrent layer (LSTM, GRU, SimpleRNN, RNN); {fwd_name:?} is a {}", self.forward.class_name());
        };
        let fv = (f.go_backwards(), f.is_stateful(), f.return_sequences(), f.return_state());
        let bname = backward.name().to_string();
        let Some(b) = backward.as_recurrent() else {
            crate::bail!("`backward_layer` must be a recurrent layer; {bname:?} is not");
        };
        let bv = (b.go_backwards(), b.is_stateful(), b.return_sequences(), b.return_state());
        if fv.0 == bv.0 {
            crate::bail!(
                "Forward layer and backward layer should have different `go_backwards` value. Received: forward_layer.go_backwards {}, backward_layer.go_backwards={}",
                py(fv.0),
                py(bv.0)
            );
        }
        for (a, (x, y)) in [("stateful", (fv.1, bv.1)), ("return_sequences", (fv.2, bv.2)), ("return_state", (fv.3, bv.3))] {
            if x != y {
                crate::bail!("Forward layer and backward layer are expected to have the same value for attribute \"{a}\", got \"{}\" for forward layer and \"{}\" for backward layer", py(x), py(y));
            }
        }
        b.set_zero_output_for_mask(bv.2);
        if let Some(f) = self.forward.as_recurrent() {
            f.set_zero_output_for_mask(fv.2);
        }
        self.return_sequences = fv.2;
        self.return_state = fv.3;
        Ok(())
    }

    /// The sublayers' weights under this layer's name, as Keras's paths are.
    fn prefix_paths(&self) {
        let prefix = format!("{}/", self.name);
        for w in self.weights() {
            if !w.path().starts_with(&prefix) {
                w.set_path(format!("{prefix}{}", w.path()));
            }
        }
    }
}

fn py(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

impl Layer for Bidirectional {
    layer_basics!("Bidirectional");
    fn build_all(&mut self, _: &[Tensor]) -> Result<()> {
        self.verify()
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let x = &inputs[0];
        let Some(backward) = self.backward.as_mut() else { crate::bail!("no backward layer") };
        let states = &inputs[1..];
        if states.len() % 2 != 0 {
            crate::bail!("initial states come in two halves (forward, then backward); got {}", states.len());
        }
        let half = states.len() / 2;
        let mut fin = vec![x.clone()];
        fin.extend_from_slice(&states[..half]);
        let mut bin = vec![x.clone()];
        bin.extend_from_slice(&states[half..]);
        let mut y = invoke(self.forward.as_mut(), &fin, cx)?;
        let mut y_rev = invoke(backward.as_mut(), &bin, cx)?;
        let mut out_states: Vec<Tensor> = Vec::new();
        if self.return_state {
            out_states.extend(y.drain(1..));
            out_states.extend(y_rev.drain(1..));
        }
        let (y, mut y_rev) = (y.remove(0).with_mask(None), y_rev.remove(0).with_mask(None));
        if self.return_sequences {
            y_rev = ops::flip(&y_rev, Some(1))?;
        }
        let mut outs = match self.merge_mode.as_deref() {
            Some("concat") => vec![ops::concatenate(&[y, y_rev], -1)?],
            Some("sum") => vec![ops::add(&y, &y_rev)?],
            Some("ave") => vec![ops::divide(&ops::add(&y, &y_rev)?, 2.0)?],
            Some("mul") => vec![ops::multiply(&y, &y_rev)?],
            None => vec![y, y_rev],
            Some(m) => crate::bail!("Unrecognized value for `merge_mode`. Received: {m}"),
        };
        outs.extend(out_states);
        self.prefix_paths();
        Ok(outs)
    }
    fn supports_masking(&self) -> bool {
        true
    }
    fn compute_mask(&self, _: &[Tensor], previous: Option<&Tensor>, outputs: usize) -> Result<Vec<Option<Tensor>>> {
        let m = if self.return_sequences { previous.cloned() } else { None };
        let mut v = if self.merge_mode.is_none() { vec![m.clone(), m] } else { vec![m] };
        v.resize(outputs, None);
        Ok(v)
    }
    fn weights(&self) -> Vec<Variable> {
        let mut t: Vec<Variable> = self.forward.trainable_weights();
        if let Some(b) = &self.backward {
            t.extend(b.trainable_weights());
        }
        t.extend(self.forward.non_trainable_weights());
        if let Some(b) = &self.backward {
            t.extend(b.non_trainable_weights());
        }
        t
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        let mut v = vec![self.forward.as_ref()];
        v.extend(self.backward.as_deref());
        v
    }
    fn get_config(&self) -> Config {
        let mut c = base_config(&self.name);
        c.insert("merge_mode".into(), self.merge_mode.as_ref().map(|m| json!(m)).unwrap_or(Value::Null));
        let ser = |l: &dyn Layer| crate::config::serialized("keras.layers", l.class_name(), l.get_config());
        c.insert("layer".into(), ser(self.forward.as_ref()));
        if let Some(b) = &self.backward {
            c.insert("backward_layer".into(), ser(b.as_ref()));
        }
        c
    }
}

named!(Bidirectional);
