use crate::*;
pub fn print_module(_m: &Module) -> String { String::new() }
