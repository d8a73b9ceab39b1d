//! `kc bench`: see `src/bench/`.
use crate::bench::{self, report, Options};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// A named model (`mlp`, `cnn`, `resnet-block`, `lstm`, `transformer-block`) or a .kir file (its `main` is run on random inputs).
    #[arg(long, default_value = "mlp")]
    pub model: String,
    /// Comma-separated lowerings: interp, xla, llvm, mlir, ptx (unavailable ones are
    /// listed with the reason).
    #[arg(long, default_value = "interp,xla")]
    pub lowering: String,
    /// Samples per step (symbolic dims of a .kir file get this size).
    #[arg(long, default_value_t = 128)]
    pub batch: usize,
    /// Timed steps.
    #[arg(long, default_value_t = 50)]
    pub steps: usize,
    /// Steps run before timing (the first includes tracing and compiling).
    #[arg(long, default_value_t = 3)]
    pub warmup: usize,
    /// `fit` (a training step) or `predict`.
    #[arg(long, default_value = "fit")]
    pub mode: String,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Print CSV instead of the table.
    #[arg(long)]
    pub csv: bool,
    /// Also draw the median (and p90) ms/step per lowering as bars into this .svg file.
    #[arg(long, value_name = "OUT.svg")]
    pub plot: Option<std::path::PathBuf>,
}

pub fn bench(a: &BenchArgs) -> Result<(), String> {
    let o = Options {
        model: a.model.clone(),
        lowerings: a.lowering.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        batch: a.batch,
        steps: a.steps,
        warmup: a.warmup,
        mode: a.mode.clone(),
    };
    if let Some(p) = &a.plot {
        if p.extension().and_then(|e| e.to_str()) != Some("svg") {
            return Err(format!("--plot {}: only .svg is supported (a PNG would need a font rasterizer)", p.display()));
        }
    }
    let rows = bench::run(&o).map_err(|e| e.to_string())?;
    if let Some(p) = &a.plot {
        bench::plot::write(p, &o, &rows)?;
    }
    if a.json {
        println!("{}", report::to_json(&o, &rows));
    } else if a.csv {
        print!("{}", report::to_csv(&o, &rows));
    } else {
        print!("{}", report::table(&o, &rows));
    }
    Ok(())
}
