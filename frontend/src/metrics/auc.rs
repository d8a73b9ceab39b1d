//! `keras.metrics.AUC`: the area under the ROC or precision-recall curve, from
//! confusion counts accumulated at `num_thresholds` thresholds (a Riemann sum over the
//! thresholds; for PR with interpolation, Davis & Goadrich's interpolation, as Keras).
use super::confusion::{counts, evenly_distributed, Selection, Thresholds};
use super::{divide_no_nan as dnn, zeros_var, Assign, Metric, MetricImpl};
use crate::error::{unknown, Result};
use crate::ops::{self, EPSILON};
use crate::tensor::Tensor;
use crate::variable::Variable;

/// Which curve: ROC (x = false-positive rate, y = recall), PR (x = recall,
/// y = precision) or PR-gain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    Roc,
    Pr,
    PrGain,
}

/// How each rectangle's height is taken from the curve at its two ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Summation {
    /// The mean of the two (for PR: Davis & Goadrich's interpolation).
    Interpolation,
    /// The smaller.
    Minoring,
    /// The larger.
    Majoring,
}

const CURVES: &[(&[&str], Curve)] = &[(&["ROC", "roc"], Curve::Roc), (&["PR", "pr"], Curve::Pr), (&["PRGAIN", "prgain"], Curve::PrGain)];
const SUMMATIONS: &[(&[&str], Summation)] = &[
    (&["interpolation", "Interpolation"], Summation::Interpolation),
    (&["minoring", "Minoring"], Summation::Minoring),
    (&["majoring", "Majoring"], Summation::Majoring),
];

fn lookup<T: Copy>(table: &[(&[&str], T)], kind: &str, name: &str) -> Result<T> {
    table
        .iter()
        .find(|(n, _)| n.contains(&name))
        .map(|(_, v)| *v)
        .ok_or_else(|| unknown(kind, name, &table.iter().flat_map(|(n, _)| n.iter().copied()).collect::<Vec<_>>()))
}

impl Curve {
    /// `"ROC"`, `"PR"` or `"PRGAIN"` (either case).
    pub fn from_name(name: &str) -> Result<Curve> {
        lookup(CURVES, "AUC curve", name)
    }
}

impl Summation {
    /// `"interpolation"`, `"minoring"` or `"majoring"`.
    pub fn from_name(name: &str) -> Result<Summation> {
        lookup(SUMMATIONS, "AUC summation method", name)
    }
}

/// The arguments of `keras.metrics.AUC` (single-label).
#[derive(Clone, Debug)]
pub struct Auc {
    pub num_thresholds: usize,
    pub curve: Curve,
    pub summation_method: Summation,
    /// Explicit thresholds in [0, 1] (then `num_thresholds` is their number + 2).
    pub thresholds: Option<Vec<f64>>,
    /// `y_pred` holds logits: a sigmoid is applied first.
    pub from_logits: bool,
}

impl Default for Auc {
    fn default() -> Auc {
        Auc { num_thresholds: 200, curve: Curve::Roc, summation_method: Summation::Interpolation, thresholds: None, from_logits: false }
    }
}

impl Auc {
    pub fn new() -> Auc {
        Auc::default()
    }
    pub fn num_thresholds(mut self, n: usize) -> Self {
        self.num_thresholds = n;
        self
    }
    pub fn curve(mut self, c: Curve) -> Self {
        self.curve = c;
        self
    }
    pub fn summation_method(mut self, s: Summation) -> Self {
        self.summation_method = s;
        self
    }
    pub fn thresholds(mut self, t: &[f64]) -> Self {
        self.thresholds = Some(t.to_vec());
        self
    }
    pub fn from_logits(mut self, b: bool) -> Self {
        self.from_logits = b;
        self
    }

    /// The thresholds Keras uses: the inner ones (given, sorted, or evenly spaced),
    /// with -ε and 1+ε added at the ends so that every prediction in [0, 1] falls
    /// between the first and the last.
    fn thresholds_with_ends(&self) -> Result<Thresholds> {
        let (inner, evenly) = match &self.thresholds {
            Some(t) => {
                if let Some(bad) = t.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                    crate::bail!("AUC: threshold values must be in [0, 1], got {bad}");
                }
                let mut t = t.clone();
                t.sort_by(f64::total_cmp);
                let mut padded = vec![0.0];
                padded.extend(&t);
                padded.push(1.0);
                let evenly = evenly_distributed(&padded);
                (t, evenly)
            }
            None => {
                let n = self.num_thresholds;
                if n <= 1 {
                    crate::bail!("AUC: num_thresholds must be an integer > 1, got {n}");
                }
                ((0..n - 2).map(|i| (i + 1) as f64 / (n - 1) as f64).collect(), true)
            }
        };
        let mut values = vec![-EPSILON];
        values.extend(inner);
        values.push(1.0 + EPSILON);
        Ok(Thresholds { values, evenly })
    }

    pub fn build(self) -> Result<Metric> {
        let th = self.thresholds_with_ends()?;
        let n = th.len();
        let var = |v: &str| zeros_var("auc", v, &[n]);
        let state = AucState {
            th,
            curve: self.curve,
            summation: self.summation_method,
            from_logits: self.from_logits,
            tp: var("true_positives"),
            fp: var("false_positives"),
            tn: var("true_negatives"),
            fn_: var("false_negatives"),
        };
        Ok(Metric::new("auc", state))
    }
}

