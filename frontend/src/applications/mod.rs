//! `keras.applications`: the architectures as constructors, with Keras's layer
//! structure so their parameter counts (and, once the saving work lands, their weight
//! files) match. Weights start from the layers' initializers (`weights=None`).
//!
//! Each constructor takes an [`AppConfig`] (Keras's `include_top`, `input_shape`,
//! `classes`, `classifier_activation`).
mod efficientnet;
mod mobilenet_v2;
mod resnet50;
mod vgg16;

pub use efficientnet::efficientnet_b0;
pub use mobilenet_v2::mobilenet_v2;
pub use resnet50::resnet50;
pub use vgg16::vgg16;

use crate::error::Result;
use crate::layers::{Dense, GlobalAveragePooling2D, Input, Shared};
use crate::tensor::Tensor;

/// The arguments the application constructors share, with Keras's defaults.
#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Keep the classifier (global pooling or flatten, then `Dense(classes)`).
    pub include_top: bool,
    /// `(height, width, channels)`; default `(224, 224, 3)`.
    pub input_shape: Vec<usize>,
    pub classes: usize,
    pub classifier_activation: String,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig { include_top: true, input_shape: vec![224, 224, 3], classes: 1000, classifier_activation: "softmax".into() }
    }
}

impl AppConfig {
    pub fn include_top(mut self, t: bool) -> Self {
        self.include_top = t;
        self
    }
    pub fn input_shape(mut self, s: &[usize]) -> Self {
        self.input_shape = s.to_vec();
        self
    }
    pub fn classes(mut self, n: usize) -> Self {
        self.classes = n;
        self
    }

    fn check(&self, app: &str, min_side: usize) -> Result<()> {
        if self.input_shape.len() != 3 || self.input_shape[2] == 0 {
            crate::bail!("{app}: input_shape must be (height, width, channels), got {:?}", self.input_shape);
        }
        if self.input_shape[0] < min_side || self.input_shape[1] < min_side {
            crate::bail!("{app}: input height and width must be at least {min_side}, got {:?}", self.input_shape);
        }
        if self.include_top && self.classes == 0 {
            crate::bail!("{app}: classes must be at least 1");
        }
        Ok(())
    }

    fn input(&self) -> Tensor {
        Input::new(&self.input_shape).tensor()
    }

    /// The global-average-pooled classifier most applications end with.
    fn pooled_top(&self, x: &Tensor) -> Result<Tensor> {
        let p = Shared::new(GlobalAveragePooling2D::new().name("avg_pool")).call1(x)?;
        Shared::new(Dense::new(self.classes).activation(&self.classifier_activation).name("predictions")).call1(&p)
    }
}
