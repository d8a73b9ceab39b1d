"""Golden files for kc's text and lookup preprocessing layers (Hashing, StringLookup,
IntegerLookup, TextVectorization) and the hash functions under them, from real Keras 3.

Keras's string layers are TensorFlow-backed (they run `tf.strings` / `tf.lookup` ops on
the host, even on the JAX backend), so this script needs TensorFlow next to Keras and
JAX: a venv of its own, not `.deps/keras-venv`.

    python3 -m venv .deps/keras-tf-venv
    .deps/keras-tf-venv/bin/pip install "keras==3.15.*" "jax[cpu]==0.10.*" "tensorflow-cpu==2.21.*"
    KERAS_BACKEND=jax .deps/keras-tf-venv/bin/python tests/golden/keras/layers_text.py

Writes tests/golden/keras/data/layers_text.json:

- `hashes`: strings (every length 0..=130 and unicode) with TF's
  `to_hash_bucket_fast` (FarmHash Fingerprint64 mod n) and `to_hash_bucket_strong`
  (SipHash-2-4 keyed by two u64, mod n) for several bucket counts, n = 2^63 - 1
  among them so nearly all of the 64-bit hash is pinned down.
- `cases`: one layer each: `class`, constructor `args`, optional `adapt` data or
  `set_vocabulary`, then `calls` (input and Keras's output: {"shape", "dtype", "data"};
  strings as UTF-8 text), `vocabulary` (`get_vocabulary()`, with and without special
  tokens), `vocabulary_size`, `idf_weights` (tf_idf only) and `config`
  (`get_config()`). A callable `standardize`/`split` is named by `callable` (kc's test
  supplies the same function in Rust) and its config entry is left out.
- `errors`: argument sets and calls Keras refuses, with the exception class and message.

Output dtypes are those Keras returns on the JAX backend (int64 becomes int32 there);
kc's tests compare values.
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import tensorflow as tf
from keras import layers

assert keras.backend.backend() == "jax", "run with KERAS_BACKEND=jax"

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
os.makedirs(OUT, exist_ok=True)
I64_MAX = 2**63 - 1


def arr(x):
    if isinstance(x, tf.Tensor):
        x = x.numpy()
    x = np.asarray(x)
    if x.dtype.kind in ("S", "O", "U"):
        data = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in x.ravel()]
        return {"shape": list(x.shape), "dtype": "string", "data": data}
    if x.dtype == np.float32:
        data = [float(np.format_float_positional(v, unique=True, trim="-")) for v in x.ravel()]
    else:
        data = x.ravel().tolist()
    return {"shape": list(x.shape), "dtype": str(x.dtype), "data": data}


def plain(v):
    """A vocabulary or config value as JSON (numpy scalars to Python)."""
    return json.loads(json.dumps(v, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


# ---------------------------------------------------------------- hash functions
def hash_strings():
    alphabet = "The quick brown fox jumps over the lazy dog 0123456789 !?"
    out = []
    for n in range(0, 131):
        out.append("".join(alphabet[(i * 7 + n) % len(alphabet)] for i in range(n)))
    out += ["héllo", "日本語のテキスト", "naïve café", "emoji 🙂🙃", "-5", "0", "123456789012", "\x00\x01\xff"]
    return out


def hashes():
    strings = hash_strings()
    buckets = [1, 2, 3, 10, 1000, 2**31 - 1, I64_MAX]
    fast = {str(n): tf.strings.to_hash_bucket_fast(strings, n).numpy().tolist() for n in buckets}
    strong = []
    for key in ([0, 0], [1, 2], [42, 42], [2**63 - 1, 12345], [-1, -2]):
        # TF's key attribute is a list of int64, read by the kernel as two u64
        strong.append(
            {
                "key": key,
                "buckets": {str(n): tf.strings.to_hash_bucket_strong(strings, n, key=key).numpy().tolist() for n in buckets},
            }
        )
    return {"strings": strings, "fast": fast, "strong": strong}


# ---------------------------------------------------------------- layer cases
CASES = []


def as_array(data):
    if isinstance(data, np.ndarray):
        return data
    flat = np.array(data, dtype=object).ravel()
    return np.array(data, dtype=object) if len(flat) and isinstance(flat[0], str) else np.array(data)


def case(cls, args, calls, adapt=None, set_vocab=None, callable_name=None, name=None):
    layer = getattr(layers, cls)(**args)
    c = {"class": cls, "args": plain({k: v for k, v in args.items() if not callable(v)})}
    if callable_name:
        c["callable"] = callable_name
    if name:
        c["name"] = name
    if adapt is not None:
        c["adapt"] = arr(as_array(adapt))
        layer.adapt(adapt)
    if set_vocab is not None:
        c["set_vocabulary"] = plain(set_vocab)
        layer.set_vocabulary(set_vocab["vocabulary"], idf_weights=set_vocab.get("idf_weights"))
    c["calls"] = []
    for x in calls:
        # an inverting StringLookup returns strings, which JAX arrays cannot hold: give
        # it a tf tensor so its output stays one
        y = layer(tf.constant(x)) if cls == "StringLookup" and args.get("invert") else layer(x)
        c["calls"].append({"input": arr(x), "output": arr(y)})
    if cls != "Hashing":
        c["vocabulary"] = plain(layer.get_vocabulary())
        c["vocabulary_no_special"] = plain(layer.get_vocabulary(include_special_tokens=False))
        c["vocabulary_size"] = int(layer.vocabulary_size())
        lookup = layer._lookup_layer if cls == "TextVectorization" else layer
        if lookup.output_mode == "tf_idf":
            c["idf_weights"] = arr(np.asarray(lookup.idf_weights_const))
    cfg = plain(layer.get_config())
    for k in ("standardize", "split"):
        if callable(args.get(k)):
            cfg.pop(k, None)
    c["config"] = cfg
    CASES.append(c)


S = lambda rows: np.array(rows, dtype=object)  # noqa: E731  a string array

# Tokens with ties in frequency: "b" and "a" both 3 times, "c"/"d"/"é" twice, the rest once.
TOKENS = ["a", "b", "c", "a", "b", "d", "é", "c", "b", "a", "d", "é", "zz", "y", "日本"]
TOKEN_DOCS = S([["a", "b", "c"], ["a", "a", "d"], ["b", "é", "zz"], ["d", "c", "b"]])
QUERY = S([["a", "b", "q"], ["é", "日本", "oov"]])


def string_lookup_cases():
    case("StringLookup", {}, [QUERY, S(["zz", "y", "nope"])], adapt=TOKENS)
    case("StringLookup", {"max_tokens": 5, "num_oov_indices": 2, "mask_token": "[MASK]"},
         [S([["a", "[MASK]", "q"], ["b", "zzz", "oov"]])], adapt=TOKENS)
    case("StringLookup", {"num_oov_indices": 3, "oov_token": "<oov>", "mask_token": ""},
         [S([["a", "", "x1", "x2"], ["x3", "x4", "b", "x5"]])], adapt=TOKENS)
    case("StringLookup", {"num_oov_indices": 3, "salt": 7}, [S(["a", "x1", "x2", "x3", "x4", "x5"])], adapt=TOKENS)
    case("StringLookup", {"num_oov_indices": 2, "salt": [3, 9]}, [S(["a", "x1", "x2", "x3", "x4"])], adapt=TOKENS)
    case("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "one_hot"}, [S(["a", "c", "x"]), S([["b"], ["q"]])])
    case("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "multi_hot"}, [S([["a", "c", "x"], ["b", "b", "b"]]), S(["a", "a", "q"])])
    case("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "count", "mask_token": ""},
         [S([["a", "c", "a", ""], ["x", "", "y", "b"]])])
    case("StringLookup", {"max_tokens": 8, "pad_to_max_tokens": True, "output_mode": "multi_hot"},
         [S([["a", "b", "q"], ["é", "é", "zz"]])], adapt=TOKENS)
    case("StringLookup", {"output_mode": "tf_idf"}, [QUERY, S([["a", "a", "a"], ["d", "zz", "c"]])], adapt=TOKEN_DOCS)
    case("StringLookup", {"output_mode": "tf_idf", "max_tokens": 10, "pad_to_max_tokens": True}, [QUERY], adapt=TOKEN_DOCS)
    case("StringLookup", {"output_mode": "tf_idf", "vocabulary": ["a", "b", "c"], "idf_weights": [0.5, 0.25, 2.0]},
         [S([["a", "c", "x", "x"], ["b", "b", "b", "a"]])])
    case("StringLookup", {"output_mode": "tf_idf"}, [S([["a", "c", "x"]])],
         set_vocab={"vocabulary": ["[UNK]", "a", "b", "c"], "idf_weights": [9.0, 0.5, 0.25, 2.0]})
    case("StringLookup", {"vocabulary": ["a", "b", "c"], "invert": True}, [np.array([[1, 2, 3], [0, 4, 1]])])
    case("StringLookup", {"vocabulary": ["a", "b", "c"], "invert": True, "mask_token": "[M]"}, [np.array([0, 1, 2, 3, 4, 9])])
    case("StringLookup", {"vocabulary": ["a", "b", "c"], "num_oov_indices": 0}, [S([["c", "a"], ["b", "b"]])])
    case("StringLookup", {"mask_token": "", "oov_token": "?"}, [S(["", "b", "new"])],
         set_vocab={"vocabulary": ["", "?", "b", "a"]})
    case("StringLookup", {"max_tokens": 3}, [S(["a", "b", "c"])], adapt=TOKENS)
    case("StringLookup", {}, [S(["a b", " x"])], adapt=S([["a b", "a b"], [" x", "y "]]))


INTS = [3, 1, 2, 3, 1, 5, 7, 2, 1, 3, 5, 7, 100, 42, -4]
INT_DOCS = np.array([[3, 1, 2], [3, 3, 5], [1, 7, 100], [5, 2, 1]])


def integer_lookup_cases():
    case("IntegerLookup", {}, [np.array([[3, 1, 9], [7, 100, -1]]), np.array([42, -4, 0])], adapt=INTS)
    case("IntegerLookup", {"mask_token": 0, "num_oov_indices": 2, "max_tokens": 6},
         [np.array([[0, 3, 8], [9, -7, 1]])], adapt=INTS)
    case("IntegerLookup", {"num_oov_indices": 3}, [np.array([10, 11, 12, 13, -14, 3])], adapt=INTS)
    case("IntegerLookup", {"num_oov_indices": 3, "oov_method": "farmhash"}, [np.array([10, 11, 12, 13, -14, 3])], adapt=INTS)
    case("IntegerLookup", {"num_oov_indices": 3, "oov_method": "farmhash", "salt": [5, 6]}, [np.array([10, 11, 12, 13, -14, 3])], adapt=INTS)
    case("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "output_mode": "one_hot"}, [np.array([12, 42, 7])])
    case("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "output_mode": "multi_hot", "mask_token": -1},
         [np.array([[12, -1, 7], [42, 42, 36]])])
    case("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "output_mode": "count", "max_tokens": 8, "pad_to_max_tokens": True},
         [np.array([[12, 12, 7], [1138, 42, 42]])])
    case("IntegerLookup", {"output_mode": "tf_idf"}, [np.array([[3, 1, 9], [5, 5, 100]])], adapt=INT_DOCS)
    case("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "invert": True}, [np.array([[1, 2, 0], [4, 3, 7]])])
    case("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "invert": True, "mask_token": 0}, [np.array([0, 1, 2, 5])])
    case("IntegerLookup", {"vocabulary": [12, 36], "num_oov_indices": 0}, [np.array([36, 12, 12])])
    case("IntegerLookup", {"max_tokens": 4, "oov_token": -99}, [np.array([3, 1, 2])], adapt=INTS)


SENTENCES = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "Café  CRÈME, s'il vous plaît?",
    "\tthe  cat\vand the\u00a0dog\n",
    "dog-eat-dog world... (really)",
    "日本語 テキスト 日本語",
    "",
]
QUERIES = ["the cat ate the dog", "an unseen sentence here", "Café crème!", "", "THE MAT the mat the MAT dog"]


def text_vectorization_cases():
    case("TextVectorization", {}, [S(QUERIES), S([[q] for q in QUERIES[:3]])], adapt=SENTENCES)
    case("TextVectorization", {"output_sequence_length": 4}, [S(QUERIES)], adapt=SENTENCES)
    case("TextVectorization", {"output_sequence_length": 9, "max_tokens": 7}, [S(QUERIES)], adapt=SENTENCES)
    case("TextVectorization", {"standardize": "lower", "split": "character", "max_tokens": 12}, [S(QUERIES[:3])], adapt=SENTENCES)
    case("TextVectorization", {"standardize": "strip_punctuation"}, [S(QUERIES)], adapt=SENTENCES)
    case("TextVectorization", {"standardize": None, "split": None, "output_mode": "multi_hot"},
         [S(["cat", "dog", "dog", "Cat"])], adapt=["dog", "cat", "dog", "bird", "cat", "Cat"])
    case("TextVectorization", {"standardize": None, "split": None}, [S([["dog"], ["fish"], [""]])], adapt=["dog", "cat", "dog"])
    case("TextVectorization", {"ngrams": 2, "output_mode": "count"}, [S(QUERIES)], adapt=SENTENCES)
    case("TextVectorization", {"ngrams": (1, 3), "max_tokens": 15}, [S(QUERIES)], adapt=SENTENCES)
    case("TextVectorization", {"ngrams": (2,)}, [S(QUERIES)], adapt=SENTENCES)
    case("TextVectorization", {"output_mode": "tf_idf"}, [S(QUERIES)], adapt=SENTENCES)
    case("TextVectorization", {"output_mode": "multi_hot", "max_tokens": 20, "pad_to_max_tokens": True}, [S(QUERIES)], adapt=SENTENCES)
    case("TextVectorization", {"output_mode": "one_hot", "split": None}, [S(["the cat", "dog", "nope"])], adapt=["the cat", "dog", "dog"])
    case("TextVectorization", {"vocabulary": ["the", "cat", "dog"], "output_sequence_length": 6}, [S(QUERIES)])
    case("TextVectorization", {"vocabulary": ["the", "cat", "dog"], "output_mode": "tf_idf", "idf_weights": [0.1, 1.5, 2.0]}, [S(QUERIES)])
    case("TextVectorization", {"standardize": lambda x: np.char.replace(x, "!", " bang "), "output_sequence_length": 5},
         [S(["wow! it works!", "no"])], adapt=["wow!", "it works!!", "no no"], callable_name="bang")
    case("TextVectorization", {"split": lambda x: tf.strings.split(x, sep=",")}, [S(["a,b,,c", "c,a"])],
         adapt=["a,b", "b,c,c", "c"], callable_name="comma")


def hashing_cases():
    strs = S(["hello", "world", "", "a" * 70, "日本", "the quick brown fox", "hello"])
    case("Hashing", {"num_bins": 3}, [strs, S([["a", "b"], ["c", "d"]])])
    case("Hashing", {"num_bins": 1000}, [strs])
    case("Hashing", {"num_bins": 5, "mask_value": ""}, [strs])
    case("Hashing", {"num_bins": 1}, [strs])
    case("Hashing", {"num_bins": 1, "mask_value": ""}, [strs])
    case("Hashing", {"num_bins": 100, "salt": 133}, [strs])
    case("Hashing", {"num_bins": 100, "salt": [133, 137]}, [strs])
    case("Hashing", {"num_bins": 7, "salt": 1, "mask_value": "world"}, [strs])
    ints = np.array([[0, 1, 2, 3], [-1, 42, 123456789012, -987654321]])
    case("Hashing", {"num_bins": 10}, [ints, np.array([5, 5, 6], dtype=np.int32)])
    case("Hashing", {"num_bins": 10, "mask_value": 0}, [ints])
    case("Hashing", {"num_bins": 10, "salt": [11, 12]}, [ints])
    case("Hashing", {"num_bins": 10}, [np.array([1.9, -2.7, 3.0], dtype=np.float32)])
    case("Hashing", {"num_bins": 4, "output_mode": "one_hot"}, [S(["a", "b", "c", "d"]), S([["a"], ["q"]])])
    case("Hashing", {"num_bins": 4, "output_mode": "multi_hot"}, [S([["a", "b", "b"], ["c", "d", "q"]]), S(["a", "b"])])
    case("Hashing", {"num_bins": 4, "output_mode": "count", "mask_value": "b"}, [S([["a", "b", "b"], ["c", "d", "c"]])])
    case("Hashing", {"num_bins": 6, "output_mode": "count"}, [np.array([[1, 2, 2, 3], [4, 4, 4, 4]])])


# ---------------------------------------------------------------- errors
ERRORS = []


def error(name, fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001  the class and message are the golden
        ERRORS.append({"name": name, "type": type(e).__name__, "message": str(e)})
        return
    ERRORS.append({"name": name, "type": None, "message": None})


def errors():
    error("hashing_num_bins_0", lambda: layers.Hashing(num_bins=0))
    error("hashing_bad_output_mode", lambda: layers.Hashing(num_bins=3, output_mode="tf_idf"))
    error("hashing_bad_salt", lambda: layers.Hashing(num_bins=3, salt=[1, 2, 3]))
    error("lookup_max_tokens_1", lambda: layers.StringLookup(max_tokens=1))
    error("lookup_negative_oov", lambda: layers.StringLookup(num_oov_indices=-1))
    error("lookup_pad_without_max", lambda: layers.StringLookup(pad_to_max_tokens=True))
    error("lookup_bad_output_mode", lambda: layers.StringLookup(output_mode="bogus"))
    error("lookup_invert_multi_hot", lambda: layers.StringLookup(invert=True, output_mode="multi_hot"))
    error("lookup_idf_not_tf_idf", lambda: layers.StringLookup(vocabulary=["a"], idf_weights=[1.0]))
    error("lookup_tf_idf_vocab_without_idf", lambda: layers.StringLookup(vocabulary=["a"], output_mode="tf_idf"))
    error("lookup_duplicates", lambda: layers.StringLookup(vocabulary=["a", "b", "a"]))
    error("lookup_mask_in_vocab", lambda: layers.StringLookup(vocabulary=["a", "[M]", "b"], mask_token="[M]"))
    error("lookup_oov_in_vocab_invert", lambda: layers.StringLookup(vocabulary=["a", "[UNK]", "b"], invert=True))
    error("lookup_oov_in_vocab", lambda: layers.StringLookup(vocabulary=["a", "[UNK]", "b"]))
    error("lookup_empty_vocab", lambda: layers.StringLookup(vocabulary=[]))
    error("lookup_vocab_over_max_tokens", lambda: layers.StringLookup(vocabulary=["a", "b", "c"], max_tokens=3))
    error("lookup_idf_length", lambda: layers.StringLookup(vocabulary=["a", "b"], output_mode="tf_idf", idf_weights=[1.0]))

    def adapt_after_vocab():
        layers.StringLookup(vocabulary=["a"]).adapt(["a", "b"])

    error("lookup_adapt_after_vocab", adapt_after_vocab)

    def call_without_vocab():
        layers.StringLookup(output_mode="multi_hot")(S(["a"]))

    error("lookup_multi_hot_without_vocab", call_without_vocab)

    def oov_without_oov_indices():
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(S(["a", "b"]))

    error("lookup_oov_with_zero_oov_indices", oov_without_oov_indices)

    def adapt_empty():
        layer = layers.StringLookup()
        layer.adapt(np.array([], dtype=object))
        ERRORS.append({"name": "lookup_adapt_empty_vocabulary", "type": None, "message": plain(layer.get_vocabulary())})

    error("lookup_adapt_empty", adapt_empty)

    def adapt_too_small():
        layer = layers.StringLookup(max_tokens=2, num_oov_indices=3)
        layer.adapt(["a", "b", "c", "d", "e"])
        ERRORS.append({"name": "lookup_adapt_max_tokens_below_reserved_vocabulary", "type": None, "message": plain(layer.get_vocabulary())})

    error("lookup_adapt_max_tokens_below_reserved", adapt_too_small)
    error("integer_lookup_bad_dtype", lambda: layers.IntegerLookup(vocabulary_dtype="int32"))
    error("integer_lookup_salt_floormod", lambda: layers.IntegerLookup(num_oov_indices=2, salt=3))
    error("integer_lookup_bad_oov_method", lambda: layers.IntegerLookup(oov_method="md5"))
    error("integer_lookup_mask_in_vocab", lambda: layers.IntegerLookup(vocabulary=[1, 0, 2], mask_token=0))
    error("text_seq_len_multi_hot", lambda: layers.TextVectorization(output_mode="multi_hot", output_sequence_length=3))
    error("text_bad_standardize", lambda: layers.TextVectorization(standardize="upper"))
    error("text_bad_split", lambda: layers.TextVectorization(split="comma"))
    error("text_bad_ngrams", lambda: layers.TextVectorization(ngrams=[1, 2]))
    error("text_max_tokens_1", lambda: layers.TextVectorization(max_tokens=1))

    def rank2_split():
        layers.TextVectorization(vocabulary=["a"])(S([["a b", "c"]]))

    error("text_rank2_not_1", rank2_split)


def names():
    keras.backend.clear_session()
    return [layers.Hashing(num_bins=2).name, layers.Hashing(num_bins=2).name, layers.StringLookup().name,
            layers.IntegerLookup().name, layers.TextVectorization().name, layers.TextVectorization().name]


hashing_cases()
string_lookup_cases()
integer_lookup_cases()
text_vectorization_cases()
errors()
result = {"hashes": hashes(), "cases": CASES, "errors": ERRORS, "names": names()}
with open(os.path.join(OUT, "layers_text.json"), "w") as f:
    json.dump(result, f, ensure_ascii=False, separators=(",", ":"))
print(f"{len(CASES)} cases, {len(ERRORS)} errors -> data/layers_text.json")
