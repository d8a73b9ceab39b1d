//! Layers from Keras configs (`Layer.from_config`): one table row per class, each
//! reading the keys its `get_config` writes. Unknown keys are an error naming them, so a
//! config kc cannot honour fails loudly instead of building a different layer.
use super::registry_attention::*;
use super::registry_augmentation::*;
use super::registry_conv::*;
use super::registry_more::*;
use super::registry_preprocessing::*;
use super::registry_rnn::*;
use super::registry_text::*;
use super::*;
use crate::config::{self, Config};
use crate::constraints::Constraint;
use crate::error::Result;
use crate::initializers::Initializer;
use crate::regularizers::Regularizer;
use serde_json::Value;

pub(super) type Build = fn(&Config) -> Result<Box<dyn Layer>>;

/// Every class kc can build from a config, with the keys it reads besides the base ones
/// (`name`, `trainable`, `dtype`).
const CLASSES: &[(&str, &[&str], Build)] = &[
    ("InputLayer", &["batch_shape", "sparse", "ragged", "optional"], input_layer),
    (
        "Dense",
        &[
            "units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
            "activity_regularizer", "kernel_constraint", "bias_constraint", "quantization_config",
        ],
        dense,
    ),
    ("Activation", &["activation"], |c| boxed(c, Activation::new(&string(c, "activation", "linear")?))),
    ("Identity", &[], |c| boxed(c, Identity::new())),
    (
        "Embedding",
        &[
            "input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer", "embeddings_constraint", "mask_zero",
            "activity_regularizer", "quantization_config",
        ],
        embedding,
    ),
    ("Rescaling", &["scale", "offset"], |c| boxed(c, Rescaling::new(number(c, "scale", None)?, number(c, "offset", Some(0.0))?))),
    // augmentation
    ("RandomFlip", &["mode", "seed", "data_format"], random_flip),
    ("RandomRotation", &["factor", "fill_mode", "interpolation", "seed", "fill_value", "data_format"], random_rotation),
    ("RandomZoom", AFFINE_KEYS, random_zoom),
    ("RandomTranslation", AFFINE_KEYS, random_translation),
    ("RandomContrast", &["factor", "value_range", "seed", "data_format"], random_contrast),
    ("Flatten", &["data_format"], flatten),
    ("Reshape", &["target_shape"], |c| boxed(c, Reshape::new(&ints(c, "target_shape")?))),
    ("Permute", &["dims"], |c| boxed(c, Permute::new(&sizes(c, "dims")?))),
    ("RepeatVector", &["n"], |c| boxed(c, RepeatVector::new(size(c, "n")?))),
    ("Dropout", &["rate", "seed", "noise_shape"], dropout),
    ("Add", &[], |c| boxed(c, Add::new())),
    ("Subtract", &[], |c| boxed(c, Subtract::new())),
    ("Multiply", &[], |c| boxed(c, Multiply::new())),
    ("Average", &[], |c| boxed(c, Average::new())),
    ("Maximum", &[], |c| boxed(c, Maximum::new())),
    ("Minimum", &[], |c| boxed(c, Minimum::new())),
    ("Concatenate", &["axis"], |c| boxed(c, Concatenate::new(config::axes_or(c, "axis", &[-1])?[0]))),
    ("Dot", &["axes", "normalize"], dot),
    ("ReLU", &["max_value", "negative_slope", "threshold"], relu),
    ("LeakyReLU", &["negative_slope"], |c| boxed(c, LeakyReLU::new().negative_slope(number(c, "negative_slope", Some(0.3))?))),
    ("PReLU", &["alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"], prelu),
    ("ELU", &["alpha"], |c| boxed(c, ELU::new().alpha(number(c, "alpha", Some(1.0))?))),
    ("Softmax", &["axis"], |c| boxed(c, Softmax::over(&config::axes_or(c, "axis", &[-1])?))),
    ("Conv1D", CONV_KEYS, conv::<1>),
    ("Conv2D", CONV_KEYS, conv::<2>),
    ("Conv3D", CONV_KEYS, conv::<3>),
    ("Conv1DTranspose", CONV_TRANSPOSE_KEYS, conv_transpose::<1>),
    ("Conv2DTranspose", CONV_TRANSPOSE_KEYS, conv_transpose::<2>),
    ("Conv3DTranspose", CONV_TRANSPOSE_KEYS, conv_transpose::<3>),
    ("DepthwiseConv1D", DEPTHWISE_KEYS, depthwise::<1>),
    ("DepthwiseConv2D", DEPTHWISE_KEYS, depthwise::<2>),
    ("SeparableConv1D", SEPARABLE_KEYS, separable::<1>),
    ("SeparableConv2D", SEPARABLE_KEYS, separable::<2>),
    ("MaxPooling1D", POOL_KEYS, pooling::<1, true>),
    ("MaxPooling2D", POOL_KEYS, pooling::<2, true>),
    ("MaxPooling3D", POOL_KEYS, pooling::<3, true>),
    ("AveragePooling1D", POOL_KEYS, pooling::<1, false>),
    ("AveragePooling2D", POOL_KEYS, pooling::<2, false>),
    ("AveragePooling3D", POOL_KEYS, pooling::<3, false>),
    ("GlobalMaxPooling1D", GLOBAL_POOL_KEYS, global_pooling::<1, true>),
    ("GlobalMaxPooling2D", GLOBAL_POOL_KEYS, global_pooling::<2, true>),
    ("GlobalMaxPooling3D", GLOBAL_POOL_KEYS, global_pooling::<3, true>),
    ("GlobalAveragePooling1D", GLOBAL_POOL_KEYS, global_pooling::<1, false>),
    ("GlobalAveragePooling2D", GLOBAL_POOL_KEYS, global_pooling::<2, false>),
    ("GlobalAveragePooling3D", GLOBAL_POOL_KEYS, global_pooling::<3, false>),
    ("BatchNormalization", BATCH_NORM_KEYS, batch_normalization),
    ("LayerNormalization", LAYER_NORM_KEYS, layer_normalization),
    ("GroupNormalization", GROUP_NORM_KEYS, group_normalization),
    ("UnitNormalization", &["axis"], unit_normalization),
    ("RMSNormalization", &["axis", "epsilon"], rms_normalization),
    ("SpatialDropout1D", &["rate", "seed"], spatial_dropout::<1>),
    ("SpatialDropout2D", &["rate", "seed", "data_format"], spatial_dropout::<2>),
    ("SpatialDropout3D", &["rate", "seed", "data_format"], spatial_dropout::<3>),
    ("GaussianNoise", &["stddev", "seed"], gaussian_noise),
    ("GaussianDropout", &["rate", "seed"], gaussian_dropout),
    ("AlphaDropout", &["rate", "seed", "noise_shape"], alpha_dropout),
    ("ActivityRegularization", &["l1", "l2"], activity_regularization),
    ("Cropping1D", &["cropping"], cropping::<1>),
    ("Cropping2D", &["cropping", "data_format"], cropping::<2>),
    ("Cropping3D", &["cropping", "data_format"], cropping::<3>),
    ("ZeroPadding1D", &["padding", "data_format"], zero_padding::<1>),
    ("ZeroPadding2D", &["padding", "data_format"], zero_padding::<2>),
    ("ZeroPadding3D", &["padding", "data_format"], zero_padding::<3>),
    ("UpSampling1D", &["size"], up_sampling::<1>),
    ("UpSampling2D", &["size", "data_format", "interpolation"], up_sampling::<2>),
    ("UpSampling3D", &["size", "data_format"], up_sampling::<3>),
    ("MultiHeadAttention", MHA_KEYS, multi_head_attention),
    ("GroupedQueryAttention", GQA_KEYS, grouped_query_attention),
    ("Attention", &["use_scale", "score_mode", "dropout", "seed"], attention),
    ("AdditiveAttention", &["use_scale", "dropout", "seed"], additive_attention),
    ("EinsumDense", EINSUM_DENSE_KEYS, einsum_dense),
    ("Masking", &["mask_value"], masking),
    ("SimpleRNNCell", SIMPLE_RNN_CELL_KEYS, simple_rnn_cell),
    ("LSTMCell", LSTM_CELL_KEYS, lstm_cell),
    ("GRUCell", GRU_CELL_KEYS, gru_cell),
    ("SimpleRNN", SIMPLE_RNN_KEYS, simple_rnn),
    ("LSTM", LSTM_KEYS, lstm),
    ("GRU", GRU_KEYS, gru),
    ("RNN", RNN_KEYS, rnn),
    ("ConvLSTM1D", CONV_LSTM_KEYS, conv_lstm::<1>),
    ("ConvLSTM2D", CONV_LSTM_KEYS, conv_lstm::<2>),
    ("ConvLSTM3D", CONV_LSTM_KEYS, conv_lstm::<3>),
    ("Bidirectional", &["layer", "merge_mode", "backward_layer"], bidirectional),
    ("TimeDistributed", &["layer"], time_distributed),
    // preprocessing
    ("Normalization", &["axis", "mean", "variance", "invert"], normalization),
    ("Discretization", &["bin_boundaries", "num_bins", "epsilon", "output_mode", "sparse"], discretization),
    ("CategoryEncoding", &["num_tokens", "output_mode", "sparse"], category_encoding),
    ("CenterCrop", &["height", "width", "data_format"], center_crop),
    ("Resizing", RESIZING_KEYS, resizing),
    // text and lookup
    ("IntegerLookup", INTEGER_LOOKUP_KEYS, integer_lookup),
    ("StringLookup", STRING_LOOKUP_KEYS, |_| host_only("StringLookup")),
    ("TextVectorization", TEXT_VECTORIZATION_KEYS, |_| host_only("TextVectorization")),
    ("Hashing", HASHING_KEYS, |_| host_only("Hashing")),
];

