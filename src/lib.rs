//! kc facade
