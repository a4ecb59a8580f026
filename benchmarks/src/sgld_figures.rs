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
