//! Keras's approximate quantiles for `Discretization.adapt`, step by step as Keras
//! computes them with NumPy (so the learned boundaries are Keras's, not merely close): a
//! batch is summarized by every `step`-th sorted value weighted `step`, summaries are
//! merged and compressed by interpolating the cumulative weights at multiples of
//! `epsilon`, and the boundaries are the compressed summary at multiples of
//! `1 / num_bins`. Float32 where NumPy keeps float32, float64 where it computes in it.

/// Values (sorted) and their weights.
#[derive(Clone, Debug, Default)]
pub(super) struct Summary {
    values: Vec<f32>,
    weights: Vec<f32>,
}

/// Keras's `summarize(values, epsilon)`.
pub(super) fn summarize(values: &[f32], epsilon: f64) -> Summary {
    let mut sorted = values.to_vec();
    sorted.sort_by(f32::total_cmp);
    // NumPy puts NaN last (total_cmp puts negative NaN first): move them to the end
    sorted.sort_by_key(|v| v.is_nan());
    let n = sorted.len() as f64;
    let step = (n / (1.0 / epsilon)).max(1.0);
    let start = (step - 1.0) as usize;
    let stride = step as usize;
    let picked: Vec<f32> = sorted.iter().skip(start).step_by(stride.max(1)).copied().collect();
    Summary { weights: vec![step as f32; picked.len()], values: picked }
}

/// Keras's `merge_summaries(new, old, epsilon)`: both, ordered by value (a stable order
/// for equal values; NumPy's quicksort may order ties otherwise), then compressed.
pub(super) fn merge(new: Summary, old: &Summary, epsilon: f64) -> Summary {
    let mut pairs: Vec<(f32, f32)> = new.values.into_iter().zip(new.weights).chain(old.values.iter().copied().zip(old.weights.iter().copied())).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    pairs.sort_by_key(|p| p.0.is_nan());
    let (values, weights) = pairs.into_iter().unzip();
    compress(Summary { values, weights }, epsilon)
}

/// Keras's `get_bin_boundaries(summary, num_bins)`: all but the last value of the
/// summary compressed to `1 / num_bins`.
pub(super) fn bin_boundaries(summary: &Summary, num_bins: usize) -> Vec<f32> {
    let mut v = compress(summary.clone(), 1.0 / num_bins as f64).values;
    v.pop();
    v
}

/// Keras's `compress_summary`: unchanged when it has fewer than `1 / epsilon` entries,
/// otherwise the values and cumulative weights interpolated at `epsilon, 2 epsilon, ...`.
fn compress(s: Summary, epsilon: f64) -> Summary {
    if (s.values.len() as f64) * epsilon < 1.0 {
        return s;
    }
    // np.arange(0.0, 1.0, epsilon): ceil(1 / epsilon) points i * epsilon
    let count = (1.0 / epsilon).ceil() as usize;
    let percents: Vec<f64> = (0..count).map(|i| epsilon + i as f64 * epsilon).collect();
    let mut cum = Vec::with_capacity(s.weights.len());
    let mut acc = 0f32;
    for w in &s.weights {
        acc += w;
        cum.push(acc);
    }
    let last = *cum.last().unwrap_or(&1.0);
    let pct: Vec<f64> = cum.iter().map(|c| (c / last) as f64).collect();
    let vals: Vec<f64> = s.values.iter().map(|&v| v as f64).collect();
    let cum64: Vec<f64> = cum.iter().map(|&c| c as f64).collect();
    let new_bins: Vec<f64> = percents.iter().map(|&p| interp(p, &pct, &vals)).collect();
    let new_cum: Vec<f64> = percents.iter().map(|&p| interp(p, &pct, &cum64)).collect();
    let weights = (0..new_cum.len()).map(|i| (new_cum[i] - if i == 0 { 0.0 } else { new_cum[i - 1] }) as f32).collect();
    Summary { values: new_bins.iter().map(|&v| v as f32).collect(), weights }
}

/// `np.interp(x, xp, fp)` for increasing `xp`: the ends clamp, an exact hit returns
/// its value, otherwise NumPy's slope form.
fn interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if x.is_nan() {
        return x;
    }
    if x < xp[0] {
        return fp[0];
    }
    if x > xp[n - 1] {
        return fp[n - 1];
    }
    // the last j with xp[j] <= x
    let j = xp.partition_point(|&v| v <= x) - 1;
    if j == n - 1 || xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let r = slope * (x - xp[j]) + fp[j];
    if r.is_nan() {
        let r2 = slope * (x - xp[j + 1]) + fp[j + 1];
        if r2.is_nan() && fp[j] == fp[j + 1] {
            return fp[j];
        }
        return r2;
    }
    r
}