const POOL_KEYS: &[&str] = &["pool_size", "padding", "strides", "data_format"];
const GLOBAL_POOL_KEYS: &[&str] = &["data_format", "keepdims"];

/// A layer from its Keras class name and config (`name` included).
pub fn from_config(class_name: &str, cfg: &Config) -> Result<Box<dyn Layer>> {
    let build = check(class_name, cfg)?;
    // a named layer's inner layers take Keras's names without using up automatic ones
    match cfg.get("name") {
        Some(Value::String(n)) if !n.is_empty() => keeping_names(|| build(cfg)),
        _ => build(cfg),
    }
}

/// The checks every config goes through (a known class, known keys, the base keys'
/// values), and the class's builder.
pub(super) fn check(class_name: &str, cfg: &Config) -> Result<Build> {
    let Some(&(_, keys, build)) = CLASSES.iter().find(|r| r.0 == class_name) else {
        let names: Vec<&str> = CLASSES.iter().map(|r| r.0).collect();
        return Err(crate::error::unknown("layer class", class_name, &names));
    };
    let mut known = vec!["name", "trainable", "dtype"];
    known.extend_from_slice(keys);
    config::reject_unknown(cfg, &known, class_name)?;
    if cfg.get("trainable").is_some_and(|t| t != &Value::Bool(true)) {
        crate::bail!("{class_name}: only trainable layers can be built from a config so far (got trainable={})", cfg["trainable"]);
    }
    match cfg.get("dtype") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s == "float32" => {}
        Some(d) if d.get("config").and_then(|c| c.get("name")).and_then(Value::as_str) == Some("float32") => {}
        Some(_) if class_name == "InputLayer" => {} // an input's dtype: `input_layer` reads it
        Some(d) => crate::bail!("{class_name}: only the float32 dtype policy is supported, got {d}"),
    }
    Ok(build)
}

