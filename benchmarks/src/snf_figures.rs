//! `sampo-bench figure snf-double-well`: the SNF paper's double-well table (Wu, Köhler
//! & Noé 2020, anchor A1 of samplers-b.md §2.6) with our flows, beside the paper's
//! numbers.
//!
//! **Protocol** (the paper's, except where said). Training data: a random-walk
//! Metropolis chain on the double well (σ = 1.5, 100 000 steps from (−2, 0), every
//! 10th state: 10 000 points). Models: RNVP (3 transforms of two couplings, hidden
//! [64, 64]), RNVP + MC (Metropolis blocks K = 20, σ = 0.25 on u_λ), RNVP + adaptive
//! MC (learned widths), each trained `TRAININGS` times (seeds 1..) with Adam 5·10⁻³,
//! batch 128, 300 ML then 300 mixed iterations; and the training-free SNF (10
//! annealed Metropolis blocks), which needs no training and no data. For each model,
//! `REPEATS` times: draw `SAMPLES` samples, histogram x₁ on 30 bins of [−3, 3],
//! `F = −ln p̂` unweighted and reweighted, each min-subtracted over the bins with
//! centres in (−2.25, 2.25), against the exact `F(x₁) = E(x₁)` (min-subtracted).
//! bias = |mean over bins of (F_true − mean over repeats)|, unc = mean over bins of
//! the sd over repeats; the table gives √(bias² + unc²) as mean ± sd over trainings.
//! **Ours:** 10 000 samples per repeat instead of the paper's 100 000 (the 5-minute
//! budget on 2 cores); the RMS error over bins; ΔF = F_left − F_right (split 0) from
//! the reweighted samples against the quadrature's 1.69 kT; Kish ESS/N; the cost.

use crate::BenchError;
use crate::figures::write_csv;
use crate::plots::{self, Axes, Series};
use rayon::prelude::*;
use sampo_core::rng::{standard_normal, stream, uniform};
use sampo_core::{Counted, EvalCounts, EvalSource, Target};
use sampo_metrics::free_energy::profile_1d;
use sampo_snf::sampler::sample_flow;
use sampo_snf::{AnnealConfig, BlockConfig, BlockKind, Snf, SnfConfig};
use sampo_targets::DoubleWell;
use std::fmt::Write as _;
use std::path::Path;

/// Independent trainings per method (the paper's 10).
const TRAININGS: usize = 10;
/// Sample sets per model (the paper's 20).
const REPEATS: usize = 20;
/// Samples per set (paper: 100 000; see the module docs).
const SAMPLES: usize = 10_000;
/// Histogram bins on [−3, 3] and the evaluation window (paper: |x₁| < 2.25).
const BINS: usize = 30;
const RANGE: (f64, f64) = (-3.0, 3.0);
const WINDOW: f64 = 2.25;

/// The paper's table rows: (√(b²+u²) unweighted, reweighted) mean ± sd.
const PAPER: [(&str, [f64; 4]); 3] = [
    ("RNVP", [1.44, 0.53, 1.15, 0.41]),
    ("RNVP+MC", [1.51, 0.19, 0.63, 0.11]),
    ("RNVP+adaptive MC", [0.97, 0.18, 0.42, 0.05]),
];

/// The paper's training data: RWM σ = 1.5, 10⁵ steps from (−2, 0), every 10th.
fn metropolis_data(t: &DoubleWell, seed: u64) -> Vec<f64> {
    let mut rng = stream(seed, 0);
    let (mut x, mut lp) = ([-2.0, 0.0], t.log_density(&[-2.0, 0.0]));
    let mut out = Vec::with_capacity(20_000);
    for step in 1..=100_000 {
        let y = [
            x[0] + 1.5 * standard_normal(&mut rng),
            x[1] + 1.5 * standard_normal(&mut rng),
        ];
        let ly = t.log_density(&y);
        if uniform(&mut rng).ln() < ly - lp {
            (x, lp) = (y, ly);
        }
        if step % 10 == 0 {
            out.extend_from_slice(&x);
        }
    }
    out
}

/// One model's numbers.
struct Scores {
    /// √(b²+u²) unweighted and reweighted, RMS error reweighted.
    unw: f64,
    rew: f64,
    rms_rew: f64,
    delta_f: f64,
    ess: f64,
    /// Mean reweighted profile over repeats (window bins).
    profile: Vec<f64>,
    train_cost: EvalCounts,
    sample_cost: EvalCounts,
}

