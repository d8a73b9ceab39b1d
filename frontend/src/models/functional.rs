//! Functional models: `Model::functional(&[inputs], &[outputs])` over the calls recorded
//! while the outputs were computed from `Input` tensors. Calling the model replays those
//! calls in order on the given tensors (concrete or symbolic, training or not), so shared
//! layers, skip connections, several inputs/outputs and nested models all work.
use crate::error::{Error, Result};
use crate::graph::{FNode, Graph};
use crate::layers::{keras_shape, CallCtx, Layer, Shared};
use crate::ops;
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::{Dim, Shape, TensorType, Value};
use std::collections::HashMap;

pub struct Functional {
    name: String,
    graph: Graph,
    inputs: Vec<(Value, TensorType)>,
    outputs: Vec<Value>,
    nodes: Vec<FNode>,
}

impl Functional {
    pub fn new(inputs: &[Tensor], outputs: &[Tensor]) -> Result<Functional> {
        let g = Graph::functional();
        for t in inputs.iter().chain(outputs) {
            if !t.graph().is_some_and(|tg| tg.same(&g)) {
                crate::bail!("Functional model inputs and outputs must be symbolic tensors made from kc Inputs (Input::tensor()), got {:?}", t);
            }
        }
        let ins: Vec<(Value, TensorType)> = inputs.iter().map(|t| Ok((t.in_graph(&g)?, t.ty()))).collect::<Result<_>>()?;
        let outs: Vec<Value> = outputs.iter().map(|t| t.in_graph(&g)).collect::<Result<_>>()?;
        // Walk back from the outputs to the inputs through the recorded calls.
        let all = g.nodes();
        let producer: HashMap<Value, usize> = all.iter().enumerate().flat_map(|(i, n)| n.outputs().iter().map(move |v| (*v, i))).collect();
        let is_input = |v: &Value| ins.iter().any(|(i, _)| i == v);
        let mut needed = vec![false; all.len()];
        let mut stack: Vec<Value> = outs.clone();
        while let Some(v) = stack.pop() {
            if is_input(&v) || g.captured_variable(v).is_some() {
                continue;
            }
            let Some(&i) = producer.get(&v) else {
                crate::bail!("Graph disconnected: an output depends on an Input ({}) that is not among the model's inputs", g.value_type(v));
            };
            if !needed[i] {
                needed[i] = true;
                stack.extend(all[i].inputs().iter().copied());
            }
        }
        let nodes = all.into_iter().zip(needed).filter(|(_, k)| *k).map(|(n, _)| n).collect();
        Ok(Functional { name: crate::layers::unique_name("functional"), graph: g, inputs: ins, outputs: outs, nodes })
    }

    /// The distinct layers, in the order they are first called (Keras's `model.layers`).
    pub fn layers(&self) -> Vec<Shared> {
        let mut out: Vec<Shared> = Vec::new();
        for n in &self.nodes {
            if let FNode::Layer { layer, .. } = n {
                if !out.iter().any(|l| l.same(layer)) {
                    out.push(layer.clone());
                }
            }
        }
        out
    }

    /// Keras's `output_names`: the name of the layer that produced each output (an op
    /// output, which has no layer, is `output_{i}`).
    pub fn output_names(&self) -> Vec<String> {
        self.outputs
            .iter()
            .enumerate()
            .map(|(i, v)| {
                self.nodes
                    .iter()
                    .find_map(|n| match n {
                        FNode::Layer { layer, outputs, .. } if outputs.contains(v) => Some(layer.name().to_string()),
                        _ => None,
                    })
                    .unwrap_or_else(|| format!("output_{i}"))
            })
            .collect()
    }

    pub fn input_types(&self) -> Vec<TensorType> {
        self.inputs.iter().map(|(_, t)| t.clone()).collect()
    }

