//! The defaults on a double well with other coefficients than the paper's: the
//! reweighted P(x1 < 0) of n = 5000 samples, training included, against quadrature,
//! and the training's cost against the counted target.

use sampo_core::{Counted, EvalSource, Target};
use sampo_snf::SnfConfig;
use sampo_snf::plugin::training_cost;
use sampo_snf::sampler::{sample_flow, train_flow};
use sampo_targets::DoubleWell;

/// Self-normalized weights from log weights (max-shifted).
fn weights(log_w: &[f64]) -> Vec<f64> {
    let m = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = log_w.iter().map(|l| (l - m).exp()).collect();
    let s: f64 = w.iter().sum();
    w.into_iter().map(|v| v / s).collect()
}

#[test]
fn defaults_reweight_p_left_of_another_double_well_within_0_02() {
    // Left well deeper this time (a > 0), barrier lower than the paper's.
    let t = DoubleWell::with_coefficients(0.5, -4.0, 1.0).unwrap();
    let counted = Counted::new(&t);
    let cfg = SnfConfig::default();
    let (flow, cost) = train_flow(&counted, &cfg, 2024).unwrap();
    assert_eq!(cost, counted.counter().counts(), "training's reported cost");
    assert_eq!(cost, training_cost(&cfg, 2), "training's planned cost");
    let n = 5000;
    let (x, log_w, _) = sample_flow(&flow, &t, n, 7).unwrap();
    let w = weights(&log_w);
    let p: f64 = x
        .chunks_exact(2)
        .zip(&w)
        .filter(|(r, _)| r[0] < 0.0)
        .map(|(_, w)| w)
        .sum();
    let kish = 1.0 / w.iter().map(|v| v * v).sum::<f64>();
    let truth = t.prob_left();
    eprintln!("P(x1<0) = {p:.4} vs {truth:.4}; Kish ESS {kish:.0} of {n}");
    assert!((p - truth).abs() < 0.02, "{p} vs {truth} (ESS {kish})");
    assert!(x.iter().all(|v| v.is_finite()) && t.dim() == 2);
}
