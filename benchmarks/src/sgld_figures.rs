//! `sampo-bench figure sgld-mixture`: the Welling–Teh (2011, §5.1, their Figure 1)
//! mixture posterior, its exact density against SGLD's samples on the paper's
//! schedule, SGLD at a constant step, and MALA at the same number of data terms.
//!
//! The paper: batch size 1, ε decaying from 0.01 to 1e−4 over 10 000 sweeps with
//! γ = 0.55 (samplers-b §4.1). In our step convention h = ε/2 (docs/sgld.md), so
//! h₀ = 5e−3 and `h_t = h₀ (1 + t/b)^{−γ}` with b chosen so that h reaches 5e−5 at
//! the last of the 10⁶ steps: (1 + 10⁶/b)^{0.55} = 100, b = 10⁶/(100^{1/0.55} − 1).
//! One chain, as in the paper; the first tenth of the steps is warm-up, the rest is
//! thinned to 10 000 draws. The truth is the grid of [`sampo_targets::grid`].

use crate::BenchError;
use crate::figures::write_csv;
use crate::plots;
use sampo_core::{Counted, EvalSource, Kernel, Particles, RunConfig, Runner, Target};
use sampo_langevin::{DualAveraging, Mala, MalaConfig};
use sampo_sgld::{Schedule, Sgld, SgldConfig};
use sampo_targets::WellingTehMixture;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// The paper's data size and generating parameter.
const POINTS: usize = 100;
const THETA: [f64; 2] = [0.0, 1.0];
/// Seed of our draw of the data (the paper's were not published).
const DATA_SEED: u64 = 1;
/// Sweeps of the paper's run (batch 1: N steps each).
const SWEEPS: u64 = 10_000;
/// Draws kept per run, and exact draws for the comparison.
const DRAWS: u64 = 10_000;
/// Draws compared by exact W2 (the assignment is O(n³)).
const W2_N: usize = 2000;
const SEED: u64 = 7;

