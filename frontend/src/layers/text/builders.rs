//! The builder methods StringLookup and IntegerLookup share (Keras's constructor
//! arguments that do not depend on the token type); each re-checks the arguments.
macro_rules! lookup_builders {
    ($ty:ident) => {
        impl $ty {
            /// Keras's `name=`.
            pub fn name(mut self, n: &str) -> $ty {
                self.core.name = n.to_string();
                self
            }
            /// The layer's name.
            pub fn layer_name(&self) -> &str {
                &self.core.name
            }
            /// The vocabulary's largest size, reserved indices included (`None`: no limit).
            pub fn max_tokens(mut self, n: i64) -> $ty {
                self.core.max_tokens = Some(n);
                self.core.reconfigure();
                self
            }
            /// How many OOV indices (1 by default); unknown tokens are hashed among several.
            pub fn num_oov_indices(mut self, n: i64) -> $ty {
                self.core.num_oov_indices = n;
                self.core.reconfigure();
                self
            }
            /// `"int"` (default), `"one_hot"`, `"multi_hot"`, `"count"` or `"tf_idf"`.
            pub fn output_mode(mut self, m: &str) -> $ty {
                self.core.output_mode = m.to_string();
                self.core.reconfigure();
                self
            }
            /// Map indices back to tokens.
            pub fn invert(mut self, on: bool) -> $ty {
                self.core.invert = on;
                self.core.reconfigure();
                self
            }
            /// Give non-`int` outputs `max_tokens` bins whatever the vocabulary's size.
            pub fn pad_to_max_tokens(mut self, on: bool) -> $ty {
                self.core.pad_to_max_tokens = on;
                self.core.reconfigure();
                self
            }
            /// The tf-idf weights of the given vocabulary (`output_mode="tf_idf"`).
            pub fn idf_weights(mut self, w: &[f64]) -> $ty {
                self.core.idf_weights = Some(w.to_vec());
                self.core.reconfigure();
                self
            }
            /// Hash OOV tokens with SipHash keyed by `[s, s]` instead of FarmHash.
            pub fn salt(mut self, s: i64) -> $ty {
                self.core.salt = Some(vec![s, s]);
                self.core.reconfigure();
                self
            }
            /// Hash OOV tokens with SipHash keyed by `[a, b]`.
            pub fn salt_pair(mut self, a: i64, b: i64) -> $ty {
                self.core.salt = Some(vec![a, b]);
                self.core.reconfigure();
                self
            }
            /// Keras's `vocabulary_size()`: tokens plus reserved indices.
            pub fn vocabulary_size(&self) -> usize {
                self.core.vocabulary_size()
            }
            /// The tf-idf weights by index (Keras's `idf_weights`), once known.
            pub fn get_idf_weights(&self) -> Option<Vec<f32>> {
                self.core.idf().map(<[f32]>::to_vec)
            }
            /// Keras's constructor checks, for calling before first use.
            pub fn check(&self) -> $crate::error::Result<()> {
                self.core.ready().map(|_| ())
            }
        }
    };
}