fn window_bins() -> (Vec<f64>, Vec<usize>) {
    let w = (RANGE.1 - RANGE.0) / BINS as f64;
    let centers: Vec<f64> = (0..BINS).map(|b| RANGE.0 + (b as f64 + 0.5) * w).collect();
    let idx = (0..BINS).filter(|&b| centers[b].abs() < WINDOW).collect();
    (centers, idx)
}

fn min_subtracted(v: &[f64]) -> Vec<f64> {
    let m = v
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold(f64::INFINITY, f64::min);
    v.iter().map(|x| x - m).collect()
}

fn score(flow: &Snf, t: &DoubleWell, seed: u64) -> Result<Scores, BenchError> {
    let (centers, idx) = window_bins();
    let truth = min_subtracted(
        &idx.iter()
            .map(|&b| t.x1().energy(centers[b]))
            .collect::<Vec<_>>(),
    );
    let mut curves = [Vec::new(), Vec::new()];
    let (mut df, mut ess, mut cost) = (0.0, 0.0, EvalCounts::ZERO);
    for r in 0..REPEATS {
        let (x, lw, c) = sample_flow(flow, t, SAMPLES, seed ^ (r as u64 + 1) << 20)
            .map_err(sampo_core::CoreError::from)?;
        cost += c;
        let x1: Vec<f64> = x.chunks_exact(2).map(|r| r[0]).collect();
        for (k, w) in [None, Some(lw.as_slice())].into_iter().enumerate() {
            let p = profile_1d(&x1, w, BINS, RANGE)?;
            curves[k].push(min_subtracted(
                &idx.iter().map(|&b| p.free_energy[b]).collect::<Vec<_>>(),
            ));
        }
        df += sampo_metrics::free_energy::delta_f(&x1, Some(&lw), 0.0)? / REPEATS as f64;
        ess += sampo_metrics::ess::kish_ess(&lw) / (SAMPLES * REPEATS) as f64;
    }
    let stats = |cs: &[Vec<f64>]| {
        // Bins empty in any repeat are dropped (the paper's rule: −ln 0 = ∞).
        let ok: Vec<usize> = (0..idx.len())
            .filter(|&b| cs.iter().all(|c| c[b].is_finite()))
            .collect();
        let mean: Vec<f64> = ok
            .iter()
            .map(|&b| cs.iter().map(|c| c[b]).sum::<f64>() / cs.len() as f64)
            .collect();
        let bias = (ok
            .iter()
            .zip(&mean)
            .map(|(&b, m)| truth[b] - m)
            .sum::<f64>()
            / ok.len() as f64)
            .abs();
        let unc = ok
            .iter()
            .zip(&mean)
            .map(|(&b, m)| {
                (cs.iter().map(|c| (c[b] - m).powi(2)).sum::<f64>() / (cs.len() - 1) as f64).sqrt()
            })
            .sum::<f64>()
            / ok.len() as f64;
        let rms = (ok
            .iter()
            .zip(&mean)
            .map(|(&b, m)| (truth[b] - m).powi(2))
            .sum::<f64>()
            / ok.len() as f64)
            .sqrt();
        let full: Vec<f64> = (0..idx.len())
            .map(|b| cs.iter().map(|c| c[b]).sum::<f64>() / cs.len() as f64)
            .collect();
        ((bias * bias + unc * unc).sqrt(), rms, full)
    };
    let (unw, _, _) = stats(&curves[0]);
    let (rew, rms_rew, profile) = stats(&curves[1]);
    Ok(Scores {
        unw,
        rew,
        rms_rew,
        delta_f: df,
        ess,
        profile,
        train_cost: EvalCounts::ZERO,
        sample_cost: EvalCounts {
            density: cost.density / (SAMPLES * REPEATS) as u64,
            gradient: cost.gradient / (SAMPLES * REPEATS) as u64,
            data_terms: 0,
        },
    })
}

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let s = if v.len() > 1 {
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
    } else {
        0.0
    };
    (m, s)
}

