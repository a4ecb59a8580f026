//! The non-IID shard experiments of samplers-b §4.3: DSGLD's delayed-communication
//! bias and FSGLD's correction, as the Gaussian W2 of an ensemble of independent
//! chains to the posterior, against the local steps per visit τ.
//!
//! - `sampo-bench figure sgld-shards`: a linear regression whose two shards each
//!   inform one direction; the posterior is exact and the Laplace surrogates are too.
//! - `sampo-bench figure sgld-logistic`: a logistic regression on label-skewed shards
//!   (80 % of each label on its own shard); the Laplace surrogates are approximate and
//!   the reference moments come from MALA on all the data.
//!
//! Every sampler runs `CHAINS` chains of `STEPS` steps from the reference mean (what is
//! measured is where the chains go), round-robin visits, the same step and batch. The
//! step count is a multiple of 2τ for every τ, so every chain ends after whole
//! round-robin cycles.

use crate::BenchError;
use crate::figures::write_csv;
use crate::plots;
use rayon::prelude::*;
use sampo_core::{Counted, EvalSource, FiniteSumTarget, Kernel, Particles};
use sampo_metrics::gaussian::{moments_divisor_n, w2_gaussians};
use sampo_sgld::{Center, DsgldConfig, FsgldConfig, Precision, Sgld, SgldConfig, Surrogate};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

const SEED: u64 = 7;
/// Chains per ensemble and steps per chain (module docs).
const CHAINS: usize = 500;
const STEPS: u64 = 20_000;
const TAUS: [u64; 4] = [1, 10, 100, 1000];
/// Minibatch size on a shard (samplers-b §4.3: 50 of 500).
const BATCH: usize = 50;

/// One experiment: the target, the reference moments and their noise floor (the same
/// statistic on independent reference draws), and the step.
struct Experiment<'a, T> {
    name: &'a str,
    about: String,
    target: &'a T,
    mean: Vec<f64>,
    cov: Vec<f64>,
    floor: f64,
    step: f64,
}

