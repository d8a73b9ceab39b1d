//! `Sequential`: a stack of single-input, single-output layers.
use crate::error::Result;
use crate::layers::{invoke, unique_name, CallCtx, Layer};
use crate::tensor::Tensor;
use crate::variable::Variable;
use kc_ir::DType;

pub struct Sequential {
    name: String,
    built: bool,
    pub(crate) layers: Vec<Box<dyn Layer>>,
}

impl Sequential {
    pub fn new(layers: Vec<Box<dyn Layer>>) -> Sequential {
        Sequential { name: unique_name("sequential"), built: false, layers }
    }
    pub fn add(&mut self, layer: impl Layer + 'static) {
        self.layers.push(Box::new(layer));
    }
    pub fn add_boxed(&mut self, layer: Box<dyn Layer>) {
        self.layers.push(layer);
    }
    /// The input shape (without batch) and dtype, when the first layer is an `Input`.
    pub fn input_spec(&self) -> Option<(Vec<Option<usize>>, DType)> {
        let first = self.layers.first()?;
        let input = first.as_input()?;
        Some((input.shape.clone(), input.dtype))
    }
    /// The layers after the `Input`, as Keras lists them.
    pub fn visible_layers(&self) -> impl Iterator<Item = &Box<dyn Layer>> {
        self.layers.iter().filter(|l| l.class_name() != "InputLayer")
    }
}

impl Layer for Sequential {
    fn name(&self) -> &str {
        &self.name
    }
    fn class_name(&self) -> &'static str {
        "Sequential"
    }
    fn built(&self) -> bool {
        self.built
    }
    fn set_built(&mut self) {
        self.built = true;
    }
    fn call(&mut self, inputs: &[Tensor], cx: &CallCtx) -> Result<Vec<Tensor>> {
        let mut x = inputs.to_vec();
        for l in &mut self.layers {
            x = invoke(l.as_mut(), &x, cx)?;
        }
        Ok(x)
    }
    fn weights(&self) -> Vec<Variable> {
        let mut t: Vec<Variable> = self.layers.iter().flat_map(|l| l.trainable_weights()).collect();
        t.extend(self.layers.iter().flat_map(|l| l.non_trainable_weights()));
        t
    }
    fn layers(&self) -> Vec<&dyn Layer> {
        self.visible_layers().map(|l| l.as_ref()).collect()
    }
    fn as_sequential(&mut self) -> Option<&mut Sequential> {
        Some(self)
    }
}