/// The figure (module docs).
pub fn double_well(out: &Path) -> Result<(), BenchError> {
    let t = DoubleWell::new();
    let data = metropolis_data(&t, 1);
    let methods: [(&str, BlockConfig); 3] = [
        (
            "RNVP",
            BlockConfig {
                kind: BlockKind::None,
                ..BlockConfig::default()
            },
        ),
        ("RNVP+MC", BlockConfig::default()),
        (
            "RNVP+adaptive MC",
            BlockConfig {
                learned_widths: true,
                sigma: 0.05,
                ..BlockConfig::default()
            },
        ),
    ];
    let jobs: Vec<(usize, usize)> = (0..methods.len())
        .flat_map(|m| (0..TRAININGS).map(move |k| (m, k)))
        .collect();
    let results: Vec<Result<Scores, BenchError>> = jobs
        .par_iter()
        .map(|&(m, k)| {
            let cfg = SnfConfig {
                blocks: methods[m].1.clone(),
                ..SnfConfig::default()
            };
            let counted = Counted::new(&t);
            let mut flow = Snf::build(2, &cfg.flow, &cfg.blocks, 1 + k as u64);
            flow.train(
                &counted,
                &cfg.train,
                Some(&data),
                77 + k as u64,
                &mut |_: &_| true,
            )
            .map_err(sampo_core::CoreError::from)?;
            let mut s = score(&flow, &t, 1000 + k as u64)?;
            s.train_cost = counted.counter().counts();
            Ok(s)
        })
        .collect();
    let mut per_method: Vec<Vec<Scores>> = (0..methods.len()).map(|_| Vec::new()).collect();
    for ((m, _), r) in jobs.iter().zip(results) {
        per_method[*m].push(r?);
    }
    let free = score(&Snf::annealed(2, &AnnealConfig::default()), &t, 5)?;
    let exact_df = t.delta_f();
    let mut md = format!(
        "SNF paper, double well (A1): free-energy error √(bias² + unc²) of x₁ over {TRAININGS} trainings, \
         {REPEATS} × {SAMPLES} samples each (paper: 20 × 100 000); exact ΔF = {exact_df:.3} kT\n\n\
         | model | unweighted (ours) | reweighted (ours) | paper unweighted | paper reweighted | RMS rew (ours) | ΔF rew (ours) | Kish ESS/N | training evals (grad + density) | evals per sample (grad + density) |\n\
         |---|---|---|---|---|---|---|---|---|---|\n"
    );
    let mut csv = String::from(
        "model,unw_mean,unw_sd,rew_mean,rew_sd,rms_rew,delta_f_mean,delta_f_sd,ess_per_n,train_grad,train_density,sample_grad,sample_density\n",
    );
    let mut series = Vec::new();
    let (centers, idx) = window_bins();
    let xs: Vec<f64> = idx.iter().map(|&b| centers[b]).collect();
    let truth = min_subtracted(&xs.iter().map(|&x| t.x1().energy(x)).collect::<Vec<_>>());
    series.push(Series {
        label: "exact".into(),
        points: xs.iter().copied().zip(truth.iter().copied()).collect(),
        err: Vec::new(),
        markers: false,
        color: 0,
    });
    for (m, (name, _)) in methods.iter().enumerate() {
        let s = &per_method[m];
        let col = |f: fn(&Scores) -> f64| mean_sd(&s.iter().map(f).collect::<Vec<_>>());
        let (u, us) = col(|s| s.unw);
        let (r, rs) = col(|s| s.rew);
        let (rms, _) = col(|s| s.rms_rew);
        let (df, dfs) = col(|s| s.delta_f);
        let (ess, _) = col(|s| s.ess);
        let p = PAPER[m].1;
        let (tc, sc) = (s[0].train_cost, s[0].sample_cost);
        writeln!(
            md,
            "| {name} | {u:.2} ± {us:.2} | {r:.2} ± {rs:.2} | {:.2} ± {:.2} | {:.2} ± {:.2} | {rms:.2} | {df:.3} ± {dfs:.3} | {ess:.3} | {} + {} | {} + {} |",
            p[0], p[1], p[2], p[3], tc.gradient, tc.density, sc.gradient, sc.density
        )
        .ok();
        writeln!(
            csv,
            "{name},{u},{us},{r},{rs},{rms},{df},{dfs},{ess},{},{},{},{}",
            tc.gradient, tc.density, sc.gradient, sc.density
        )
        .ok();
        let n = s.len() as f64;
        let mean_profile: Vec<f64> = (0..xs.len())
            .map(|b| s.iter().map(|v| v.profile[b]).sum::<f64>() / n)
            .collect();
        series.push(Series {
            label: format!("{name} (reweighted)"),
            points: xs
                .iter()
                .copied()
                .zip(mean_profile)
                .filter(|(_, y)| y.is_finite())
                .collect(),
            err: Vec::new(),
            markers: true,
            color: m + 1,
        });
    }
    writeln!(
        md,
        "| training-free SNF (10 annealed MC blocks) | {:.2} | {:.2} | — | — | {:.2} | {:.3} | {:.3} | 0 + 0 | {} + {} |",
        free.unw, free.rew, free.rms_rew, free.delta_f, free.ess, free.sample_cost.gradient, free.sample_cost.density
    )
    .ok();
    writeln!(
        csv,
        "training-free,{},0,{},0,{},{},0,{},0,0,{},{}",
        free.unw,
        free.rew,
        free.rms_rew,
        free.delta_f,
        free.ess,
        free.sample_cost.gradient,
        free.sample_cost.density
    )
    .ok();
    series.push(Series {
        label: "training-free SNF (reweighted)".into(),
        points: xs
            .iter()
            .copied()
            .zip(free.profile.iter().copied())
            .filter(|(_, y)| y.is_finite())
            .collect(),
        err: Vec::new(),
        markers: true,
        color: 4,
    });
    print!("{md}");
    write_csv(&out.join("snf-double-well.csv"), &csv)?;
    write_csv(&out.join("snf-double-well.md"), &md)?;
    plots::lines(
        &out.join("snf-double-well"),
        &Axes {
            title: "double well: reweighted free energy of x₁ (mean over trainings)",
            x_label: "x₁",
            y_label: "F(x₁) − min F  [kT]",
            log_x: false,
        },
        &series,
    )
}

