//! The `kc` command: see `kc --help`.
fn main() {
    std::process::exit(kc::cli::main(std::env::args_os()));
}
