//! The text and lookup preprocessing layers (Hashing, StringLookup, IntegerLookup,
//! TextVectorization) and their hash functions against real Keras 3.15 + TensorFlow
//! 2.21 (`tests/golden/keras/layers_text.py` → `data/layers_text.json`): every case
//! built from Keras's arguments with kc's builders and again from Keras's config, then
//! adapted or given a vocabulary, called, and compared — outputs, vocabularies, idf
//! weights, configs; the errors Keras raises; and a classifier trained through `fit`
//! on sentences TextVectorization turned into ids.
use super::golden::{close_vec, load, same_json};
use kc::frontend::layers::text::{farmhash::fingerprint64, siphash::siphash24, Split, Standardize};
use kc::frontend::layers::{clear_session, Hashing, IntegerLookup, StringLookup, StringTensor, TextVectorization};
use kc::frontend::{Result, Tensor};
use serde_json::{Map, Value};

fn data() -> &'static Value {
    static DATA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DATA.get_or_init(|| load("layers_text.json"))
}

fn shape(v: &Value) -> Vec<usize> {
    v["shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect()
}

fn strings(v: &Value) -> StringTensor {
    let d: Vec<String> = v["data"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
    StringTensor::new(&shape(v), d).unwrap()
}

fn ints(v: &Value) -> Tensor {
    let d: Vec<i64> = v["data"].as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect();
    Tensor::from_host(kc::runtime::HostTensor::from_vec(shape(v), d).unwrap())
}

fn floats_tensor(v: &Value) -> Tensor {
    let d: Vec<f32> = v["data"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
    Tensor::from_f32(&shape(v), d).unwrap()
}

fn is_strings(v: &Value) -> bool {
    v["dtype"] == "string"
}

// ------------------------------------------------------------------ hash functions

#[test]
fn farmhash_fingerprint64_matches_tensorflow() {
    let h = &data()["hashes"];
    let strs: Vec<&str> = h["strings"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    let fast = h["fast"].as_object().unwrap();
    assert!(fast.len() >= 5 && strs.len() > 130);
    for (n, want) in fast {
        let n: u64 = n.parse().unwrap();
        for (s, w) in strs.iter().zip(want.as_array().unwrap()) {
            assert_eq!(fingerprint64(s.as_bytes()) % n, w.as_u64().unwrap(), "to_hash_bucket_fast({s:?}, {n}) ({} bytes)", s.len());
        }
    }
}

#[test]
fn siphash_matches_tensorflow_strong_hash() {
    let h = &data()["hashes"];
    let strs: Vec<&str> = h["strings"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    for case in h["strong"].as_array().unwrap() {
        let key: Vec<u64> = case["key"].as_array().unwrap().iter().map(|k| k.as_i64().unwrap() as u64).collect();
        for (n, want) in case["buckets"].as_object().unwrap() {
            let n: u64 = n.parse().unwrap();
            for (s, w) in strs.iter().zip(want.as_array().unwrap()) {
                assert_eq!(siphash24(key[0], key[1], s.as_bytes()) % n, w.as_u64().unwrap(), "to_hash_bucket_strong({s:?}, {n}, key={key:?})");
            }
        }
    }
}

// ------------------------------------------------------------------ layers from Keras's arguments

/// A layer of any of the four classes, behind one interface for the golden cases
/// (a handful at a time, so their sizes do not matter).
#[allow(clippy::large_enum_variant)]
enum Any {
    Hashing(Hashing),
    Str(StringLookup),
    Int(IntegerLookup),
    Text(TextVectorization),
}

fn i(v: &Value) -> i64 {
    v.as_i64().unwrap()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// The custom functions the golden cases name (Python's versions are in the script).
fn with_callable(t: TextVectorization, name: Option<&str>) -> TextVectorization {
    match name {
        Some("bang") => t.standardize_with("bang", |s| s.replace('!', " bang ")),
        Some("comma") => t.split_with("comma", |s| s.split(',').map(str::to_string).collect()),
        None => t,
        Some(other) => panic!("unknown callable {other}"),
    }
}

/// Build a case's layer with kc's builder methods, one per Keras argument.
fn from_args(case: &Value) -> Any {
    let args = case["args"].as_object().unwrap();
    let class = case["class"].as_str().unwrap();
    let unknown = |k: &str| -> ! { panic!("{class}: argument {k} not mapped") };
    match class {
        "Hashing" => {
            let mut h = Hashing::new(i(&args["num_bins"]));
            for (k, v) in args {
                h = match k.as_str() {
                    "num_bins" => h,
                    "mask_value" if v.is_string() => h.mask_value(v.as_str().unwrap()),
                    "mask_value" => h.mask_value(i(v)),
                    "salt" if v.is_array() => h.salt_pair(i(&v[0]), i(&v[1])),
                    "salt" => h.salt(i(v)),
                    "output_mode" => h.output_mode(v.as_str().unwrap()),
                    _ => unknown(k),
                };
            }
            Any::Hashing(h)
        }
        "StringLookup" => {
            let mut l = StringLookup::new();
            for (k, v) in args {
                l = match k.as_str() {
                    "max_tokens" => l.max_tokens(i(v)),
                    "num_oov_indices" => l.num_oov_indices(i(v)),
                    "mask_token" => l.mask_token(v.as_str().unwrap()),
                    "oov_token" => l.oov_token(v.as_str().unwrap()),
                    "vocabulary" => l.vocabulary(&v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect::<Vec<_>>()),
                    "idf_weights" => l.idf_weights(&f64s(v)),
                    "invert" => l.invert(v.as_bool().unwrap()),
                    "output_mode" => l.output_mode(v.as_str().unwrap()),
                    "pad_to_max_tokens" => l.pad_to_max_tokens(v.as_bool().unwrap()),
                    "salt" if v.is_array() => l.salt_pair(i(&v[0]), i(&v[1])),
                    "salt" => l.salt(i(v)),
                    _ => unknown(k),
                };
            }
            Any::Str(l)
        }
        "IntegerLookup" => {
            let mut l = IntegerLookup::new();
            for (k, v) in args {
                l = match k.as_str() {
                    "max_tokens" => l.max_tokens(i(v)),
                    "num_oov_indices" => l.num_oov_indices(i(v)),
                    "mask_token" => l.mask_token(i(v)),
                    "oov_token" => l.oov_token(i(v)),
                    "vocabulary" => l.vocabulary(&v.as_array().unwrap().iter().map(i).collect::<Vec<_>>()),
                    "idf_weights" => l.idf_weights(&f64s(v)),
                    "invert" => l.invert(v.as_bool().unwrap()),
                    "output_mode" => l.output_mode(v.as_str().unwrap()),
                    "pad_to_max_tokens" => l.pad_to_max_tokens(v.as_bool().unwrap()),
                    "oov_method" => l.oov_method(v.as_str().unwrap()),
                    "salt" if v.is_array() => l.salt_pair(i(&v[0]), i(&v[1])),
                    "salt" => l.salt(i(v)),
                    _ => unknown(k),
                };
            }
            Any::Int(l)
        }
        "TextVectorization" => {
            let mut t = with_callable(TextVectorization::new(), case["callable"].as_str());
            for (k, v) in args {
                t = match (k.as_str(), v) {
                    ("max_tokens", v) => t.max_tokens(i(v)),
                    ("standardize", Value::Null) => t.standardize(Standardize::None),
                    ("standardize", v) => t.standardize(v.as_str().unwrap()),
                    ("split", Value::Null) => t.split(Split::None),
                    ("split", v) => t.split(v.as_str().unwrap()),
                    ("ngrams", Value::Array(w)) => t.ngram_widths(&w.iter().map(i).collect::<Vec<_>>()),
                    ("ngrams", v) => t.ngrams(i(v)),
                    ("output_mode", v) => t.output_mode(v.as_str().unwrap()),
                    ("output_sequence_length", v) => t.output_sequence_length(i(v)),
                    ("pad_to_max_tokens", v) => t.pad_to_max_tokens(v.as_bool().unwrap()),
                    ("vocabulary", v) => t.vocabulary(&v.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect::<Vec<_>>()),
                    ("idf_weights", v) => t.idf_weights(&f64s(v)),
                    _ => unknown(k),
                };
            }
            Any::Text(t)
        }
        other => panic!("class {other}"),
    }
}

/// Build a case's layer from Keras's own config (custom functions set afterwards).
fn from_keras_config(case: &Value) -> Any {
    let c = case["config"].as_object().unwrap();
    match case["class"].as_str().unwrap() {
        "Hashing" => Any::Hashing(Hashing::from_config(c).unwrap()),
        "StringLookup" => Any::Str(StringLookup::from_config(c).unwrap()),
        "IntegerLookup" => Any::Int(IntegerLookup::from_config(c).unwrap()),
        _ => {
            let mut c = c.clone();
            for k in ["standardize", "split"] {
                // the script leaves out a callable's entry; a missing key is Keras's default
                if case["callable"].is_string() && !c.contains_key(k) {
                    c.insert(k.into(), Value::from(if k == "split" { "whitespace" } else { "lower_and_strip_punctuation" }));
                }
            }
            Any::Text(with_callable(TextVectorization::from_config(&c).unwrap(), case["callable"].as_str()))
        }
    }
}

/// What a layer gives on a call: a tensor, or strings from an inverting StringLookup.
enum Out {
    T(Tensor),
    S(StringTensor),
}

impl Any {
    fn adapt(&mut self, x: &Value) -> Result<()> {
        match self {
            Any::Str(l) => l.adapt(&strings(x)),
            Any::Int(l) => l.adapt(&ints(x)),
            Any::Text(t) => t.adapt(&strings(x)),
            Any::Hashing(_) => unreachable!(),
        }
    }
    fn set_vocabulary(&mut self, v: &Value) -> Result<()> {
        let idf = v.get("idf_weights").map(f64s);
        let vocab = v["vocabulary"].as_array().unwrap();
        match self {
            Any::Str(l) => l.set_vocabulary(&vocab.iter().map(|s| s.as_str().unwrap()).collect::<Vec<_>>(), idf.as_deref()),
            Any::Int(l) => l.set_vocabulary(&vocab.iter().map(i).collect::<Vec<_>>(), idf.as_deref()),
            Any::Text(t) => t.set_vocabulary(&vocab.iter().map(|s| s.as_str().unwrap()).collect::<Vec<_>>(), idf.as_deref()),
            Any::Hashing(_) => unreachable!(),
        }
    }
    fn call(&self, x: &Value) -> Result<Out> {
        let sx = || strings(x);
        let nx = || if x["dtype"] == "float32" { floats_tensor(x) } else { ints(x) };
        Ok(match self {
            Any::Hashing(h) if is_strings(x) => Out::T(h.call(&sx())?),
            Any::Hashing(h) => Out::T(h.call(&nx())?),
            Any::Str(l) if is_strings(x) => Out::T(l.call(&sx())?),
            Any::Str(l) => Out::S(l.call_to_strings(&nx())?),
            Any::Int(l) => Out::T(l.call(&nx())?),
            Any::Text(t) => Out::T(t.call(&sx())?),
        })
    }
    fn vocabulary(&self, special: bool) -> Value {
        match self {
            Any::Str(l) => Value::from(l.get_vocabulary_with(special)),
            Any::Int(l) => Value::from(l.get_vocabulary_with(special)),
            Any::Text(t) => Value::from(t.get_vocabulary_with(special)),
            Any::Hashing(_) => Value::Null,
        }
    }
    fn vocabulary_size(&self) -> usize {
        match self {
            Any::Str(l) => l.vocabulary_size(),
            Any::Int(l) => l.vocabulary_size(),
            Any::Text(t) => t.vocabulary_size(),
            Any::Hashing(_) => 0,
        }
    }
    fn idf(&self) -> Option<Vec<f32>> {
        match self {
            Any::Str(l) => l.get_idf_weights(),
            Any::Int(l) => l.get_idf_weights(),
            Any::Text(t) => t.get_idf_weights(),
            Any::Hashing(_) => None,
        }
    }
    fn config(&self) -> Map<String, Value> {
        match self {
            Any::Hashing(h) => h.get_config(),
            Any::Str(l) => l.get_config(),
            Any::Int(l) => l.get_config(),
            Any::Text(t) => t.get_config(),
        }
    }
}

fn check_case(what: &str, case: &Value, mut layer: Any) {
    if let Some(x) = case.get("adapt") {
        layer.adapt(x).unwrap_or_else(|e| panic!("{what}: adapt: {e}"));
    }
    if let Some(v) = case.get("set_vocabulary") {
        layer.set_vocabulary(v).unwrap_or_else(|e| panic!("{what}: set_vocabulary: {e}"));
    }
    for (k, call) in case["calls"].as_array().unwrap().iter().enumerate() {
        let what = format!("{what} call {k}");
        let want = &call["output"];
        match layer.call(&call["input"]).unwrap_or_else(|e| panic!("{what}: {e}")) {
            Out::S(s) => {
                assert_eq!(s.shape(), shape(want), "{what}: shape");
                assert_eq!(Value::from(s.data().to_vec()), want["data"], "{what}: strings");
            }
            Out::T(t) => {
                assert_eq!(t.shape().unwrap(), shape(want), "{what}: shape");
                let int_output = case["args"].get("output_mode").is_none_or(|m| m == "int");
                let dtype = if int_output { kc::ir::DType::I64 } else { kc::ir::DType::F32 };
                assert_eq!(t.dtype(), dtype, "{what}: dtype (Keras's int64 for indices, float32 for bins)");
                let want_v: Vec<f64> = want["data"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
                close_vec(&what, &t.to_f64_vec().unwrap(), &want_v, 1e-6, 1e-7);
            }
        }
    }
    if case["class"] != "Hashing" {
        assert_eq!(layer.vocabulary(true), case["vocabulary"], "{what}: get_vocabulary()");
        assert_eq!(layer.vocabulary(false), case["vocabulary_no_special"], "{what}: get_vocabulary(include_special_tokens=False)");
        assert_eq!(layer.vocabulary_size(), case["vocabulary_size"].as_u64().unwrap() as usize, "{what}: vocabulary_size()");
    }
    match (layer.idf(), case.get("idf_weights")) {
        (Some(got), Some(want)) => {
            let got: Vec<f64> = got.iter().map(|&x| x as f64).collect();
            let want: Vec<f64> = want["data"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
            close_vec(&format!("{what}: idf_weights"), &got, &want, 1e-6, 1e-7);
        }
        (None, None) => {}
        (got, want) => panic!("{what}: idf weights kc {got:?} vs Keras {want:?}"),
    }
    // the config: every Keras key, with Keras's value (names differ: Keras's counters ran on)
    let got = layer.config();
    for (k, v) in case["config"].as_object().unwrap() {
        if k == "name" {
            continue;
        }
        let g = got.get(k).unwrap_or_else(|| panic!("{what}: config lacks `{k}`"));
        assert!(same_json(g, v), "{what}: config `{k}`: kc {g} vs Keras {v}");
    }
    let extra: Vec<&String> = got.keys().filter(|k| !case["config"].as_object().unwrap().contains_key(*k) && !case["callable"].is_string()).collect();
    assert!(extra.is_empty(), "{what}: kc's config has keys Keras's lacks: {extra:?}");
}

#[test]
fn every_case_matches_keras() {
    let cases = data()["cases"].as_array().unwrap();
    assert!(cases.len() >= 60);
    for (n, case) in cases.iter().enumerate() {
        let what = format!("case {n} {} {}", case["class"], case["args"]);
        check_case(&format!("{what} (builders)"), case, from_args(case));
        check_case(&format!("{what} (from_config)"), case, from_keras_config(case));
    }
}

#[test]
fn automatic_names_follow_keras() {
    clear_session();
    let names = [
        Hashing::new(2).layer_name().to_string(),
        Hashing::new(2).layer_name().to_string(),
        StringLookup::new().layer_name().to_string(),
        IntegerLookup::new().layer_name().to_string(),
        TextVectorization::new().layer_name().to_string(),
        TextVectorization::new().layer_name().to_string(),
    ];
    assert_eq!(Value::from(names.to_vec()), data()["names"]);
}

// ------------------------------------------------------------------ errors

/// Keras's message for an error case (the text inside its call wrapper, if any).
fn keras_error(name: &str) -> Option<String> {
    let e = data()["errors"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap_or_else(|| panic!("no golden error {name}"));
    let m = e["message"].as_str()?;
    Some(match (m.find("\u{1b}[1m"), m.find("\u{1b}[0m")) {
        (Some(a), Some(b)) => m[a + 4..b].to_string(),
        _ => m.to_string(),
    })
}

/// kc refuses what Keras refuses, with Keras's message (up to `cut`, where Python's
/// reprs of lists start), and the message names the layer.
fn refuses(name: &str, class: &str, r: Result<()>, cut: Option<&str>) {
    let want = keras_error(name).unwrap_or_else(|| panic!("{name}: Keras raised nothing"));
    let want = cut.map_or(want.as_str(), |c| &want[..want.find(c).unwrap_or_else(|| panic!("{name}: {c:?} not in {want:?}")) + c.len()]);
    let got = r.err().unwrap_or_else(|| panic!("{name}: kc accepted what Keras refuses ({want})")).to_string();
    assert!(got.contains(want), "{name}: kc's message\n  {got}\nlacks Keras's\n  {want}");
    assert!(got.contains(&format!("({class})")) || got.contains(class), "{name}: the message names no {class}: {got}");
}

fn cfg(pairs: Value) -> Map<String, Value> {
    pairs.as_object().unwrap().clone()
}

#[test]
fn errors_match_keras() {
    let ok = |r: Result<()>| r;
    refuses("hashing_num_bins_0", "Hashing", Hashing::new(0).call(&["a"]).map(|_| ()), None);
    refuses("hashing_bad_output_mode", "Hashing", Hashing::new(3).output_mode("tf_idf").check().map(|_| ()), None);
    let salt3 = Hashing::from_config(&cfg(serde_json::json!({"num_bins": 3, "salt": [1, 2, 3]}))).map(|_| ());
    refuses("hashing_bad_salt", "Hashing", salt3, Some("Received: salt="));
    refuses("lookup_max_tokens_1", "StringLookup", StringLookup::new().max_tokens(1).check(), None);
    refuses("lookup_negative_oov", "StringLookup", StringLookup::new().num_oov_indices(-1).check(), None);
    refuses("lookup_pad_without_max", "StringLookup", StringLookup::new().pad_to_max_tokens(true).check(), None);
    refuses("lookup_bad_output_mode", "StringLookup", StringLookup::new().output_mode("bogus").check(), None);
    refuses("lookup_invert_multi_hot", "StringLookup", StringLookup::new().invert(true).output_mode("multi_hot").check(), None);
    refuses("lookup_idf_not_tf_idf", "StringLookup", StringLookup::new().vocabulary(&["a"]).idf_weights(&[1.0]).check(), Some("output_mode` is `'tf_idf'`."));
    refuses("lookup_tf_idf_vocab_without_idf", "StringLookup", StringLookup::new().vocabulary(&["a"]).output_mode("tf_idf").check(), None);
    refuses("lookup_duplicates", "StringLookup", StringLookup::new().vocabulary(&["a", "b", "a"]).check(), Some("The repeated terms are:"));
    refuses("lookup_mask_in_vocab", "StringLookup", StringLookup::new().vocabulary(&["a", "[M]", "b"]).mask_token("[M]").check(), Some("precisely this order:"));
    refuses("lookup_oov_in_vocab_invert", "StringLookup", StringLookup::new().vocabulary(&["a", "[UNK]", "b"]).invert(true).check(), Some("precisely this order:"));
    assert!(keras_error("lookup_oov_in_vocab").is_none());
    ok(StringLookup::new().vocabulary(&["a", "[UNK]", "b"]).check()).expect("the OOV token is an ordinary token when not inverting, as in Keras");
    refuses("lookup_empty_vocab", "StringLookup", StringLookup::new().vocabulary::<&str>(&[]).check(), None);
    refuses("lookup_vocab_over_max_tokens", "StringLookup", StringLookup::new().vocabulary(&["a", "b", "c"]).max_tokens(3).check(), None);
    let idf_len = StringLookup::new().vocabulary(&["a", "b"]).output_mode("tf_idf").idf_weights(&[1.0]).check();
    refuses("lookup_idf_length", "StringLookup", idf_len, None);
    let mut fixed = StringLookup::new().vocabulary(&["a"]).name("string_lookup_44");
    refuses("lookup_adapt_after_vocab", "StringLookup", fixed.adapt(&["a", "b"]), None);
    refuses("lookup_multi_hot_without_vocab", "StringLookup", StringLookup::new().output_mode("multi_hot").call(&["a"]).map(|_| ()), None);
    // Keras's assertion prints no text on the JAX backend; kc says which values
    let e = StringLookup::new().vocabulary(&["a"]).num_oov_indices(0).call(&["a", "b"]).unwrap_err().to_string();
    assert!(keras_error("lookup_oov_with_zero_oov_indices").is_some());
    assert!(e.contains("When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values [\"b\"]") && e.contains("(StringLookup)"), "{e}");
    // Keras adapts to nothing (and to a garbled vocabulary when max_tokens leaves no room);
    // kc refuses both, naming the layer
    assert!(keras_error("lookup_adapt_empty").is_none() && keras_error("lookup_adapt_max_tokens_below_reserved").is_none());
    let e = StringLookup::new().adapt::<[&str]>(&[]).unwrap_err().to_string();
    assert!(e.contains("(StringLookup)") && e.contains("no data"), "{e}");
    let e = StringLookup::new().max_tokens(2).num_oov_indices(3).adapt(&["a", "b"]).unwrap_err().to_string();
    assert!(e.contains("(StringLookup)") && e.contains("`max_tokens` (2) is smaller than the number of reserved indices (3"), "{e}");
    let e = TextVectorization::new().adapt(&[""; 3]).unwrap_err().to_string();
    assert!(e.contains("(TextVectorization)") && e.contains("no data"), "{e}");

    let int32 = IntegerLookup::from_config(&cfg(serde_json::json!({"vocabulary_dtype": "int32"}))).map(|_| ());
    refuses("integer_lookup_bad_dtype", "IntegerLookup", int32, None);
    refuses("integer_lookup_salt_floormod", "IntegerLookup", IntegerLookup::new().num_oov_indices(2).salt(3).check(), None);
    refuses("integer_lookup_bad_oov_method", "IntegerLookup", IntegerLookup::new().oov_method("md5").check(), None);
    refuses("integer_lookup_mask_in_vocab", "IntegerLookup", IntegerLookup::new().vocabulary(&[1, 0, 2]).mask_token(0).check(), Some("precisely this order:"));
    let e = IntegerLookup::new().max_tokens(1).check().unwrap_err().to_string();
    assert!(e.contains("If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. Received: max_tokens=1"), "{e}");

    let seq = TextVectorization::new().output_mode("multi_hot").output_sequence_length(3).check().map(|_| ());
    refuses("text_seq_len_multi_hot", "TextVectorization", seq, None);
    refuses("text_bad_standardize", "TextVectorization", TextVectorization::new().standardize("upper").check().map(|_| ()), None);
    refuses("text_bad_split", "TextVectorization", TextVectorization::new().split("comma").check().map(|_| ()), None);
    let ngrams = TextVectorization::from_config(&cfg(serde_json::json!({"ngrams": "two"}))).map(|_| ());
    refuses("text_bad_ngrams", "TextVectorization", ngrams, Some("Received: ngrams="));
    refuses("text_max_tokens_1", "TextVectorization", TextVectorization::new().max_tokens(1).check().map(|_| ()), None);
    let rank2 = TextVectorization::new().vocabulary(&["a"]).call(&[["a b", "c"]]).map(|_| ());
    refuses("text_rank2_not_1", "TextVectorization", rank2, Some("Received: inputs.shape="));

    // kc's own: dense outputs only, no symbolic inputs, strings where strings are due
    let e = StringLookup::from_config(&cfg(serde_json::json!({"sparse": true}))).unwrap_err().to_string();
    assert!(e.contains("sparse"), "{e}");
    let e = StringLookup::new().call(&[1i64, 2]).unwrap_err().to_string();
    assert!(e.contains("(StringLookup)") && e.contains("expected string inputs"), "{e}");
    let e = IntegerLookup::new().call(&Tensor::from_f32(&[2], vec![1.5, 2.0]).unwrap()).unwrap_err().to_string();
    assert!(e.contains("(IntegerLookup)") && e.contains("floats"), "{e}");
    let e = Hashing::new(3).mask_value(0).call(&["a"]).unwrap_err().to_string();
    assert!(e.contains("(Hashing)"), "{e}");
    let e = TextVectorization::new().output_mode("one_hot").check().unwrap_err().to_string();
    assert!(e.contains("split=None"), "{e}");
    let symbolic = kc::frontend::layers::Input::new(&[3]).tensor();
    let e = Hashing::new(3).call(&symbolic).unwrap_err().to_string();
    assert!(e.contains("host") && e.contains("(Hashing)"), "{e}");
}

// ------------------------------------------------------------------ with a model

/// Sentences TextVectorization turns into ids train an Embedding + pooling + Dense
/// classifier through `fit`: the loss falls and the training sentences come out right.
#[test]
fn vectorized_sentences_train_a_classifier() {
    use kc::prelude::*;
    kc::frontend::set_random_seed(3);
    let good = ["i love this movie", "what a great film", "wonderful acting and a great story", "i really enjoyed it", "great fun", "love it so much"];
    let bad = ["i hate this movie", "what a terrible film", "awful acting and a boring story", "i really disliked it", "boring and bad", "hate it so much"];
    let sentences: Vec<&str> = good.iter().chain(&bad).copied().collect();
    let mut vectorize = TextVectorization::new().max_tokens(64).output_sequence_length(6);
    vectorize.adapt(&sentences).unwrap();
    let x = vectorize.call(&sentences).unwrap();
    assert_eq!((x.dtype(), x.shape().unwrap()), (DType::I64, vec![12, 6]));
    let labels: Vec<i32> = (0..12).map(|i| i32::from(i < 6)).collect();
    let y = Tensor::from_host(kc::runtime::HostTensor::from_vec(vec![12], labels.clone()).unwrap());
    let mut m = Model::sequential(vec![
        Box::new(Input::new(&[6]).dtype(DType::I64)),
        Box::new(Embedding::new(vectorize.vocabulary_size(), 8)),
        Box::new(GlobalAveragePooling1D::new()),
        Box::new(Dense::new(2)),
    ]);
    let loss = Loss::from_name("sparse_categorical_crossentropy").unwrap().from_logits(true);
    m.compile(Compile::new().optimizer(Adam::new(0.05)).loss(loss).metrics(&["accuracy"])).unwrap();
    let h = m.fit(&x, &y, Fit::new().epochs(40).batch_size(12).verbose(0)).unwrap();
    let losses = &h.history["loss"];
    assert!(losses.last().unwrap() < &(losses[0] * 0.2), "loss {losses:?}");
    let logits = m.predict(&x, 12).unwrap().to_f64_vec().unwrap();
    let predicted: Vec<i32> = logits.chunks(2).map(|p| i32::from(p[1] > p[0])).collect();
    assert_eq!(predicted, labels, "predictions on the training sentences");
    // new sentences go through the same vectorizer
    let fresh = vectorize.call(&["a great great movie", "a boring terrible movie"]).unwrap();
    let logits = m.predict(&fresh, 2).unwrap().to_f64_vec().unwrap();
    assert!(logits[1] > logits[0] && logits[3] < logits[2], "unseen sentences: {logits:?}");
}

// ------------------------------------------------------------------ IntegerLookup as a model's layer

/// IntegerLookup is also a `Layer`: called eagerly and traced inside a model (predict),
/// it gives Keras's outputs for every golden case it can run in a graph.
#[test]
fn integer_lookup_runs_inside_a_model() {
    use kc::frontend::layers::{call1, from_config, CallCtx};
    use kc::prelude::*;
    let mut ran = 0;
    for (n, case) in data()["cases"].as_array().unwrap().iter().enumerate() {
        if case["class"] != "IntegerLookup" {
            continue;
        }
        let args = &case["args"];
        // host-only: OOV values are an error, or hashed as text
        if args.get("num_oov_indices").is_some_and(|v| v == 0) || args.get("oov_method").is_some_and(|v| v == "farmhash") {
            let Any::Int(mut l) = from_args(case) else { unreachable!() };
            if let Some(x) = case.get("adapt") {
                l.adapt(&ints(x)).unwrap();
            }
            let x = ints(&case["calls"][0]["input"]);
            let e = call1(&mut l, &x, &CallCtx::new(false)).unwrap_err().to_string();
            assert!(e.contains("host") && e.contains("(IntegerLookup)"), "case {n}: {e}");
            continue;
        }
        for call in case["calls"].as_array().unwrap() {
            let (input, want) = (&call["input"], &call["output"]);
            let bag = args.get("output_mode").is_some_and(|m| m != "int" && m != "one_hot");
            if bag && shape(input).len() != 2 {
                continue; // a rank-1 bag is one sample to Keras; a model's rank-1 input is a batch
            }
            let fresh = || {
                let Any::Int(mut l) = from_args(case) else { unreachable!() };
                if let Some(x) = case.get("adapt") {
                    l.adapt(&ints(x)).unwrap();
                }
                l
            };
            let want_v: Vec<f64> = want["data"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
            // eager: the layer's ops on a concrete tensor
            let mut l = fresh();
            let got = call1(&mut l, &ints(input), &CallCtx::new(false)).unwrap_or_else(|e| panic!("case {n}: {e}"));
            assert_eq!(got.shape().unwrap(), shape(want), "case {n} eager shape");
            close_vec(&format!("case {n} eager"), &got.to_f64_vec().unwrap(), &want_v, 1e-6, 1e-7);
            // traced: inside a Sequential model, through predict
            let dims = shape(input);
            let mut m = Model::sequential(vec![Box::new(Input::new(&dims[1..]).dtype(DType::I64)), Box::new(fresh())]);
            let got = m.predict(ints(input), dims[0]).unwrap_or_else(|e| panic!("case {n} traced: {e}"));
            assert_eq!(got.shape().unwrap(), shape(want), "case {n} traced shape");
            close_vec(&format!("case {n} traced"), &got.to_f64_vec().unwrap(), &want_v, 1e-6, 1e-7);
            ran += 1;
        }
    }
    assert!(ran >= 10, "only {ran} calls ran in a graph");
    // from a model's config: IntegerLookup builds as a layer, the string layers say where they run
    let c = IntegerLookup::new().vocabulary(&[5, 9]).get_config();
    let mut l = from_config("IntegerLookup", &c).unwrap();
    let got = call1(l.as_mut(), &ints(&serde_json::json!({"shape": [3], "data": [9, 5, 4]})), &CallCtx::new(false)).unwrap();
    assert_eq!(got.to_f64_vec().unwrap(), [2.0, 1.0, 0.0]);
    let e = from_config("TextVectorization", &TextVectorization::new().get_config()).err().unwrap().to_string();
    assert!(e.contains("TextVectorization works on strings on the host") && e.contains("TextVectorization::from_config"), "{e}");
    let e = from_config("StringLookup", &StringLookup::new().get_config()).err().unwrap().to_string();
    assert!(e.contains("StringLookup works on strings on the host"), "{e}");
}
