//! `kc opt`: run a pass pipeline with MLIR-style instrumentation flags.
use super::load_module;
use kc_compiler::{Instrumentation, Pipeline};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Default)]
pub struct OptArgs {
    /// The pipeline: comma-separated passes, options as `name{key=value}` (see `kc passes`).
    #[arg(long)]
    pub passes: String,
    /// Print the IR before this pass (repeatable), to stderr.
    #[arg(long, value_name = "PASS")]
    pub print_before: Vec<String>,
    /// Print the IR after this pass (repeatable), to stderr.
    #[arg(long, value_name = "PASS")]
    pub print_after: Vec<String>,
    /// Print the IR after every pass.
    #[arg(long)]
    pub print_after_all: bool,
    /// Print the IR after every pass that changed it.
    #[arg(long)]
    pub print_after_change: bool,
    /// Print a table of the time each pass took.
    #[arg(long)]
    pub timing: bool,
    /// Print the statistics the passes recorded (`fuse.fusions`, `memory.peak-bytes`, ...).
    #[arg(long)]
    pub stats: bool,
    /// Do not verify the IR after each pass (verifying is the default).
    #[arg(long)]
    pub no_verify: bool,
    /// Where a failing pass's input IR is saved (default: the temp directory).
    #[arg(long, value_name = "DIR")]
    pub reproducer_dir: Option<PathBuf>,
}

pub fn opt(file: &Path, args: &OptArgs) -> Result<(), String> {
    let mut module = load_module(file)?;
    run_pipeline(&mut module, &args.passes, args)?;
    print!("{}", kc_ir::print_module(&module));
    Ok(())
}

pub fn run_pipeline(module: &mut kc_ir::Module, passes: &str, args: &OptArgs) -> Result<(), String> {
    let pipeline = Pipeline::parse(passes).map_err(|e| e.to_string())?;
    let inst = Instrumentation {
        verify_each: !args.no_verify,
        print_before: args.print_before.clone(),
        print_after: args.print_after.clone(),
        print_after_all: args.print_after_all,
        print_after_change: args.print_after_change,
        timing: args.timing,
        reproducer_dir: args.reproducer_dir.clone(),
    };
    let report = pipeline.run(module, &inst).map_err(|e| e.to_string())?;
    eprint!("{}", report.log);
    if args.stats {
        eprintln!("// ----- pass statistics -----");
        for (k, v) in &report.stats {
            eprintln!("//   {k} = {v}");
        }
    }
    Ok(())
}
