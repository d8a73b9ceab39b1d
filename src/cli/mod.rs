//! The `kc` command line. Every subcommand returns `Result<(), String>`; `main` prints the
//! error to stderr and exits non-zero, so bad input never panics.
mod bench;
mod dump;
pub mod inputs;
mod mem;
mod opt;
mod run;
mod show;

use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(
    name = "kc",
    version,
    about = "kc: a Keras-style deep-learning framework on its own graph compiler",
    long_about = "kc: a Keras-style deep-learning framework on its own graph compiler.\n\n\
        Programs are `.kir` files: modules of functions over typed tensors \
        (see docs/ir.md for every op). `kc dump-ir` checks and prints one; \
        `kc run` executes a function on the reference interpreter.",
    after_help = "Examples:\n  kc dump-ir model.kir\n  kc dump-ir model.kir --format dot -o model.svg\n  \
        kc dump-ir model.kir --format stablehlo --bind N=128\n  \
        kc run model.kir --input x=images.npy --input w='[[1.0, 2.0]]' --save out/\n  \
        kc mem model.kir --bind N=128 --passes fuse"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and verify a .kir file, then print it (as .kir, JSON, a Graphviz graph, or
    /// one function lowered to StableHLO).
    DumpIr {
        /// The .kir file to read.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Kir)]
        format: Format,
        /// With `--format stablehlo`: the function to lower (default: `main`, or the only
        /// function).
        #[arg(long)]
        func: Option<String>,
        /// With `--format stablehlo`: a size for a symbolic dim, `SYMBOL=SIZE`
        /// (repeatable); StableHLO needs static shapes.
        #[arg(long = "bind", short = 'b', value_name = "SYMBOL=SIZE")]
        binds: Vec<String>,
        /// Run this pass pipeline first (as `kc opt --passes`).
        #[arg(long)]
        passes: Option<String>,
        /// Write to this file instead of stdout. With `--format dot` and a `.svg`, `.png`
        /// or `.pdf` name, the graph is rendered by Graphviz's `dot` if it is installed.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Run a pass pipeline on a .kir file and print the result, like `mlir-opt`.
    Opt {
        /// The .kir file to read.
        file: PathBuf,
        #[command(flatten)]
        opts: opt::OptArgs,
    },
    /// List the passes `--passes` accepts.
    Passes,
    /// Benchmark a model on each lowering: compile time, ms/step (median, p90),
    /// throughput, GFLOP/s, peak RSS and the difference from the interpreter.
    Bench(bench::BenchArgs),
    /// Print a function's memory plan: each value's size, arena offset and live steps,
    /// and the peak, arena and naive (no reuse) bytes.
    Mem {
        /// The .kir file to read.
        file: PathBuf,
        /// The function to plan (default: `main`, or the only function).
        #[arg(long)]
        func: Option<String>,
        /// A size for a symbolic dim, `SYMBOL=SIZE` (repeatable): `--bind N=128`.
        #[arg(long = "bind", short = 'b', value_name = "SYMBOL=SIZE")]
        binds: Vec<String>,
        /// Run this pass pipeline first (e.g. `fuse`, to see what fusion saves).
        #[arg(long)]
        passes: Option<String>,
    },
    /// Run a function of a .kir file on the reference interpreter and print its results.
    Run {
        /// The .kir file to read.
        file: PathBuf,
        /// The function to run (default: `main`, or the only function).
        #[arg(long)]
        func: Option<String>,
        /// An argument, `NAME=VALUE`, one per parameter. VALUE is a `.npy` file, an IDX file
        /// (the MNIST format, uncompressed) or an inline JSON list such as `[[1, 2], [3, 4]]`,
        /// converted to the parameter's dtype.
        #[arg(long = "input", short = 'i', value_name = "NAME=VALUE")]
        inputs: Vec<String>,
        /// Also save each result as DIR/<name>.npy.
        #[arg(long, value_name = "DIR")]
        save: Option<PathBuf>,
        /// Names for the results, comma separated (default: result0, result1, ...).
        #[arg(long, value_delimiter = ',')]
        names: Vec<String>,
        /// Print at most this many elements of each result (0: only the type).
        #[arg(long, default_value_t = 64)]
        max_elements: usize,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Kir,
    Json,
    Dot,
    /// StableHLO MLIR text, as given to the XLA PJRT plugin.
    Stablehlo,
}

/// Run the command line; returns the process exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    let result = match cli.command {
        Command::DumpIr { file, format, func, binds, passes, output } => {
            dump::dump_ir(&file, format, &dump::Lower { func: func.as_deref(), binds: &binds }, passes.as_deref(), output.as_deref())
        }
        Command::Opt { file, opts } => opt::opt(&file, &opts),
        Command::Passes => {
            for p in kc_compiler::registry::PASSES {
                println!("{:<16} {}", p.name, p.summary);
            }
            Ok(())
        }
        Command::Bench(args) => bench::bench(&args),
        Command::Mem { file, func, binds, passes } => mem::mem(&file, func.as_deref(), &binds, passes.as_deref()),
        Command::Run { file, func, inputs, save, names, max_elements } => {
            run::run(&file, func.as_deref(), &inputs, save.as_deref(), &names, max_elements)
        }
    };
    match result {
        Ok(()) => 0,
        Err(msg) => {
            eprintln!("error: {msg}");
            1
        }
    }
}

/// Read, parse and verify a .kir file; errors carry file:line:col and the offending text.
pub fn load_module(path: &Path) -> Result<kc_ir::Module, String> {
    load_with_source(path).map(|(m, _)| m)
}

/// [`load_module`], also returning the text, so that later errors (a pass's) can point into it.
pub fn load_with_source(path: &Path) -> Result<(kc_ir::Module, String), String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let src = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("{name}:{line}: the file is not valid UTF-8 (byte offset {at})")
    })?;
    let module = kc_ir::parse_module(&src, &name).map_err(|e| e.to_string())?;
    kc_ir::verify_module(&module).map_err(|e| e.with_source(&name, &src).to_string())?;
    Ok((module, src))
}

/// An error about `file`'s contents: with file:line:col and the offending line when the
/// error has a location (a pass error about a parsed op), as it is otherwise.
pub fn located(e: kc_ir::Error, file: &Path, src: &str) -> String {
    if e.loc.is_some() {
        e.with_source(&file.display().to_string(), src).to_string()
    } else {
        e.to_string()
    }
}
