//! The application constructors have Keras's parameter counts (keras.applications with
//! weights=None, include_top=True, 1000 classes: the figures in Keras's documentation
//! and `model.count_params()` of Keras 3.15), and Keras's layer names.
use kc::frontend::applications::{mobilenet_v2, resnet50, vgg16, AppConfig};

// EfficientNetB0 (5,330,571) is not built yet: it needs the preprocessing Normalization
// layer and squeeze-and-excitation blocks.

#[test]
fn application_parameter_counts_equal_keras() {
    kc::frontend::layers::clear_session();
    let cfg = AppConfig::default();
    let mut m = resnet50(&cfg).unwrap();
    assert_eq!(m.count_params(), 25_636_712);
    let s = m.summary().unwrap();
    assert!(s.contains("conv5_block3_out (ReLU)") && s.contains("predictions (Dense)"), "{s}");
    assert_eq!(mobilenet_v2(&cfg).unwrap().count_params(), 3_538_984);
    // without the top, smaller inputs and another class count
    let small = AppConfig::default().include_top(false).input_shape(&[64, 64, 3]);
    assert_eq!(resnet50(&small).unwrap().count_params(), 23_587_712);
    assert_eq!(mobilenet_v2(&small).unwrap().count_params(), 2_257_984);
    assert_eq!(vgg16(&small).unwrap().count_params(), 14_714_688);
    let e = vgg16(&AppConfig::default().input_shape(&[16, 16, 3])).err().unwrap().to_string();
    assert!(e.contains("VGG16") && e.contains("at least 32"), "{e}");
}

/// VGG16 with its top: 138M parameters, initialized eagerly (about 10 s here).
#[test]
fn vgg16_with_its_top_has_keras_count() {
    assert_eq!(vgg16(&AppConfig::default()).unwrap().count_params(), 138_357_544);
}
