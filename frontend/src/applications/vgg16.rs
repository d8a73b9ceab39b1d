//! `keras.applications.VGG16`: five blocks of 3x3 convolutions (64, 128, 256, 512, 512
//! filters; 2, 2, 3, 3, 3 layers) each ending in 2x2 max pooling, then flatten and two
//! Dense 4096 layers before the classifier. 138,357,544 parameters with the top.
use super::AppConfig;
use crate::error::Result;
use crate::layers::{Conv2D, Dense, Flatten, MaxPooling2D, Shared};
use crate::models::Model;

pub fn vgg16(cfg: &AppConfig) -> Result<Model> {
    cfg.check("VGG16", 32)?;
    let input = cfg.input();
    let mut x = input.clone();
    for (b, (filters, convs)) in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)].into_iter().enumerate() {
        for c in 0..convs {
            let conv = Conv2D::new(filters, 3).padding("same").activation("relu").name(&format!("block{}_conv{}", b + 1, c + 1));
            x = Shared::new(conv).call1(&x)?;
        }
        x = Shared::new(MaxPooling2D::new(2).strides(2).name(&format!("block{}_pool", b + 1))).call1(&x)?;
    }
    if cfg.include_top {
        x = Shared::new(Flatten::new().name("flatten")).call1(&x)?;
        x = Shared::new(Dense::new(4096).activation("relu").name("fc1")).call1(&x)?;
        x = Shared::new(Dense::new(4096).activation("relu").name("fc2")).call1(&x)?;
        x = Shared::new(Dense::new(cfg.classes).activation(&cfg.classifier_activation).name("predictions")).call1(&x)?;
    }
    Model::functional(&[input], &[x])
}