/// P(θ₂ > 0) (the mass of the mode near (0, 1)), means and sds of θ.
fn summary(p: &Particles) -> [f64; 5] {
    let n = p.len() as f64;
    let c0 = p.column(0);
    let c1 = p.column(1);
    let mean = |c: &[f64]| c.iter().sum::<f64>() / n;
    let sd =
        |c: &[f64], m: f64| (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let (m0, m1) = (mean(&c0), mean(&c1));
    [
        c1.iter().filter(|v| **v > 0.0).count() as f64 / n,
        m0,
        m1,
        sd(&c0, m0),
        sd(&c1, m1),
    ]
}

/// The Monte Carlo standard error of P(θ₂ > 0) from one chain: √(p(1 − p)/ESS), the
/// ESS of the indicator series by our own estimator.
fn mode_mcse(p: &Particles) -> f64 {
    let ind: Vec<f64> = p
        .column(1)
        .iter()
        .map(|v| f64::from(u8::from(*v > 0.0)))
        .collect();
    let m = ind.iter().sum::<f64>() / ind.len() as f64;
    let ess = sampo_metrics::ess::ess(&ind).max(1.0);
    (m * (1.0 - m) / ess).sqrt()
}

/// Every `stride`-th row, `W2_N` of them.
fn thinned(p: &Particles) -> Particles {
    let stride = (p.len() / W2_N).max(1);
    let rows: Vec<Vec<f64>> = (0..W2_N.min(p.len()))
        .map(|i| p.row(i * stride).to_vec())
        .collect();
    Particles::from_rows(&rows).expect("rows of one length")
}

struct Row {
    label: String,
    samples: Particles,
    data_terms: u64,
    wall_s: f64,
}

fn run_one<K: Kernel>(
    label: &str,
    kernel: &K,
    counter: &dyn EvalSource,
    steps: u64,
) -> Result<Row, BenchError> {
    let warmup = steps / 10;
    // MALA at these data terms has fewer steps than DRAWS: it keeps every step.
    let draws = DRAWS.min(steps - warmup);
    let thin = (steps - warmup) / draws;
    let mut rc = RunConfig::new(1, warmup, thin * draws, SEED);
    rc.thin = thin;
    let before = counter.counts();
    let t0 = Instant::now();
    let run = Runner::new(kernel, rc)?
        .count_with(counter)
        .run(&Particles::zeros(1, 2))?
        .finished()
        .expect("no observer");
    Ok(Row {
        label: label.into(),
        samples: run.samples,
        data_terms: counter.counts().data_terms - before.data_terms,
        wall_s: t0.elapsed().as_secs_f64(),
    })
}

/// `sampo-bench figure sgld-mixture`.
pub fn mixture(out: &Path) -> Result<(), BenchError> {
    let target = WellingTehMixture::generate(POINTS, THETA, DATA_SEED)?;
    let exact_sampler =
        target
            .exact_sampler()
            .ok_or_else(|| sampo_core::CoreError::Unsupported {
                reason: "the Welling–Teh posterior has no reference grid".into(),
            })?;
    let exact = exact_sampler.sample_exact_n(DRAWS as usize, SEED);
    // The truth's own Monte Carlo error is negligible at 200 000 grid draws.
    let truth = summary(&exact_sampler.sample_exact_n(200_000, SEED + 1));
    let counted = Counted::new(&target);
    let steps = SWEEPS * POINTS as u64;
    let b = steps as f64 / (100f64.powf(1.0 / 0.55) - 1.0);
    let paper = SgldConfig {
        schedule: Schedule::Polynomial { b, gamma: 0.55 },
        ..SgldConfig::new(5e-3, 1)
    };
    let mut rows = vec![run_one(
        "SGLD, the paper's schedule (n = 1)",
        &Sgld::new(&counted, paper)?,
        &counted,
        steps,
    )?];
    // A constant step at the same data terms: 10 points per batch, 10⁵ steps.
    rows.push(run_one(
        "SGLD, constant h = 1e-3 (n = 10)",
        &Sgld::new(&counted, SgldConfig::new(1e-3, 10))?,
        &counted,
        steps / 10,
    )?);
    // MALA with full gradients (N data terms each) at the same data terms.
    let mala = Mala::new(
        &counted,
        MalaConfig::new(0.05).with_adaptation(DualAveraging::default()),
    )?;
    rows.push(run_one(
        "MALA (adaptive step, full gradients)",
        &mala,
        &counted,
        steps / POINTS as u64,
    )?);
    let floor =
        sampo_metrics::noise_floor::noise_floor(exact_sampler, W2_N, 3, SEED + 2, |a, c| {
            sampo_metrics::ot::w2(a, c)
        })?;
    let exact_w2 = thinned(&exact);
    let mut csv =
        String::from("sampler,data_terms,wall_s,p_theta2_pos,mean0,mean1,sd0,sd1,w2,w2_floor\n");
    let mut md = format!(
        "Welling & Teh (2011) mixture posterior: N = {POINTS} points drawn at θ = (0, 1) (our draw, seed {DATA_SEED}); one chain per sampler from (0, 0), 10⁶ data terms each, the first tenth warm-up, {DRAWS} draws kept; W2 of {W2_N} thinned draws against {W2_N} exact (grid) draws, noise floor {:.3} ± {:.3}. Measured on the machine that ran the figure.\n\n\
         | sampler | data terms | wall s | P(θ₂ > 0) ± MCSE | mean θ | sd θ | W2 |\n|---|---|---|---|---|---|---|\n| exact (grid, 2·10⁵ draws) | — | — | {:.3} | ({:.3}, {:.3}) | ({:.3}, {:.3}) | {:.3} (floor) |\n",
        floor.mean, floor.sd, truth[0], truth[1], truth[2], truth[3], truth[4], floor.mean
    );
    let mut panels = vec![("exact (grid)".to_string(), exact.clone())];
    for r in &rows {
        let s = summary(&r.samples);
        let w2 = sampo_metrics::ot::w2(&thinned(&r.samples), &exact_w2)?;
        let se = mode_mcse(&r.samples);
        writeln!(
            csv,
            "{},{},{:.3},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4}",
            r.label, r.data_terms, r.wall_s, s[0], se, s[1], s[2], s[3], s[4], w2, floor.mean
        )
        .expect("write to String");
        writeln!(
            md,
            "| {} | {} | {:.2} | {:.3} ± {:.3} | ({:.3}, {:.3}) | ({:.3}, {:.3}) | {:.3} |",
            r.label, r.data_terms, r.wall_s, s[0], se, s[1], s[2], s[3], s[4], w2
        )
        .expect("write to String");
        panels.push((r.label.clone(), r.samples.clone()));
    }
    write_csv(&out.join("sgld-mixture.csv"), &csv)?;
    write_csv(&out.join("sgld-mixture.md"), &md)?;
    let refs: Vec<(String, &Particles)> = panels.iter().map(|(n, p)| (n.clone(), p)).collect();
    plots::scatter_over_density(
        &out.join("sgld-mixture-samples"),
        "Welling–Teh mixture posterior: 10⁴ draws each over the exact density",
        &target,
        &refs,
        plots::bounds(&exact),
    )?;
    print!("{md}");
    Ok(())
}

/// Points per shard of the non-IID experiment (samplers-b §4.3).
const SHARD_POINTS: usize = 500;
/// Chains, steps per chain and the step of `sgld-shards`. The informed direction of
/// the pooled posterior has precision ≈ 500 · 10 = 5000, and a shard's estimator
/// doubles it (f_s = ½): h = 5e−5 keeps h·λ ≤ 0.5 on a shard (samplers-b's suggested
/// ε = 1e−3, h = 5e−4, diverges here). The weak direction (precision ≈ 100) relaxes in
/// about 200 steps, so 20 000 steps are ~100 relaxation times; the step count is a
/// multiple of 2τ for every τ, so every chain ends after whole round-robin cycles.
const SHARD_CHAINS: usize = 500;
const SHARD_STEPS: u64 = 20_000;
const SHARD_STEP: f64 = 5e-5;
const SHARD_BATCH: usize = 50;

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

/// `sampo-bench figure sgld-shards`: DSGLD's delayed-communication bias on non-IID
/// shards and FSGLD's correction, Gaussian W2 of the chains' ensemble to the exact
/// posterior vs τ.
pub fn shards(out: &Path) -> Result<(), BenchError> {
    use rayon::prelude::*;
    use sampo_metrics::gaussian::{moments_divisor_n, w2_gaussians};
    let target = two_shard_regression()?;
    let post = target.posterior();
    let (mu, cov) = (post.mean().to_vec(), target.posterior_covariance().to_vec());
    // Chains start at the posterior mean: what is measured is where they go.
    let ensemble = |kernel: &(dyn Fn(usize) -> Result<Vec<f64>, BenchError> + Sync)| {
        let rows: Vec<Vec<f64>> = (0..SHARD_CHAINS)
            .into_par_iter()
            .map(kernel)
            .collect::<Result<_, _>>()?;
        Ok::<_, BenchError>(Particles::from_rows(&rows)?)
    };
    let chain = |k: &Sgld<&sampo_targets::LinearRegression>, c: usize| {
        let mut rng = sampo_core::rng::stream(SEED, c as u64);
        let (mut st, _) = k.init(&mu, &mut rng)?;
        for _ in 0..SHARD_STEPS {
            k.step(&(), &mut st, &mut rng)
                .map_err(|d| sampo_core::CoreError::Unsupported { reason: d.reason })?;
        }
        Ok(st.position().to_vec())
    };
    let w2_of = |p: &Particles| -> Result<f64, BenchError> {
        let (m, s) = moments_divisor_n(p);
        Ok(w2_gaussians(&m, &s, &mu, &cov)?)
    };
    // The noise floor: the same statistic on exact draws.
    let exact = sampo_core::ExactSampler::sample_exact_n(&target, SHARD_CHAINS, SEED + 1);
    let floor = w2_of(&exact)?;
    let sgld = Sgld::new(&target, SgldConfig::new(SHARD_STEP, SHARD_BATCH))?;
    let t0 = Instant::now();
    let base = w2_of(&ensemble(&|c| chain(&sgld, c))?)?;
    let base_s = t0.elapsed().as_secs_f64();
    // The three samplers at each τ: DSGLD, FSGLD with exact (Laplace) surrogates, and
    // FSGLD with surrogates from 2000 local SGLD steps per shard (Monte Carlo and
    // step-size error included).
    let moments = sampo_sgld::Surrogate::Moments {
        steps: 2000,
        precision: sampo_sgld::Precision::Full,
        variance_floor: 0.0,
    };
    let variants: [(&str, Option<sampo_sgld::Surrogate>); 3] = [
        ("DSGLD", None),
        ("FSGLD, Laplace", Some(sampo_sgld::Surrogate::default())),
        ("FSGLD, moments", Some(moments)),
    ];
    let mut csv = String::from("sampler,tau,w2,floor,wall_s,setup_terms\n");
    writeln!(csv, "sgld,0,{base:.5},{floor:.5},{base_s:.2},0").expect("write to String");
    let taus = [1u64, 10, 100, 1000];
    let mut rows = vec![Vec::new(); taus.len()];
    let mut setups = Vec::new();
    let mut series = Vec::new();
    for (color, (label, surrogate)) in variants.iter().enumerate() {
        let mut pts = Vec::new();
        let mut setup_terms = 0;
        for (row, &tau) in rows.iter_mut().zip(&taus) {
            let dsgld = sampo_sgld::DsgldConfig {
                step_size: SHARD_STEP,
                batch_size: SHARD_BATCH,
                shards: 2,
                local_steps: tau,
                ..sampo_sgld::DsgldConfig::default()
            };
            let t0 = Instant::now();
            let (w2, setup) = match surrogate {
                None => (w2_of(&ensemble(&|c| chain(&Sgld::dsgld(&target, dsgld.clone())?, c))?)?, 0),
                Some(q) => {
                    let counted = sampo_core::Counted::new(&target);
                    let config = sampo_sgld::FsgldConfig {
                        step_size: dsgld.step_size,
                        batch_size: dsgld.batch_size,
                        shards: dsgld.shards,
                        local_steps: tau,
                        visits: dsgld.visits,
                        schedule: dsgld.schedule,
                        surrogate: *q,
                    };
                    // The fit's data terms from a counted view (the fit is
                    // deterministic); the chains run on the target itself.
                    Sgld::fsgld(&counted, config.clone(), SEED)?;
                    let setup = sampo_core::EvalSource::counts(&counted).data_terms;
                    let k = Sgld::fsgld(&target, config, SEED)?;
                    (w2_of(&ensemble(&|c| chain(&k, c))?)?, setup)
                }
            };
            let s = t0.elapsed().as_secs_f64();
            setup_terms = setup;
            row.push(format!("{w2:.4} ({s:.1} s)"));
            writeln!(csv, "{label},{tau},{w2:.5},{floor:.5},{s:.2},{setup}")
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
        "DSGLD and FSGLD on non-IID shards (samplers-b §4.3): linear regression, 2 shards × {SHARD_POINTS} points, shard 1 informs θ₁ only, shard 2 θ₂ only; h = {SHARD_STEP}, batch {SHARD_BATCH}, round-robin, {SHARD_CHAINS} chains × {SHARD_STEPS} steps from the posterior mean; Gaussian W2 of the chains' ensemble to the exact posterior (wall time of the {SHARD_CHAINS} chains on this 2-core AMD EPYC sandbox). Exact draws: {floor:.4} (noise floor); SGLD on all the data at the same step: {base:.4} ({base_s:.1} s). Surrogate fits, data terms once per run (the chains spend {} per run): {}.\n\n| τ (local steps) | {} |\n|---|---|---|---|\n",
        SHARD_CHAINS as u64 * SHARD_STEPS * SHARD_BATCH as u64,
        setups.join("; "),
        variants.iter().map(|v| v.0).collect::<Vec<_>>().join(" | "),
    );
    for (tau, row) in taus.iter().zip(&rows) {
        writeln!(md, "| {tau} | {} |", row.join(" | ")).expect("write to String");
    }
    write_csv(&out.join("sgld-shards.csv"), &csv)?;
    write_csv(&out.join("sgld-shards.md"), &md)?;
    let flat = |y: f64| vec![(1.0, y), (1000.0, y)];
    let n = series.len();
    series.push(plots::Series {
        label: "SGLD, all data".into(),
        points: flat(base),
        err: Vec::new(),
        markers: false,
        color: n,
    });
    series.push(plots::Series {
        label: "exact draws (noise floor)".into(),
        points: flat(floor),
        err: Vec::new(),
        markers: false,
        color: n + 1,
    });
    plots::lines(
        &out.join("sgld-shards"),
        &plots::Axes {
            title: "DSGLD vs FSGLD on non-IID shards: W2 to the exact posterior vs local steps τ",
            x_label: "τ (local steps per visit)",
            y_label: "Gaussian W2",
            log_x: true,
        },
        &series,
    )?;
    print!("{md}");
    Ok(())
}
