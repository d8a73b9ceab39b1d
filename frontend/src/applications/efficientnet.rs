//! `keras.applications.EfficientNetB0` (width and depth coefficients 1.0, dropout 0.2,
//! drop-connect 0.2): a stem (`Rescaling(1/255)`, `Normalization` over the channels,
//! a stride-2 3x3 conv), 16 MBConv blocks in 7 stages (1x1 expansion, depthwise conv,
//! squeeze-and-excitation, 1x1 projection, a residual add behind a per-sample
//! `Dropout` where shapes allow), a 1x1 conv to 1280, then the classifier. Swish
//! activations, Keras's layer names and initializers; 5,330,571 parameters with the top
//! (42,023 of them non-trainable: the batch-normalization statistics and the
//! Normalization's mean, variance and count).
use super::AppConfig;
use crate::error::Result;
use crate::initializers::Initializer;
use crate::layers::{
    Activation, Add, BatchNormalization, Conv2D, Dense, DepthwiseConv2D, Dropout, GlobalAveragePooling2D, Multiply, Normalization, Rescaling, Reshape, Shared,
    ZeroPadding2D,
};
use crate::models::Model;
use crate::tensor::Tensor;

/// One stage of MBConv blocks (Keras's `DEFAULT_BLOCKS_ARGS`).
struct Stage {
    kernel: usize,
    repeats: usize,
    filters_in: usize,
    filters_out: usize,
    expand_ratio: usize,
    strides: usize,
}

const STAGES: [Stage; 7] = [
    Stage { kernel: 3, repeats: 1, filters_in: 32, filters_out: 16, expand_ratio: 1, strides: 1 },
    Stage { kernel: 3, repeats: 2, filters_in: 16, filters_out: 24, expand_ratio: 6, strides: 2 },
    Stage { kernel: 5, repeats: 2, filters_in: 24, filters_out: 40, expand_ratio: 6, strides: 2 },
    Stage { kernel: 3, repeats: 3, filters_in: 40, filters_out: 80, expand_ratio: 6, strides: 2 },
    Stage { kernel: 5, repeats: 3, filters_in: 80, filters_out: 112, expand_ratio: 6, strides: 1 },
    Stage { kernel: 5, repeats: 4, filters_in: 112, filters_out: 192, expand_ratio: 6, strides: 2 },
    Stage { kernel: 3, repeats: 1, filters_in: 192, filters_out: 320, expand_ratio: 6, strides: 1 },
];
const SE_RATIO: f64 = 0.25;
const DROPOUT_RATE: f64 = 0.2;
const DROP_CONNECT_RATE: f64 = 0.2;

/// Keras's `CONV_KERNEL_INITIALIZER`.
fn conv_init() -> Result<Initializer> {
    Initializer::variance_scaling(2.0, "fan_out", "truncated_normal")
}

fn conv(x: &Tensor, filters: usize, kernel: usize, name: &str) -> Result<Tensor> {
    let c = Conv2D::new(filters, kernel).padding("same").use_bias(false).kernel_initializer(conv_init()?).name(name);
    Shared::new(c).call1(x)
}

fn bn(x: &Tensor, name: &str) -> Result<Tensor> {
    Shared::new(BatchNormalization::new().axis(3).name(name)).call1(x)
}

fn swish(x: &Tensor, name: &str) -> Result<Tensor> {
    Shared::new(Activation::new("swish").name(name)).call1(x)
}

/// Keras's `imagenet_utils.correct_pad` before a stride-2 conv of `kernel`: one less
/// row (column) before when the size is even, so the window centres line up.
fn correct_pad(x: &Tensor, kernel: usize) -> [(usize, usize); 2] {
    let d = x.dims();
    let adjust = |i: usize| d[i].known().map_or(1, |n| 1 - (n % 2) as usize);
    let c = kernel / 2;
    [(c - adjust(1), c), (c - adjust(2), c)]
}

