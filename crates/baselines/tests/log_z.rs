//! SMC and AIS estimate log Z: on a Gaussian and on a two-mode mixture with a known
//! constant, over R independent replicates,
//!
//! - Ẑ is unbiased: `|mean(Ẑ/Z) − 1| < 4 SE` (Ẑ/Z has mean 1 exactly);
//! - log Ẑ is within 4 SE of log Z (its bias, about −Var/2, is far below the SE);
//! - where a run reports a standard error (AIS; SMC with multinomial resampling), it
//!   agrees with the spread over replicates: `|sd / mean(se) − 1| < 4 / √(2(R − 1))`
//!   (the relative standard error of a sample standard deviation from R draws);
//!   SMC with systematic resampling reports none (see `sampo_baselines::smc`).

mod common;

use common::{Shifted, mean_se, run, sd, stat};
use sampo_core::plugin::AnyTarget;
use sampo_targets::{Covariance, Gaussian, GaussianMixture};

/// Replicates per case.
const R: usize = 40;

fn gaussian() -> AnyTarget {
    let g = Gaussian::new(
        vec![1.0, -2.0, 0.5],
        Covariance::Diagonal(vec![0.5, 2.0, 1.0]),
    )
    .unwrap();
    AnyTarget::Gradient(Box::new(Shifted { inner: g, c: 3.7 }))
}

fn mixture() -> AnyTarget {
    let m = GaussianMixture::isotropic(
        vec![0.3, 0.7],
        vec![vec![-4.0, 0.0], vec![4.0, 2.0]],
        &[0.7, 0.7],
    )
    .unwrap();
    AnyTarget::Gradient(Box::new(Shifted { inner: m, c: -1.3 }))
}

fn check(kind: &str, set: &str, target: &AnyTarget, log_z: f64, n: usize, budget: u64) {
    let mut est = Vec::new();
    let mut ses = Vec::new();
    for r in 0..R {
        let run = run(kind, set, target, n, budget, 100 + r as u64);
        est.push(stat(&run, "log_z"));
        ses.extend(run.diagnostics.stats.get("log_z_se").copied());
    }
    let ratio: Vec<f64> = est.iter().map(|l| (l - log_z).exp()).collect();
    let (mz, sez) = mean_se(&ratio);
    assert!(
        (mz - 1.0).abs() < 4.0 * sez,
        "{kind}: mean Ẑ/Z = {mz} ± {sez}"
    );
    let (ml, sel) = mean_se(&est);
    assert!(
        (ml - log_z).abs() < 4.0 * sel,
        "{kind}: mean log Ẑ = {ml} ± {sel}, log Z = {log_z}"
    );
    if ses.is_empty() {
        return;
    }
    assert_eq!(ses.len(), R, "{kind}: a standard error in some runs only");
    let spread = sd(&est);
    let reported = ses.iter().sum::<f64>() / R as f64;
    let tol = 4.0 / (2.0 * (R as f64 - 1.0)).sqrt();
    assert!(
        (spread / reported - 1.0).abs() < tol,
        "{kind}: replicate sd {spread} vs reported se {reported} (tolerance ±{tol:.2})"
    );
}

#[test]
fn smc_log_z_on_a_gaussian() {
    check("smc", "", &gaussian(), 3.7, 500, 200);
    let run = run("smc", "", &gaussian(), 100, 50, 1);
    assert!(!run.diagnostics.stats.contains_key("log_z_se"));
}

#[test]
fn smc_with_multinomial_resampling_log_z_on_a_gaussian() {
    check(
        "smc",
        "resampling = \"multinomial\"",
        &gaussian(),
        3.7,
        500,
        200,
    );
}

#[test]
fn smc_log_z_on_a_two_mode_mixture() {
    check("smc", "", &mixture(), -1.3, 500, 200);
}

#[test]
fn smc_with_multinomial_resampling_log_z_on_a_two_mode_mixture() {
    check(
        "smc",
        "resampling = \"multinomial\"",
        &mixture(),
        -1.3,
        500,
        200,
    );
}

#[test]
fn ais_log_z_on_a_gaussian() {
    check("ais", "", &gaussian(), 3.7, 500, 200);
}

#[test]
fn ais_log_z_on_a_two_mode_mixture() {
    check("ais", "", &mixture(), -1.3, 500, 200);
}