struct AucState {
    th: Thresholds,
    curve: Curve,
    summation: Summation,
    from_logits: bool,
    tp: Variable,
    fp: Variable,
    tn: Variable,
    fn_: Variable,
}

/// The confusion counts read back from the variables.
struct Read {
    tp: Vec<f64>,
    fp: Vec<f64>,
    tn: Vec<f64>,
    fn_: Vec<f64>,
}

/// Davis & Goadrich (2006): interpolate precision linearly in the number of positive
/// predictions between consecutive thresholds, and integrate that exactly.
fn interpolate_pr_auc(c: &Read) -> f64 {
    let n = c.tp.len();
    let p: Vec<f64> = c.tp.iter().zip(&c.fp).map(|(a, b)| a + b).collect();
    (0..n.saturating_sub(1))
        .map(|i| {
            let dtp = c.tp[i] - c.tp[i + 1];
            let dp = p[i] - p[i + 1];
            let slope = dnn(dtp, dp.max(0.0));
            let intercept = c.tp[i + 1] - slope * p[i + 1];
            let ratio = if p[i] > 0.0 && p[i + 1] > 0.0 { dnn(p[i], p[i + 1].max(0.0)) } else { 1.0 };
            dnn(slope * (dtp + intercept * ratio.ln()), (c.tp[i + 1] + c.fn_[i + 1]).max(0.0))
        })
        .sum()
}

fn area(c: &Read, curve: Curve, summation: Summation) -> f64 {
    if curve == Curve::Pr && summation == Summation::Interpolation {
        return interpolate_pr_auc(c);
    }
    let n = c.tp.len();
    let recall: Vec<f64> = (0..n).map(|i| dnn(c.tp[i], c.tp[i] + c.fn_[i])).collect();
    let (x, y): (Vec<f64>, Vec<f64>) = match curve {
        Curve::Roc => ((0..n).map(|i| dnn(c.fp[i], c.fp[i] + c.tn[i])).collect(), recall),
        Curve::Pr => (recall, (0..n).map(|i| dnn(c.tp[i], c.tp[i] + c.fp[i])).collect()),
        Curve::PrGain => {
            // Gains relative to the positive rate; recall gain is 0 and precision gain
            // 1 without true positives, and recall gain is clipped at 0 (Keras's fixes).
            let gain = |i: usize, wrong: f64| {
                let scale = dnn(c.tp[i] + c.fn_[i], c.tn[i] + c.fp[i]);
                1.0 - scale * dnn(wrong, c.tp[i])
            };
            (0..n).map(|i| if c.tp[i] == 0.0 { (0.0, 1.0) } else { (gain(i, c.fn_[i]).max(0.0), gain(i, c.fp[i])) }).unzip()
        }
    };
    (0..n.saturating_sub(1))
        .map(|i| {
            let h = match summation {
                Summation::Interpolation => (y[i] + y[i + 1]) / 2.0,
                Summation::Minoring => y[i].min(y[i + 1]),
                Summation::Majoring => y[i].max(y[i + 1]),
            };
            (x[i] - x[i + 1]) * h
        })
        .sum()
}

impl MetricImpl for AucState {
    fn variables(&self) -> Vec<Variable> {
        vec![self.tp.clone(), self.fp.clone(), self.tn.clone(), self.fn_.clone()]
    }
    fn update(&self, y_true: &Tensor, y_pred: &Tensor, sample_weight: Option<&Tensor>) -> Result<Vec<Assign>> {
        let p = if self.from_logits { ops::sigmoid(&ops::cast(y_pred, kc_ir::DType::F32)?)? } else { y_pred.clone() };
        let c = counts(&self.th, Selection::default(), y_true, &p, sample_weight)?;
        let add = |v: &Variable, d: &Tensor| -> Result<Assign> { Ok((v.clone(), ops::add(v.tensor(), d)?)) };
        Ok(vec![add(&self.tp, &c.tp)?, add(&self.fp, &c.fp)?, add(&self.tn, &c.tn)?, add(&self.fn_, &c.fn_)?])
    }
    fn result(&self) -> Result<Vec<f64>> {
        let read = |v: &Variable| v.value().to_f64_vec();
        let c = Read { tp: read(&self.tp), fp: read(&self.fp), tn: read(&self.tn), fn_: read(&self.fn_) };
        Ok(vec![area(&c, self.curve, self.summation)])
    }
}