/// One MBConv block (Keras's `block`), named `block{stage}{letter}_`.
fn block(inputs: &Tensor, s: &Stage, filters_in: usize, strides: usize, drop_rate: f64, name: &str) -> Result<Tensor> {
    let filters = filters_in * s.expand_ratio;
    let mut x = inputs.clone();
    if s.expand_ratio != 1 {
        x = conv(&x, filters, 1, &format!("{name}expand_conv"))?;
        x = bn(&x, &format!("{name}expand_bn"))?;
        x = swish(&x, &format!("{name}expand_activation"))?;
    }
    let padding = if strides == 2 {
        x = Shared::new(ZeroPadding2D::new(correct_pad(&x, s.kernel)).name(&format!("{name}dwconv_pad"))).call1(&x)?;
        "valid"
    } else {
        "same"
    };
    let dw = DepthwiseConv2D::new(s.kernel).strides(strides).padding(padding).use_bias(false).depthwise_initializer(conv_init()?).name(&format!("{name}dwconv"));
    x = Shared::new(dw).call1(&x)?;
    x = bn(&x, &format!("{name}bn"))?;
    x = swish(&x, &format!("{name}activation"))?;
    // squeeze and excitation
    let filters_se = ((filters_in as f64 * SE_RATIO) as usize).max(1);
    let mut se = Shared::new(GlobalAveragePooling2D::new().name(&format!("{name}se_squeeze"))).call1(&x)?;
    se = Shared::new(Reshape::new(&[1, 1, filters as i64]).name(&format!("{name}se_reshape"))).call1(&se)?;
    let reduce = Conv2D::new(filters_se, 1).padding("same").activation("swish").kernel_initializer(conv_init()?).name(&format!("{name}se_reduce"));
    se = Shared::new(reduce).call1(&se)?;
    let expand = Conv2D::new(filters, 1).padding("same").activation("sigmoid").kernel_initializer(conv_init()?).name(&format!("{name}se_expand"));
    se = Shared::new(expand).call1(&se)?;
    x = Shared::new(Multiply::new().name(&format!("{name}se_excite"))).call(&[x, se])?.remove(0);
    // output phase
    x = conv(&x, s.filters_out, 1, &format!("{name}project_conv"))?;
    x = bn(&x, &format!("{name}project_bn"))?;
    if strides == 1 && filters_in == s.filters_out {
        if drop_rate > 0.0 {
            // drop-connect: whole samples dropped (noise shape (None, 1, 1, 1))
            let d = Dropout::new(drop_rate).noise_shape(&[None, Some(1), Some(1), Some(1)]).name(&format!("{name}drop"));
            x = Shared::new(d).call1(&x)?;
        }
        x = Shared::new(Add::new().name(&format!("{name}add"))).call(&[x, inputs.clone()])?.remove(0);
    }
    Ok(x)
}

pub fn efficientnet_b0(cfg: &AppConfig) -> Result<Model> {
    cfg.check("EfficientNetB0", 32)?;
    let input = cfg.input();
    let mut x = Shared::new(Rescaling::new(1.0 / 255.0, 0.0)).call1(&input)?;
    x = Shared::new(Normalization::new().axis(3)).call1(&x)?;
    x = Shared::new(ZeroPadding2D::new(correct_pad(&x, 3)).name("stem_conv_pad")).call1(&x)?;
    let stem = Conv2D::new(32, 3).strides(2).padding("valid").use_bias(false).kernel_initializer(conv_init()?).name("stem_conv");
    x = Shared::new(stem).call1(&x)?;
    x = bn(&x, "stem_bn")?;
    x = swish(&x, "stem_activation")?;
    let blocks: usize = STAGES.iter().map(|s| s.repeats).sum();
    let mut b = 0;
    for (i, s) in STAGES.iter().enumerate() {
        for j in 0..s.repeats {
            let (filters_in, strides) = if j == 0 { (s.filters_in, s.strides) } else { (s.filters_out, 1) };
            let name = format!("block{}{}_", i + 1, (b'a' + j as u8) as char);
            x = block(&x, s, filters_in, strides, DROP_CONNECT_RATE * b as f64 / blocks as f64, &name)?;
            b += 1;
        }
    }
    x = conv(&x, 1280, 1, "top_conv")?;
    x = bn(&x, "top_bn")?;
    x = swish(&x, "top_activation")?;
    let out = if cfg.include_top {
        let mut p = Shared::new(GlobalAveragePooling2D::new().name("avg_pool")).call1(&x)?;
        p = Shared::new(Dropout::new(DROPOUT_RATE).name("top_dropout")).call1(&p)?;
        let dense = Dense::new(cfg.classes)
            .activation(&cfg.classifier_activation)
            .kernel_initializer(Initializer::variance_scaling(1.0 / 3.0, "fan_out", "uniform")?)
            .name("predictions");
        Shared::new(dense).call1(&p)?
    } else {
        x
    };
    Model::functional(&[input], &[out])
}
