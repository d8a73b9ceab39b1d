//! `keras.applications.MobileNetV2` (alpha 1.0): a 3x3 stride-2 stem, 17 inverted
//! residual blocks (1x1 expansion, 3x3 depthwise, 1x1 linear projection; a residual add
//! where shapes allow), a 1x1 conv to 1280, then the classifier. ReLU6 activations,
//! batch normalization with epsilon 1e-3 and momentum 0.999. 3,538,984 parameters with
//! the top.
use super::AppConfig;
use crate::error::Result;
use crate::layers::{Add, BatchNormalization, Conv2D, DepthwiseConv2D, ReLU, Shared};
use crate::models::Model;
use crate::tensor::Tensor;

fn bn_relu6(x: &Tensor, name: &str, relu: bool) -> Result<Tensor> {
    let y = Shared::new(BatchNormalization::new().epsilon(1e-3).momentum(0.999).name(&format!("{name}_BN"))).call1(x)?;
    if relu {
        Shared::new(ReLU::new().max_value(6.0).name(&format!("{name}_relu"))).call1(&y)
    } else {
        Ok(y)
    }
}

/// One inverted residual block; `channels` is the input's channel count.
fn block(x: &Tensor, channels: usize, filters: usize, stride: usize, expansion: usize, id: usize) -> Result<Tensor> {
    let prefix = if id == 0 { "expanded_conv".to_string() } else { format!("block_{id}") };
    let mut y = x.clone();
    if id > 0 {
        let conv = Conv2D::new(expansion * channels, 1).padding("same").use_bias(false).name(&format!("{prefix}_expand"));
        y = bn_relu6(&Shared::new(conv).call1(&y)?, &format!("{prefix}_expand"), true)?;
    }
    // Keras zero-pads before a stride-2 depthwise conv and uses "valid"; the output
    // shape and parameters are those of "same"
    let dw = DepthwiseConv2D::new(3).strides(stride).padding("same").use_bias(false).name(&format!("{prefix}_depthwise"));
    y = bn_relu6(&Shared::new(dw).call1(&y)?, &format!("{prefix}_depthwise"), true)?;
    let project = Conv2D::new(filters, 1).padding("same").use_bias(false).name(&format!("{prefix}_project"));
    y = bn_relu6(&Shared::new(project).call1(&y)?, &format!("{prefix}_project"), false)?;
    if channels == filters && stride == 1 {
        y = Shared::new(Add::new().name(&format!("{prefix}_add"))).call(&[x.clone(), y])?.remove(0);
    }
    Ok(y)
}

pub fn mobilenet_v2(cfg: &AppConfig) -> Result<Model> {
    cfg.check("MobileNetV2", 32)?;
    let input = cfg.input();
    let stem = Conv2D::new(32, 3).strides(2).padding("same").use_bias(false).name("Conv1");
    let mut x = bn_relu6(&Shared::new(stem).call1(&input)?, "Conv1", false)?;
    x = Shared::new(ReLU::new().max_value(6.0).name("Conv1_relu")).call1(&x)?;
    // (filters, stride, expansion) for blocks 0..=16
    const BLOCKS: [(usize, usize, usize); 17] = [
        (16, 1, 1),
        (24, 2, 6),
        (24, 1, 6),
        (32, 2, 6),
        (32, 1, 6),
        (32, 1, 6),
        (64, 2, 6),
        (64, 1, 6),
        (64, 1, 6),
        (64, 1, 6),
        (96, 1, 6),
        (96, 1, 6),
        (96, 1, 6),
        (160, 2, 6),
        (160, 1, 6),
        (160, 1, 6),
        (320, 1, 6),
    ];
    let mut channels = 32;
    for (id, (filters, stride, expansion)) in BLOCKS.into_iter().enumerate() {
        x = block(&x, channels, filters, stride, expansion, id)?;
        channels = filters;
    }
    let head = Conv2D::new(1280, 1).use_bias(false).name("Conv_1");
    x = bn_relu6(&Shared::new(head).call1(&x)?, "Conv_1", false)?;
    x = Shared::new(ReLU::new().max_value(6.0).name("out_relu")).call1(&x)?;
    let out = if cfg.include_top { cfg.pooled_top(&x)? } else { x };
    Model::functional(&[input], &[out])
}