/// Ring of `RING_MODES` Gaussians (samplers-b.md §2.4's stand-in for the paper's
/// image densities): radius 3, sd 0.3, equal weights.
const RING_MODES: usize = 8;
const RING_RADIUS: f64 = 3.0;
const RING_SD: f64 = 0.3;
/// Samples per model for the histograms (the paper's 500 000 would take minutes).
const BRIDGE_SAMPLES: usize = 100_000;
/// The histogram: 50 × 50 cells on [−4.5, 4.5]² (the paper's 50 × 50).
const BRIDGE_BINS: usize = 50;
const BRIDGE_BOX: (f64, f64) = (-4.5, 4.5);

/// One model of the bridges figure: name, (KL unweighted, KL reweighted, mass
/// between modes unweighted, reweighted), training cost, cost per sample, the
/// samples shown.
type BridgeRow = (
    String,
    [f64; 4],
    EvalCounts,
    EvalCounts,
    sampo_core::Particles,
);

/// `sampo-bench figure snf-bridges`: a plain RealNVP leaves density bridges between
/// the modes of a ring of Gaussians; Metropolis blocks remove them (paper §4.1, with
/// a synthetic ring instead of the images). Both flows are trained by maximum
/// likelihood alone on 10 000 exact samples (600 iterations, batch 128, Adam 5·10⁻³).
/// Reported: KL(target ‖ model) on the 50 × 50 histogram (1e−10 added to both, as
/// `imagetools.kldiv`), unweighted and reweighted, the mass the samples put between the
/// modes (farther than 3 sd from every mean: e^{−9/2} ≈ 0.011 of an isolated 2-D
/// Gaussian's mass; the exact draws' fraction is printed beside), and the cost.
pub fn bridges(out: &Path) -> Result<(), BenchError> {
    use sampo_core::{ExactSampler, Particles};
    use sampo_metrics::histogram::{
        Binning1d, Binning2d, Histogram2d, bin_probabilities_2d_from_log_density, kl_binned,
    };
    use sampo_targets::{Covariance, GaussianMixture};
    let means: Vec<Vec<f64>> = (0..RING_MODES)
        .map(|i| {
            let a = 2.0 * std::f64::consts::PI * i as f64 / RING_MODES as f64;
            vec![RING_RADIUS * a.cos(), RING_RADIUS * a.sin()]
        })
        .collect();
    let t = GaussianMixture::new(
        vec![1.0; RING_MODES],
        means.clone(),
        vec![Covariance::Isotropic(RING_SD * RING_SD); RING_MODES],
    )?;
    let data = t.sample_exact_n(10_000, 1);
    let binning = Binning2d::new(
        Binning1d::new(BRIDGE_BINS, BRIDGE_BOX)?,
        Binning1d::new(BRIDGE_BINS, BRIDGE_BOX)?,
    )?;
    let reference =
        bin_probabilities_2d_from_log_density(&binning, |x, y| t.log_density(&[x, y]), 4)?;
    let between = |x: &[f64]| {
        means
            .iter()
            .all(|m| ((x[0] - m[0]).powi(2) + (x[1] - m[1]).powi(2)).sqrt() > 3.0 * RING_SD)
    };
    let train = sampo_snf::TrainConfig {
        ml_iterations: 600,
        mixed_iterations: 0,
        ..sampo_snf::TrainConfig::default()
    };
    let models: Vec<(&str, Option<BlockConfig>)> = vec![
        (
            "RNVP",
            Some(BlockConfig {
                kind: BlockKind::None,
                ..BlockConfig::default()
            }),
        ),
        ("RNVP+MC", Some(BlockConfig::default())),
        ("training-free SNF", None),
    ];
    let rows: Vec<Result<BridgeRow, BenchError>> = models
        .par_iter()
        .map(|(name, blocks)| {
            let counted = Counted::new(&t);
            let flow = match blocks {
                Some(b) => {
                    let mut f = Snf::build(2, &sampo_snf::FlowConfig::default(), b, 1);
                    f.train(&counted, &train, Some(data.as_slice()), 2, &mut |_: &_| {
                        true
                    })
                    .map_err(sampo_core::CoreError::from)?;
                    f
                }
                None => Snf::annealed(2, &AnnealConfig::default()),
            };
            let train_cost = counted.counter().counts();
            let (x, lw, cost) =
                sample_flow(&flow, &t, BRIDGE_SAMPLES, 9).map_err(sampo_core::CoreError::from)?;
            let w = sampo_metrics::weights::weights_from_log(&lw)?;
            let total: f64 = w.iter().sum();
            let (mut hu, mut hw) = (Histogram2d::new(binning)?, Histogram2d::new(binning)?);
            let mut gap = [0.0; 2];
            for (p, wi) in x.chunks_exact(2).zip(&w) {
                hu.add(p[0], p[1], 1.0);
                hw.add(p[0], p[1], *wi);
                if between(p) {
                    gap[0] += 1.0 / BRIDGE_SAMPLES as f64;
                    gap[1] += wi / total;
                }
            }
            let kl_u = kl_binned(&reference, &hu.counts, 1e-10)?;
            let kl_w = kl_binned(&reference, &hw.counts, 1e-10)?;
            let per = EvalCounts {
                density: cost.density / BRIDGE_SAMPLES as u64,
                gradient: cost.gradient / BRIDGE_SAMPLES as u64,
                data_terms: 0,
            };
            let shown = Particles::from_vec(5000, 2, x[..10_000].to_vec())?;
            Ok((
                name.to_string(),
                [kl_u, kl_w, gap[0], gap[1]],
                train_cost,
                per,
                shown,
            ))
        })
        .collect();
    let rows: Vec<_> = rows.into_iter().collect::<Result<_, _>>()?;
    let exact = t.sample_exact_n(5000, 3);
    let mut md = format!(
        "SNF paper §4.1 (synthetic ring of {RING_MODES} Gaussians, radius {RING_RADIUS}, sd {RING_SD}): \
         KL(target ‖ model) on a {BRIDGE_BINS}×{BRIDGE_BINS} histogram, {BRIDGE_SAMPLES} samples per model\n\n\
         | model | KL unweighted | KL reweighted | mass between modes (unw.) | (reweighted) | training evals (grad + density) | evals per sample (grad + density) |\n|---|---|---|---|---|---|---|\n"
    );
    let mut csv = String::from(
        "model,kl_unweighted,kl_reweighted,between_unweighted,between_reweighted,train_grad,train_density,sample_grad,sample_density\n",
    );
    for (name, v, tc, sc, _) in &rows {
        writeln!(
            md,
            "| {name} | {:.3} | {:.3} | {:.4} | {:.4} | {} + {} | {} + {} |",
            v[0], v[1], v[2], v[3], tc.gradient, tc.density, sc.gradient, sc.density
        )
        .ok();
        writeln!(
            csv,
            "{name},{},{},{},{},{},{},{},{}",
            v[0], v[1], v[2], v[3], tc.gradient, tc.density, sc.gradient, sc.density
        )
        .ok();
    }
    let many = t.sample_exact_n(BRIDGE_SAMPLES, 4);
    writeln!(
        md,
        "\nExact: mass between modes {:.4} ({BRIDGE_SAMPLES} exact draws).",
        { many.rows().filter(|r| between(r)).count() as f64 / BRIDGE_SAMPLES as f64 }
    )
    .ok();
    print!("{md}");
    write_csv(&out.join("snf-bridges.csv"), &csv)?;
    write_csv(&out.join("snf-bridges.md"), &md)?;
    let mut panels: Vec<(String, &Particles)> = vec![("exact".into(), &exact)];
    for (name, _, _, _, p) in &rows {
        panels.push((format!("{name} (unweighted)"), p));
    }
    plots::scatter_over_density(
        &out.join("snf-bridges"),
        "ring of 8 Gaussians: 5000 flow samples per model",
        &t,
        &panels,
        (BRIDGE_BOX, BRIDGE_BOX),
    )
}