    /// Rows of the summary: each input and each layer call, with its output shape.
    pub(crate) fn summary_rows(&self) -> Vec<(String, String, usize)> {
        let mut rows: Vec<(String, String, usize)> = self
            .inputs
            .iter()
            .map(|(v, t)| (format!("{} (InputLayer)", self.graph.param_name(*v)), keras_shape(&t.shape.0), 0))
            .collect();
        let mut seen: Vec<Shared> = Vec::new();
        for n in &self.nodes {
            if let FNode::Layer { layer, outputs, .. } = n {
                // Keras lists layers, not calls: a shared layer once, at its first call.
                if seen.iter().any(|l| l.same(layer)) {
                    continue;
                }
                let shape = super::summary::output_shapes(&outputs.iter().map(|v| self.graph.value_type(*v).shape.0).collect::<Vec<_>>());
                let params = layer.weights().iter().map(|w| w.num_elements()).sum();
                seen.push(layer.clone());
                rows.push((format!("{} ({})", layer.name(), layer.class_name()), shape, params));
            }
        }
        rows
    }
}

/// Bind the symbols of a declared input type to the dims of the tensor given for it.
fn bind(want: &TensorType, got: &Tensor, i: usize, env: &mut HashMap<String, Dim>) -> Result<()> {
    let g = got.dims();
    let ok = g.len() == want.rank()
        && want.shape.0.iter().zip(&g).all(|(w, d)| match w {
            Dim::Known(_) => w == d,
            Dim::Sym(s) => env.entry(s.clone()).or_insert_with(|| d.clone()) == d,
        });
    if !ok {
        crate::bail!("input {i}: expected shape {}, but received input with shape {}", keras_shape(&want.shape.0), keras_shape(&g));
    }
    Ok(())
}

fn substitute(t: &TensorType, env: &HashMap<String, Dim>) -> TensorType {
    TensorType::new(t.dtype, Shape(t.shape.0.iter().map(|d| match d {
        Dim::Sym(s) => env.get(s).cloned().unwrap_or_else(|| d.clone()),
        k => k.clone(),
    }).collect()))
}

impl Layer for Functional {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        "Functional"
    }
    fn built(&self) -> bool {
        true
    }
    fn set_built(&mut self) {}
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        if inputs.len() != self.inputs.len() {
            crate::bail!("expects {} input(s), but it received {}", self.inputs.len(), inputs.len());
        }
        let mut dims: HashMap<String, Dim> = HashMap::new();
        let mut env: HashMap<Value, Tensor> = HashMap::new();
        for (i, ((v, t), x)) in self.inputs.iter().zip(inputs).enumerate() {
            bind(t, x, i, &mut dims)?;
            env.insert(*v, x.clone());
        }
        let like = inputs.iter().find(|t| t.is_symbolic()).cloned();
        for node in &self.nodes {
            let ins = node
                .inputs()
                .iter()
                .map(|v| {
                    env.get(v).cloned().or_else(|| self.graph.captured_variable(*v).map(|var| var.tensor())).ok_or_else(|| {
                        Error::msg("internal: a recorded value has no tensor during replay".to_string())
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let outs = match node {
                FNode::Layer { layer, .. } => layer.call_with(&ins, cx)?,
                FNode::Op { op, attrs, declared, .. } => {
                    let declared: Vec<TensorType> = declared.iter().map(|t| substitute(t, &dims)).collect();
                    let refs: Vec<&Tensor> = ins.iter().collect();
                    match (&like, refs.is_empty()) {
                        // leaves (constants, iota) go where the other values are
                        (Some(l), true) => vec![ops::apply1_like(l, *op, &[], attrs.clone(), declared.into_iter().next())?],
                        _ => ops::apply(*op, &refs, attrs.clone(), declared)?,
                    }
                }
            };
            for (v, t) in node.outputs().iter().zip(outs) {
                env.insert(*v, t);
            }
        }
        self.outputs.iter().map(|v| env.get(v).cloned().ok_or_else(|| Error::msg("internal: an output was not computed"))).collect()
    }
    fn weights(&self) -> Vec<Variable> {
        let layers = self.layers();
        let mut t: Vec<Variable> = layers.iter().flat_map(|l| l.trainable_weights()).collect();
        t.extend(layers.iter().flat_map(|l| l.non_trainable_weights()));
        t
    }
    fn as_functional(&self) -> Option<&Functional> {
        Some(self)
    }
    fn reset_states(&self) -> Result<()> {
        for l in self.layers() {
            l.reset_states()?;
        }
        Ok(())
    }
}