/// A layer from Keras's serialized form `{"class_name": ..., "config": {...}}`.
pub fn deserialize(v: &Value) -> Result<Box<dyn Layer>> {
    let (class, cfg) = config::split(v, "layer")?;
    from_config(class, &cfg)
}

/// The classes `from_config` knows.
pub fn classes() -> Vec<&'static str> {
    CLASSES.iter().map(|r| r.0).collect()
}

/// The layer, named as the config says (else it keeps its automatic name).
pub(super) fn boxed<L: Layer + Named + 'static>(c: &Config, layer: L) -> Result<Box<dyn Layer>> {
    Ok(Box::new(named_as(c, layer)?))
}

/// The layer, named as the config says (else it keeps its automatic name).
pub(super) fn named_as<L: Named>(c: &Config, layer: L) -> Result<L> {
    match c.get("name") {
        None | Some(Value::Null) => Ok(layer),
        Some(Value::String(n)) if !n.is_empty() => Ok(layer.with_name(n)),
        Some(v) => crate::bail!("config key `name` must be a non-empty string, got {v}"),
    }
}

fn keras_dtype(s: &str) -> Option<kc_ir::DType> {
    use kc_ir::DType::*;
    Some(match s {
        "float32" => F32,
        "float64" => F64,
        "float16" => F16,
        "bfloat16" => BF16,
        "int8" => I8,
        "int32" => I32,
        "int64" => I64,
        "uint8" => U8,
        "uint32" => U32,
        "bool" => Bool,
        _ => return None,
    })
}

