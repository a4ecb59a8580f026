//! Mode weights on a mixture of two far-apart modes of unequal weight (0.25 and
//! 0.75, 16 standard deviations apart: no local move crosses between them). SMC's
//! weighted estimate of P(x₀ > 0) over independent replicates, and PT's over its
//! chains (MCSE from our own ESS), are within 4 SE of 0.75; a sampler that found
//! both modes but equalized them would be at 0.5, one stuck in a mode at 0 or 1.

mod common;

use common::{mean_se, run, stat, weighted_mean};
use sampo_core::plugin::AnyTarget;
use sampo_targets::GaussianMixture;

const RIGHT: f64 = 0.75;

fn far_modes() -> AnyTarget {
    let m = GaussianMixture::isotropic(
        vec![1.0 - RIGHT, RIGHT],
        vec![vec![-8.0, 0.0], vec![8.0, 0.0]],
        &[1.0, 1.0],
    )
    .unwrap();
    AnyTarget::Gradient(Box::new(m))
}

fn right(x: &[f64]) -> f64 {
    if x[0] > 0.0 { 1.0 } else { 0.0 }
}

#[test]
fn smc_weighs_far_apart_modes_correctly() {
    let t = far_modes();
    let est: Vec<f64> = (0..20)
        .map(|r| weighted_mean(&run("smc", "", &t, 1000, 300, 40 + r), right))
        .collect();
    let (m, se) = mean_se(&est);
    assert!((m - RIGHT).abs() < 4.0 * se, "P(right) = {m} ± {se}");
    assert!(se < 0.02, "no power: se {se}");
}

#[test]
fn ais_weighs_far_apart_modes_correctly() {
    let t = far_modes();
    let est: Vec<f64> = (0..20)
        .map(|r| weighted_mean(&run("ais", "", &t, 1000, 300, 40 + r), right))
        .collect();
    let (m, se) = mean_se(&est);
    assert!((m - RIGHT).abs() < 4.0 * se, "P(right) = {m} ± {se}");
    assert!(se < 0.02, "no power: se {se}");
}

#[test]
fn pt_weighs_far_apart_modes_correctly() {
    let t = far_modes();
    let run = run("pt", "", &t, 800, 2000, 9);
    let chains: Vec<Vec<f64>> = (0..run.chains)
        .map(|c| run.chain(c).chunks(2).map(right).collect())
        .collect();
    let (m, mcse) = sampo_metrics::ess::mcse_mean(&chains);
    assert!((m - RIGHT).abs() < 4.0 * mcse, "P(right) = {m} ± {mcse}");
    assert!(mcse < 0.03, "no power: MCSE {mcse}");
    assert!(
        stat(&run, "round_trips") > 0.0,
        "{:?}",
        run.diagnostics.stats
    );
    assert!(stat(&run, "swap_rate") > 0.3, "{:?}", run.diagnostics.stats);
}
