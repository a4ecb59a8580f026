//! `sampo-bench quick`: the interim main job. Runs ULA and MALA on a few presets
//! and compares their moments with exact samples of the target.
//!
//! This is a smoke-level benchmark until the metrics crate's W2/KL and the suite
//! runner land: it reports mean and covariance errors with their Monte Carlo
//! context, evaluations and wall time, one Markdown row per (target, sampler).

use crate::{BenchError, spec};
use sampo_core::{Counted, EvalSource, Particles, RunConfig, Runner, Target};

/// Targets and per-target step sizes of the quick job. Steps are a fraction of the
/// smallest mode scale (8 Gaussians: std 0.84; funnel neck: std e^{-3·3/2}…; many-well
/// wells: curvature ≈ 24 near x1 = ±1.7, so h ≲ 2/24).
const CASES: &[(&str, f64)] = &[
    ("8-gaussians", 0.1),
    ("gmm40-fab", 0.2),
    ("funnel", 0.02),
    ("many-well-32", 0.02),
];

/// Runs the quick job and prints a Markdown table.
pub fn run(seed: u64) -> Result<(), BenchError> {
    println!("Quick job: 64 chains × (500 warm-up + 2000 draws), seed {seed}; chains start");
    println!("at N(0, I) draws. Exact reference: 20000 i.i.d. draws of the target.");
    println!();
    println!(
        "| target | sampler | step | grad evals | wall s | ‖mean − exact‖ | ‖cov − exact‖_F / ‖exact‖_F | accept |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for &(name, h) in CASES {
        let target = Counted::new(spec::target(name)?);
        let d = target.dim();
        let exact = target
            .exact_sampler()
            .map(|e| e.sample_exact_n(20_000, seed.wrapping_add(1)));
        let mut init = Particles::zeros(64, d);
        let mut r = sampo_core::rng::stream(seed, u64::MAX);
        sampo_core::rng::fill_standard_normal(&mut r, init.as_mut_slice());
        for sampler in ["ula", "mala"] {
            target.reset();
            let kernel = spec::sampler(sampler, Some(h))?.build(&target)?;
            let out = Runner::new(&kernel, RunConfig::new(64, 500, 2000, seed))?
                .count_with(&target)
                .run(&init)?;
            let run = out.finished().expect("no observer stops the quick job");
            let (dm, dc) = match &exact {
                Some(ex) => moment_errors(&run.samples, ex),
                None => (f64::NAN, f64::NAN),
            };
            let acc = run.diagnostics.chain_acceptance.iter().sum::<f64>()
                / run.diagnostics.chain_acceptance.len().max(1) as f64;
            println!(
                "| {name} | {sampler} | {h} | {} | {:.2} | {} | {} | {} |",
                target.counts().gradient,
                run.wall_time_secs,
                fmt(dm),
                fmt(dc),
                if sampler == "mala" {
                    format!("{acc:.3}")
                } else {
                    "–".into()
                },
            );
        }
    }
    Ok(())
}

fn fmt(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        "n/a".into()
    }
}

/// Euclidean distance between means and relative Frobenius distance of covariances.
fn moment_errors(a: &Particles, b: &Particles) -> (f64, f64) {
    let (ma, mb) = (a.mean(), b.mean());
    let dm = ma
        .iter()
        .zip(&mb)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt();
    let (ca, cb) = (a.covariance(), b.covariance());
    let num = ca
        .iter()
        .zip(&cb)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt();
    let den = cb.iter().map(|y| y * y).sum::<f64>().sqrt();
    (dm, num / den)
}
