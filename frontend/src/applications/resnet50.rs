//! `keras.applications.ResNet50` (ResNet v1 with bottleneck blocks): a 7x7 stride-2
//! stem, max pooling, then stacks of 3, 4, 6, 3 bottleneck blocks (64, 128, 256, 512
//! filters, 4x expansion; a 1x1 projection shortcut opens each stack). 25,636,712
//! parameters with the top.
use super::AppConfig;
use crate::error::Result;
use crate::layers::{Add, BatchNormalization, Conv2D, MaxPooling2D, ReLU, Shared, ZeroPadding2D};
use crate::models::Model;
use crate::tensor::Tensor;

fn conv_bn(x: &Tensor, filters: usize, kernel: usize, stride: usize, same: bool, name: &str) -> Result<Tensor> {
    let conv = Conv2D::new(filters, kernel).strides(stride).padding(if same { "same" } else { "valid" }).name(&format!("{name}_conv"));
    let y = Shared::new(conv).call1(x)?;
    Shared::new(BatchNormalization::new().epsilon(1.001e-5).name(&format!("{name}_bn"))).call1(&y)
}

fn relu(x: &Tensor, name: &str) -> Result<Tensor> {
    Shared::new(ReLU::new().name(name)).call1(x)
}

/// A bottleneck block: 1x1 (stride), 3x3, 1x1 to 4x filters, plus the shortcut.
fn block(x: &Tensor, filters: usize, stride: usize, project: bool, name: &str) -> Result<Tensor> {
    let shortcut = if project { conv_bn(x, 4 * filters, 1, stride, false, &format!("{name}_0"))? } else { x.clone() };
    let y = relu(&conv_bn(x, filters, 1, stride, false, &format!("{name}_1"))?, &format!("{name}_1_relu"))?;
    let y = relu(&conv_bn(&y, filters, 3, 1, true, &format!("{name}_2"))?, &format!("{name}_2_relu"))?;
    let y = conv_bn(&y, 4 * filters, 1, 1, false, &format!("{name}_3"))?;
    let sum = Shared::new(Add::new().name(&format!("{name}_add"))).call(&[shortcut, y])?.remove(0);
    relu(&sum, &format!("{name}_out"))
}

pub fn resnet50(cfg: &AppConfig) -> Result<Model> {
    cfg.check("ResNet50", 32)?;
    let input = cfg.input();
    let x = Shared::new(ZeroPadding2D::new(3).name("conv1_pad")).call1(&input)?;
    let x = relu(&conv_bn(&x, 64, 7, 2, false, "conv1")?, "conv1_relu")?;
    let x = Shared::new(ZeroPadding2D::new(1).name("pool1_pad")).call1(&x)?;
    let mut x = Shared::new(MaxPooling2D::new(3).strides(2).name("pool1_pool")).call1(&x)?;
    for (s, (filters, blocks, stride)) in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)].into_iter().enumerate() {
        for b in 0..blocks {
            let name = format!("conv{}_block{}", s + 2, b + 1);
            x = block(&x, filters, if b == 0 { stride } else { 1 }, b == 0, &name)?;
        }
    }
    let out = if cfg.include_top { cfg.pooled_top(&x)? } else { x };
    Model::functional(&[input], &[out])
}
