//! `kc opt`: run a pass pipeline with MLIR-style instrumentation flags.
use super::{load_with_source, located};
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
    /// Print the statistics passes recorded (`cse.merged`, `canonicalize.add-zero`, ...).
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
    let (mut module, src) = load_with_source(file)?;
    run_pipeline(&mut module, &args.passes, args).map_err(|e| located(e, file, &src))?;
    print!("{}", kc_ir::print_module(&module));
    Ok(())
}

/// Run `passes` on `module` with the instrumentation `args` asks for, the interpreter as
/// the constant evaluator (so `canonicalize` folds), and the log printed to stderr.
pub fn run_pipeline(module: &mut kc_ir::Module, passes: &str, args: &OptArgs) -> Result<(), kc_ir::Error> {
    let pipeline = Pipeline::parse(passes)?.with_evaluator(kc_runtime::fold::evaluator());
    let inst = Instrumentation {
        verify_each: !args.no_verify,
        print_before: args.print_before.clone(),
        print_after: args.print_after.clone(),
        print_after_all: args.print_after_all,
        print_after_change: args.print_after_change,
        timing: args.timing,
        reproducer_dir: args.reproducer_dir.clone(),
    };
    let report = pipeline.run(module, &inst)?;
    eprint!("{}", report.log);
    if args.stats {
        eprintln!("// ----- pass statistics -----");
        for (key, n) in &report.stats {
            eprintln!("//   {n:>8}  {key}");
        }
    }
    Ok(())
}
