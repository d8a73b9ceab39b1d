use crate::*;
pub fn infer(_op: OpKind, _operands: &[TensorType], _attrs: &Attrs, declared: &[TensorType], _regions: &[Region]) -> Result<Vec<TensorType>> { Ok(declared.to_vec()) }