pub(super) fn number(c: &Config, key: &str, default: Option<f64>) -> Result<f64> {
    match (c.get(key), default) {
        (None | Some(Value::Null), Some(d)) => Ok(d),
        (None | Some(Value::Null), None) => crate::bail!("config key `{key}` is required"),
        (Some(v), _) => v.as_f64().ok_or_else(|| crate::Error::msg(format!("config key `{key}` must be a number, got {v}"))),
    }
}

pub(super) fn string(c: &Config, key: &str, default: &str) -> Result<String> {
    Ok(config::str_or(c, key, default)?.to_string())
}

pub(super) fn boolean(c: &Config, key: &str, default: bool) -> Result<bool> {
    match c.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(v) => crate::bail!("config key `{key}` must be true or false, got {v}"),
    }
}

pub(super) fn size(c: &Config, key: &str) -> Result<usize> {
    match c.get(key).and_then(Value::as_u64) {
        Some(n) => Ok(n as usize),
        None => crate::bail!("config key `{key}` must be a non-negative integer, got {}", c.get(key).unwrap_or(&Value::Null)),
    }
}

pub(super) fn list<'a>(c: &'a Config, key: &str) -> Result<&'a Vec<Value>> {
    match c.get(key) {
        Some(Value::Array(a)) => Ok(a),
        other => crate::bail!("config key `{key}` must be a list, got {}", other.unwrap_or(&Value::Null)),
    }
}

pub(super) fn ints(c: &Config, key: &str) -> Result<Vec<i64>> {
    list(c, key)?.iter().map(|v| v.as_i64().ok_or_else(|| crate::Error::msg(format!("config key `{key}` must hold integers, got {v}")))).collect()
}

pub(super) fn sizes(c: &Config, key: &str) -> Result<Vec<usize>> {
    list(c, key)?.iter().map(|v| v.as_u64().map(|n| n as usize).ok_or_else(|| crate::Error::msg(format!("config key `{key}` must hold non-negative integers, got {v}")))).collect()
}

pub(super) fn optional<T>(c: &Config, key: &str, read: fn(&Value) -> Result<T>) -> Result<Option<T>> {
    match c.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => read(v).map(Some),
    }
}

pub(super) fn initializer(c: &Config, key: &str, default: &str) -> Result<Initializer> {
    Ok(optional(c, key, Initializer::from_config)?.unwrap_or(Initializer::from_name(default)?))
}

fn input_layer(c: &Config) -> Result<Box<dyn Layer>> {
    let shape = list(c, "batch_shape")?;
    let dims: Vec<Option<usize>> = shape.iter().skip(1).map(|v| v.as_u64().map(|n| n as usize)).collect();
    let dtype = match c.get("dtype").and_then(Value::as_str) {
        None => kc_ir::DType::F32,
        Some(s) => keras_dtype(s).ok_or_else(|| crate::Error::msg(format!("InputLayer: unknown dtype `{s}`")))?,
    };
    for key in ["sparse", "ragged", "optional"] {
        if boolean(c, key, false)? {
            crate::bail!("InputLayer: `{key}=True` inputs are not supported");
        }
    }
    let mut input = Input::with_shape(&dims).dtype(dtype);
    if let Some(b) = shape.first().and_then(Value::as_u64) {
        input = input.batch_size(b as usize);
    }
    boxed(c, input)
}

fn dense(c: &Config) -> Result<Box<dyn Layer>> {
    let mut d = Dense::new(size(c, "units")?)
        .activation(&string(c, "activation", "linear")?)
        .use_bias(boolean(c, "use_bias", true)?)
        .kernel_initializer(initializer(c, "kernel_initializer", "glorot_uniform")?)
        .bias_initializer(initializer(c, "bias_initializer", "zeros")?);
    if let Some(r) = optional(c, "kernel_regularizer", Regularizer::from_config)? {
        d = d.kernel_regularizer(r);
    }
    if let Some(r) = optional(c, "bias_regularizer", Regularizer::from_config)? {
        d = d.bias_regularizer(r);
    }
    if let Some(r) = optional(c, "activity_regularizer", Regularizer::from_config)? {
        d = d.activity_regularizer(r);
    }
    if let Some(k) = optional(c, "kernel_constraint", Constraint::from_config)? {
        d = d.kernel_constraint(k);
    }
    if let Some(k) = optional(c, "bias_constraint", Constraint::from_config)? {
        d = d.bias_constraint(k);
    }
    if c.get("quantization_config").is_some_and(|q| !q.is_null()) {
        crate::bail!("Dense: quantization is not supported");
    }
    boxed(c, d)
}