/// The samplers at each τ: DSGLD; FSGLD with Laplace surrogates at the local MAPs
/// (the paper's) and at the global MAP (the default); FSGLD with surrogates from 2000
/// local SGLD steps per shard (their Monte Carlo and step-size error included).
fn variants() -> [(&'static str, Option<Surrogate>); 4] {
    [
        ("DSGLD", None),
        (
            "FSGLD, Laplace at the local MAPs",
            Some(Surrogate::Laplace {
                center: Center::LocalMap,
                precision: Precision::Full,
                variance_floor: 0.0,
            }),
        ),
        (
            "FSGLD, Laplace at the global MAP (default)",
            Some(Surrogate::default()),
        ),
        (
            "FSGLD, moments",
            Some(Surrogate::Moments {
                steps: 2000,
                precision: Precision::Full,
                variance_floor: 0.0,
            }),
        ),
    ]
}

fn w2_of(p: &Particles, mean: &[f64], cov: &[f64]) -> Result<f64, BenchError> {
    let (m, s) = moments_divisor_n(p);
    Ok(w2_gaussians(&m, &s, mean, cov)?)
}

/// The final positions of `CHAINS` chains of `k` (streams (SEED, c)) from `x0`.
fn ensemble<T: FiniteSumTarget + Sync>(k: &Sgld<T>, x0: &[f64]) -> Result<Particles, BenchError> {
    let rows: Vec<Vec<f64>> = (0..CHAINS)
        .into_par_iter()
        .map(|c| {
            let mut rng = sampo_core::rng::stream(SEED, c as u64);
            let (mut st, _) = k.init(x0, &mut rng)?;
            for _ in 0..STEPS {
                k.step(&(), &mut st, &mut rng)
                    .map_err(|d| sampo_core::CoreError::Unsupported { reason: d.reason })?;
            }
            Ok::<_, BenchError>(st.position().to_vec())
        })
        .collect::<Result<_, _>>()?;
    Ok(Particles::from_rows(&rows)?)
}

/// Runs the sweep, writes `<name>.{csv,md,png,svg}` and prints the table.
fn sweep<T: FiniteSumTarget + Sync>(e: &Experiment<'_, T>, out: &Path) -> Result<(), BenchError> {
    let (mean, cov) = (&e.mean, &e.cov);
    let sgld = Sgld::new(e.target, SgldConfig::new(e.step, BATCH))?;
    let t0 = Instant::now();
    let base = w2_of(&ensemble(&sgld, mean)?, mean, cov)?;
    let base_s = t0.elapsed().as_secs_f64();
    let mut csv = String::from("sampler,tau,w2,floor,wall_s,setup_terms\n");
    writeln!(csv, "sgld,0,{base:.5},{:.5},{base_s:.2},0", e.floor).expect("write to String");
    let mut rows = vec![Vec::new(); TAUS.len()];
    let (mut setups, mut series) = (Vec::new(), Vec::new());
    for (color, (label, surrogate)) in variants().iter().enumerate() {
        let mut pts = Vec::new();
        let mut setup_terms = 0;
        for (row, &tau) in rows.iter_mut().zip(&TAUS) {
            let dsgld = DsgldConfig {
                step_size: e.step,
                batch_size: BATCH,
                shards: 2,
                local_steps: tau,
                ..DsgldConfig::default()
            };
            let t0 = Instant::now();
            let samples = match surrogate {
                None => ensemble(&Sgld::dsgld(e.target, dsgld)?, mean)?,
                Some(q) => {
                    let config = FsgldConfig {
                        step_size: dsgld.step_size,
                        batch_size: dsgld.batch_size,
                        schedule: dsgld.schedule,
                        shards: dsgld.shards,
                        local_steps: tau,
                        visits: dsgld.visits,
                        surrogate: *q,
                    };
                    // The fit's data terms from a counted view (the fit is
                    // deterministic); the chains run on the target itself.
                    let counted = Counted::new(e.target);
                    Sgld::fsgld(&counted, config.clone(), SEED)?;
                    setup_terms = counted.counts().data_terms;
                    ensemble(&Sgld::fsgld(e.target, config, SEED)?, mean)?
                }
            };
            let w2 = w2_of(&samples, mean, cov)?;
            let s = t0.elapsed().as_secs_f64();
            row.push(format!("{w2:.4} ({s:.1} s)"));
            writeln!(
                csv,
                "{label},{tau},{w2:.5},{:.5},{s:.2},{setup_terms}",
                e.floor
            )
            .expect("write to String");
            pts.push((tau as f64, w2));
        }
        setups.push(format!("{label}: {setup_terms}"));
        series.push(plots::Series {
            label: (*label).into(),
            points: pts,
            err: Vec::new(),
            markers: true,
            color,
        });
    }
    let mut md = format!(
        "{} Step h = {}, batch {BATCH}, 2 shards, round-robin visits, {CHAINS} chains × {STEPS} steps from the reference mean; Gaussian W2 of the chains' ensemble to the reference (wall time of the {CHAINS} chains on this 2-core AMD EPYC sandbox). Reference draws: {:.4} (noise floor); SGLD on all the data at the same step: {base:.4} ({base_s:.1} s). Surrogate fits, data terms once per run (the chains spend {} per run): {}.\n\n| τ (local steps) | {} |\n|{}\n",
        e.about,
        e.step,
        e.floor,
        CHAINS as u64 * STEPS * BATCH as u64,
        setups.join("; "),
        variants().map(|v| v.0).join(" | "),
        "---|".repeat(variants().len() + 1),
    );
    for (tau, row) in TAUS.iter().zip(&rows) {
        writeln!(md, "| {tau} | {} |", row.join(" | ")).expect("write to String");
    }
    write_csv(&out.join(format!("{}.csv", e.name)), &csv)?;
    write_csv(&out.join(format!("{}.md", e.name)), &md)?;
    let flat = |y: f64| vec![(1.0, y), (1000.0, y)];
    let n = series.len();
    for (i, (label, y)) in [
        ("SGLD, all data", base),
        ("reference draws (noise floor)", e.floor),
    ]
    .into_iter()
    .enumerate()
    {
        series.push(plots::Series {
            label: label.into(),
            points: flat(y),
            err: Vec::new(),
            markers: false,
            color: n + i,
        });
    }
    let title = format!(
        "DSGLD vs FSGLD on non-IID shards ({}): W2 to the posterior vs local steps τ",
        e.name
    );
    plots::lines(
        &out.join(e.name),
        &plots::Axes {
            title: &title,
            x_label: "τ (local steps per visit)",
            y_label: "Gaussian W2",
            log_x: true,
        },
        &series,
    )?;
    print!("{md}");
    Ok(())
}

/// Points per shard of the linear experiment (samplers-b §4.3).
const SHARD_POINTS: usize = 500;

/// The two-shard regression: θ ∈ R², prior N(0, 10 I), y = aᵀθ + N(0, 1); shard 1
/// has a ~ N(0, diag(10, 0.1)), shard 2 a ~ N(0, diag(0.1, 10)) (each informs one
/// direction), θ* from the prior; streams (3, 0) for the data, (3, 1) for θ*.
fn two_shard_regression() -> Result<sampo_targets::LinearRegression, BenchError> {
    use sampo_core::rng::{standard_normal, stream};
    let mut r = stream(3, 1);
    let truth = [
        10f64.sqrt() * standard_normal(&mut r),
        10f64.sqrt() * standard_normal(&mut r),
    ];
    let mut r = stream(3, 0);
    let (mut rows, mut y) = (Vec::new(), Vec::new());
    for var in [[10.0f64, 0.1], [0.1, 10.0]] {
        for _ in 0..SHARD_POINTS {
            let a = [
                var[0].sqrt() * standard_normal(&mut r),
                var[1].sqrt() * standard_normal(&mut r),
            ];
            y.push(a[0] * truth[0] + a[1] * truth[1] + standard_normal(&mut r));
            rows.push(a.to_vec());
        }
    }
    Ok(sampo_targets::LinearRegression::new(
        sampo_targets::Design::new(&rows, &y)?,
        1.0,
        10f64.sqrt(),
    )?)
}

/// `sampo-bench figure sgld-shards`. The informed direction of the pooled posterior
/// has precision ≈ 500 · 10 = 5000, and a shard's estimator doubles it (f_s = ½):
/// h = 5e−5 keeps h·λ ≤ 0.5 on a shard (samplers-b's suggested ε = 1e−3, h = 5e−4,
/// diverges here). The weak direction (precision ≈ 100) relaxes in about 200 steps, so
/// 20 000 steps are ~100 relaxation times.
pub fn linear(out: &Path) -> Result<(), BenchError> {
    let target = two_shard_regression()?;
    let mean = target.posterior().mean().to_vec();
    let cov = target.posterior_covariance().to_vec();
    let exact = sampo_core::ExactSampler::sample_exact_n(&target, CHAINS, SEED + 1);
    let floor = w2_of(&exact, &mean, &cov)?;
    sweep(
        &Experiment {
            name: "sgld-shards",
            about: format!(
                "Non-IID shards (samplers-b §4.3): linear regression, 2 shards × {SHARD_POINTS} points, shard 1 informs θ₁ only, shard 2 θ₂ only; the exact posterior (Laplace surrogates are exact)."
            ),
            target: &target,
            mean,
            cov,
            floor,
            step: 5e-5,
        },
        out,
    )
}

/// Points and coefficients of the logistic experiment: an intercept and three N(0, 1)
/// features, θ* = (0, 1.5, −1, 0.75) (a zero intercept: both labels about equally
/// common), prior N(0, 5² I).
const LOGISTIC_POINTS: usize = 2000;
const LOGISTIC_THETA: [f64; 4] = [0.0, 1.5, -1.0, 0.75];
const LOGISTIC_PRIOR_STD: f64 = 5.0;
/// The share of each label's points placed on "its" shard (zeros on shard 1, ones on
/// shard 2): the usual label-skew split of federated-learning benchmarks. With the
/// data fully sorted by label, a shard holds one label only and its local posterior is
/// bounded in the intercept by the prior share alone: far from Gaussian, so no
/// Gaussian surrogate describes it (measured: FSGLD then only halves DSGLD's error).
const LABEL_SKEW: f64 = 0.8;

/// The logistic regression on label-skewed shards: the data ordered as 80 % of the
/// zeros, 20 % of the ones, the other zeros, the other ones, and cut into two
/// contiguous halves; stream (4, 0) for the data. Returns the target and the fraction
/// of ones in each half.
fn label_skewed_logistic() -> Result<(sampo_targets::LogisticRegression, [f64; 2]), BenchError> {
    use sampo_core::rng::{standard_normal, stream, uniform};
    let mut r = stream(4, 0);
    let (mut zeros, mut ones) = (Vec::new(), Vec::new());
    for _ in 0..LOGISTIC_POINTS {
        let mut a = vec![1.0];
        a.extend((0..3).map(|_| standard_normal(&mut r)));
        let z: f64 = a.iter().zip(&LOGISTIC_THETA).map(|(x, t)| x * t).sum();
        if uniform(&mut r) < sampo_targets::logistic_regression::sigmoid(z) {
            ones.push(a);
        } else {
            zeros.push(a);
        }
    }
    let cut = |v: &[Vec<f64>]| (LABEL_SKEW * v.len() as f64).round() as usize;
    let (kz, ko) = (cut(&zeros), cut(&ones));
    let (mut rows, mut y) = (Vec::new(), Vec::new());
    for (part, label) in [
        (&zeros[..kz], 0.0),
        (&ones[ko..], 1.0),
        (&zeros[kz..], 0.0),
        (&ones[..ko], 1.0),
    ] {
        rows.extend(part.iter().cloned());
        y.extend(std::iter::repeat_n(label, part.len()));
    }
    let half = LOGISTIC_POINTS / 2;
    let ones_in = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let skew = [ones_in(&y[..half]), ones_in(&y[half..])];
    let target = sampo_targets::LogisticRegression::new(
        sampo_targets::Design::new(&rows, &y)?,
        LOGISTIC_PRIOR_STD,
    )?;
    Ok((target, skew))
}

/// Reference chains: MALA on all the data (step adapted in warm-up), `REF_CHAINS` ×
/// `REF_DRAWS` draws after `REF_WARMUP` steps; the moments of every draw, and the floor
/// from `CHAINS` of them, one per chain from its last step (independent draws).
const REF_CHAINS: usize = 500;
const REF_WARMUP: u64 = 1000;
const REF_DRAWS: u64 = 2000;

/// `sampo-bench figure sgld-logistic`. The posterior precision is ≈ 400 per direction
/// (N = 2000 points, σ(1 − σ) ≈ 0.2) and a label-pure shard's estimator doubles its
/// own part: h = 2e−4 keeps h·λ ≲ 0.2. 20 000 steps are ≳ 100 relaxation times of the
/// weakest direction.
pub fn logistic(out: &Path) -> Result<(), BenchError> {
    use sampo_core::{RunConfig, Runner};
    use sampo_langevin::{DualAveraging, Mala, MalaConfig};
    let (target, skew) = label_skewed_logistic()?;
    let mala = Mala::new(
        &target,
        MalaConfig::new(1e-3).with_adaptation(DualAveraging::default()),
    )?;
    let t0 = Instant::now();
    let reference = Runner::new(
        &mala,
        RunConfig::new(REF_CHAINS, REF_WARMUP, REF_DRAWS, SEED),
    )?
    .run(&Particles::zeros(REF_CHAINS, 4))?
    .finished()
    .expect("no observer");
    let ref_s = t0.elapsed().as_secs_f64();
    let (mean, cov) = moments_divisor_n(&reference.samples);
    // Chain-major draws: row c·REF_DRAWS + REF_DRAWS − 1 is chain c's last.
    let last: Vec<Vec<f64>> = (0..CHAINS)
        .map(|c| {
            reference
                .samples
                .row(c * REF_DRAWS as usize + REF_DRAWS as usize - 1)
                .to_vec()
        })
        .collect();
    let floor = w2_of(&Particles::from_rows(&last)?, &mean, &cov)?;
    sweep(
        &Experiment {
            name: "sgld-logistic",
            about: format!(
                "Label-skewed shards (samplers-b §4.3, the FSGLD paper's non-IID splits): Bayesian logistic regression, {LOGISTIC_POINTS} points, an intercept and 3 N(0, 1) features, θ* = {LOGISTIC_THETA:?}, prior N(0, {LOGISTIC_PRIOR_STD}² I), split {LABEL_SKEW} / {:.1} by label into 2 shards (fraction of ones {:.2} and {:.2}): the Laplace surrogates are approximate. Reference: MALA on all the data, {REF_CHAINS} chains × {REF_DRAWS} draws after {REF_WARMUP} adapted warm-up steps (acceptance {:.2}, {ref_s:.1} s).",
                1.0 - LABEL_SKEW,
                skew[0],
                skew[1],
                {
                    let a = &reference.diagnostics.chain_acceptance;
                    a.iter().sum::<f64>() / a.len().max(1) as f64
                },
            ),
            target: &target,
            mean,
            cov,
            floor,
            step: 2e-4,
        },
        out,
    )
}
