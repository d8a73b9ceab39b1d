//! reference interpreter