fn embedding(c: &Config) -> Result<Box<dyn Layer>> {
    let mut e = Embedding::new(size(c, "input_dim")?, size(c, "output_dim")?)
        .embeddings_initializer(initializer(c, "embeddings_initializer", "uniform")?)
        .mask_zero(boolean(c, "mask_zero", false)?);
    if let Some(r) = optional(c, "embeddings_regularizer", Regularizer::from_config)? {
        e = e.embeddings_regularizer(r);
    }
    if let Some(k) = optional(c, "embeddings_constraint", Constraint::from_config)? {
        e = e.embeddings_constraint(k);
    }
    for key in ["activity_regularizer", "quantization_config"] {
        if c.get(key).is_some_and(|q| !q.is_null()) {
            crate::bail!("Embedding: `{key}` is not supported");
        }
    }
    boxed(c, e)
}

fn flatten(c: &Config) -> Result<Box<dyn Layer>> {
    let f = string(c, "data_format", "channels_last")?;
    if f != "channels_last" {
        crate::bail!("Flatten: only data_format=\"channels_last\" is supported, got {f}");
    }
    boxed(c, Flatten::new())
}

fn dropout(c: &Config) -> Result<Box<dyn Layer>> {
    let mut d = Dropout::new(number(c, "rate", None)?);
    if let Some(s) = optional(c, "seed", |v| v.as_u64().and_then(|s| u32::try_from(s).ok()).ok_or_else(|| crate::Error::msg(format!("Dropout: seed must be a 32-bit integer, got {v}"))))? {
        d = d.seed(s);
    }
    if let Some(ns) = optional(c, "noise_shape", noise_shape)? {
        d = d.noise_shape(&ns);
    }
    boxed(c, d)
}

/// A `noise_shape`: a list of integers or nulls (`None`: as the input).
pub(super) fn noise_shape(v: &Value) -> Result<Vec<Option<usize>>> {
    match v {
        Value::Array(a) => a
            .iter()
            .map(|d| match d {
                Value::Null => Ok(None),
                d => d.as_u64().map(|n| Some(n as usize)).ok_or_else(|| crate::Error::msg(format!("noise_shape entries must be integers or null, got {d}"))),
            })
            .collect(),
        _ => crate::bail!("noise_shape must be a list, got {v}"),
    }
}

fn dot(c: &Config) -> Result<Box<dyn Layer>> {
    let d = match c.get("axes") {
        Some(Value::Number(n)) => Dot::new(n.as_i64().unwrap_or(0)),
        Some(Value::Array(a)) if a.len() == 2 => {
            let ax: Vec<i64> = a.iter().filter_map(Value::as_i64).collect();
            if ax.len() != 2 {
                crate::bail!("Dot: axes must be integers, got {a:?}");
            }
            Dot::pair(ax[0], ax[1])
        }
        other => crate::bail!("Dot: axes must be an integer or a list of two, got {}", other.unwrap_or(&Value::Null)),
    };
    boxed(c, d.normalize(boolean(c, "normalize", false)?))
}

fn relu(c: &Config) -> Result<Box<dyn Layer>> {
    let mut r = ReLU::new().negative_slope(number(c, "negative_slope", Some(0.0))?).threshold(number(c, "threshold", Some(0.0))?);
    if let Some(m) = optional(c, "max_value", |v| v.as_f64().ok_or_else(|| crate::Error::msg(format!("ReLU: max_value must be a number, got {v}"))))? {
        r = r.max_value(m);
    }
    boxed(c, r)
}

fn prelu(c: &Config) -> Result<Box<dyn Layer>> {
    let mut p = PReLU::new().alpha_initializer(initializer(c, "alpha_initializer", "zeros")?);
    if let Some(r) = optional(c, "alpha_regularizer", Regularizer::from_config)? {
        p = p.alpha_regularizer(r);
    }
    if let Some(k) = optional(c, "alpha_constraint", Constraint::from_config)? {
        p = p.alpha_constraint(k);
    }
    if c.get("shared_axes").is_some_and(|v| !v.is_null()) {
        let axes = config::axes_or(c, "shared_axes", &[])?;
        if axes.iter().any(|&a| a < 1) {
            crate::bail!("PReLU: shared_axes must be positive (1 is the first axis after the batch), got {axes:?}");
        }
        p = p.shared_axes(&axes.iter().map(|&a| a as usize).collect::<Vec<_>>());
    }
    boxed(c, p)
}
