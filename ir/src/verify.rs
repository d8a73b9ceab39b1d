use crate::*;
pub fn verify_module(_m: &Module) -> Result<()> { Ok(()) }
