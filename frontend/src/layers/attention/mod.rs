//! The attention layers: `MultiHeadAttention` (`multi_head`), `GroupedQueryAttention`
//! (`grouped_query`), `Attention` (`dot_product`), `AdditiveAttention` (`additive`), and
//! `EinsumDense` (`einsum_dense`), the projection the multi-head layers are made of.
//! `heads` holds what the two multi-head layers share (arguments, masks, the attention of
//! projected heads), `scored` what `Attention` and `AdditiveAttention` share.
mod additive;
mod dot_product;
mod einsum_dense;
mod grouped_query;
mod heads;
mod multi_head;
mod scored;

pub use additive::AdditiveAttention;
pub use dot_product::Attention;
pub use einsum_dense::{EinsumDense, PartialShape};
pub use grouped_query::GroupedQueryAttention;
pub use multi_head::MultiHeadAttention;
