//! The gradient-free ensemble samplers' figures (`docs/ensemble.md`):
//!
//! - `ensemble-gmm`: Föllmer (defaults: ensemble-mixture estimates; and the
//!   published independent estimator), the OU ensemble, emcee's stretch, walk and
//!   DE moves, tempered SMC with random-walk moves (the strongest gradient-free
//!   baseline, from the wide reference of the rdMC figure) and MALA, every one at
//!   the same number of evaluations per sample (density evaluations; MALA's
//!   gradients counted as evaluations), on 8 Gaussians and the ZOD-MC mixture at
//!   R = 1…26 (n = 2000): W2 with its noise floor, mode-weight TV, wall time;
//! - `ensemble-targets`: the same samplers on a 2-D funnel (x0 ~ N(0, 9)) and a
//!   4-D many-well slice (two double-well pairs, 4 modes of weights 0.024–0.713):
//!   W2 with its noise floor, the x0 marginal's sd (funnel), the sign-pattern mode
//!   weights' TV (many-well).

use crate::BenchError;

use crate::execute::{Executed, Request, Status, execute};
use crate::figures::write_csv;
use crate::plots;
use crate::spec::{SamplerSpec, TargetHandle};
use rayon::prelude::*;
use sampo_core::plugin::AnyTarget;
use sampo_core::{ExactSampler, Particles, Target};

use std::fmt::Write as _;
use std::path::Path;

/// Evaluations per sample of every sampler: 100 Föllmer steps × 256 draws, the
/// defaults' cost (docs/ensemble.md, "Defaults").
const BUDGET: u64 = 25_600;
const N: usize = 2000;
const SEED: u64 = 1;

/// The samplers of both figures, with their labels; MALA (`mala_kind`: fixed step on
/// the mixtures, adaptive on the funnel and many-well, where a fixed step explodes
/// in the wells) last, at a gradient budget.
fn samplers(mala_kind: &str) -> Result<Vec<SamplerSpec>, BenchError> {
    let named = |kind: &str, label: &str, sets: &[&str]| -> Result<SamplerSpec, BenchError> {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let mut s = crate::spec::sampler(kind, &sets)?;
        s.label = label.into();
        Ok(s)
    };
    let wide = format!(
        "reference.scale={}",
        crate::figures::TEMPERED_REFERENCE_SCALE
    );
    Ok(vec![
        named("follmer", "follmer", &[])?,
        named("follmer", "follmer-indep", &["pooling=independent"])?,
        named("ou-ensemble", "ou-ensemble", &[])?,
        named("stretch", "stretch", &[])?,
        named("walk-move", "walk-move", &[])?,
        named("de-move", "de-move", &[])?,
        named("smc", "smc-rwm", &["move=rwm", &wide])?,
        named(mala_kind, mala_kind, &[])?,
    ])
}

fn request(s: &SamplerSpec) -> Request {
    Request::in_primary_unit(s, N, BUDGET, SEED)
}

fn run_all(
    figure: &str,
    handle: &TargetHandle,
    samplers: &[SamplerSpec],
) -> Result<Vec<Executed>, BenchError> {
    samplers
        .iter()
        .map(|s| {
            let ex = execute(handle, s, &request(s), vec![]);
            if ex.status != Status::Ok {
                return Err(BenchError::Usage(format!(
                    "figure {figure}: {} on {} failed: {}",
                    s.label,
                    handle.name,
                    ex.status.text()
                )));
            }
            Ok(ex)
        })
        .collect()
}

/// `(density, gradient)` evaluations per sample.
fn per_sample(ex: &Executed) -> (f64, f64) {
    let e = ex.evaluations;
    (e.density as f64 / N as f64, e.gradient as f64 / N as f64)
}

/// `ensemble-gmm`.
pub fn gmm(out: &Path) -> Result<(), BenchError> {
    let samplers = samplers("mala")?;
    let labels: Vec<String> = samplers.iter().map(|s| s.label.clone()).collect();
    let cases = crate::figures::mixture_cases()?;
    let mut csv = "target,R,sampler,n,density_evals_per_sample,grad_evals_per_sample,wall_s,w2,w2_floor,w2_floor_sd,mode_tv,max_weight_err\n".to_string();
    let mut by_sampler: Vec<[Vec<(f64, f64)>; 2]> = vec![Default::default(); labels.len()];
    let mut floor_pts = Vec::new();
    for (name, r, mix) in &cases {
        let handle = TargetHandle::of_mixture(name.clone(), mix);
        let exact = mix.sample_exact_n(N, SEED ^ 0xE7AC7);
        let runs = run_all("ensemble-gmm", &handle, &samplers)?;
        let finished: Vec<&sampo_core::Run> = runs
            .iter()
            .map(|ex| ex.run.as_ref().expect("checked ok"))
            .collect();
        let (floor, measured) = crate::figures::mixture_scores(mix, &exact, &finished, N, SEED);
        let floor = floor?;
        if r.is_finite() {
            floor_pts.push((*r, floor.mean));
        }
        let mut panels: Vec<(String, Particles)> = vec![("exact".into(), exact.clone())];
        for (k, ((label, ex), res)) in labels.iter().zip(runs).zip(measured).enumerate() {
            let (w2, rep) = res?;
            let (de, ge) = per_sample(&ex);
            writeln!(
                csv,
                "{name},{r},{label},{N},{de},{ge},{},{w2},{},{},{},{}",
                ex.wall_s, floor.mean, floor.sd, rep.tv, rep.max_abs_err
            )
            .expect("write to String");
            if r.is_finite() {
                by_sampler[k][0].push((*r, w2));
                by_sampler[k][1].push((*r, rep.tv));
            }
            panels.push((label.clone(), ex.run.expect("checked ok").samples));
        }
        if name == "8-gaussians" || name == "zodmc-R26" {
            let refs: Vec<(String, &Particles)> =
                panels.iter().map(|(n, p)| (n.clone(), p)).collect();
            plots::scatter_over_density(
                &out.join(format!("ensemble-gmm-{name}-samples")),
                &format!("{name}: n = {N}, seed {SEED}, {BUDGET} evaluations per sample"),
                mix,
                &refs,
                plots::bounds(&exact),
            )?;
        }
    }
    crate::figures::radius_plots(
        out,
        "ensemble-gmm",
        &format!("{BUDGET} evaluations per sample"),
        &labels,
        &by_sampler,
        &floor_pts,
    )?;
    write_csv(&out.join("ensemble-gmm.csv"), &csv)?;
    print!("{csv}");
    Ok(())
}

/// The many-well mode of x: the sign pattern of the pairs' first coordinates
/// (bit p set when pair p is in its right, deeper well).
fn many_well_mode(x: &[f64]) -> usize {
    x.chunks_exact(2)
        .enumerate()
        .map(|(p, pair)| usize::from(pair[0] > 0.0) << p)
        .sum()
}

/// The true weights of the 2^{d/2} many-well modes: pairs are independent, each in
/// its left well with probability `prob_left()` (quadrature).
fn many_well_weights(pairs: usize) -> Vec<f64> {
    let pl = sampo_targets::double_well::prob_left();
    (0..1usize << pairs)
        .map(|m| {
            (0..pairs)
                .map(|p| if m >> p & 1 == 1 { 1.0 - pl } else { pl })
                .product()
        })
        .collect()
}

/// `ensemble-targets`.
pub fn targets(out: &Path) -> Result<(), BenchError> {
    let samplers = samplers("mala-adapt")?;
    let labels: Vec<String> = samplers.iter().map(|s| s.label.clone()).collect();
    let funnel = sampo_targets::Funnel::new(2, 3.0)?;
    let well = sampo_targets::ManyWell::new(4)?;
    let cases: Vec<(&str, AnyTarget)> = vec![
        ("funnel-2", AnyTarget::Gradient(Box::new(funnel))),
        ("many-well-4", AnyTarget::Gradient(Box::new(well))),
    ];
    let weights = many_well_weights(2);
    let mut csv = "target,sampler,n,density_evals_per_sample,grad_evals_per_sample,wall_s,w2,w2_floor,w2_floor_sd,x0_mean,x0_sd,x0_sd_true,mode_tv\n".to_string();
    for (name, target) in cases {
        let exact_sampler: &dyn ExactSampler = match name {
            "funnel-2" => &funnel,
            _ => &well,
        };
        let exact = exact_sampler.sample_exact_n(N, SEED ^ 0xE7AC7);
        let handle = TargetHandle::plain(name, target);
        let runs = run_all("ensemble-targets", &handle, &samplers)?;
        let (floor, w2s) = rayon::join(
            || {
                sampo_metrics::noise_floor::noise_floor(exact_sampler, N, 2, SEED, |a, b| {
                    sampo_metrics::ot::w2(a, b)
                })
            },
            || {
                runs.par_iter()
                    .map(|ex| -> Result<f64, BenchError> {
                        let run = ex.run.as_ref().expect("checked ok");
                        let w = crate::measure::run_weights(run)?;
                        Ok(crate::measure::two_sample(
                            "w2",
                            &run.samples,
                            w.as_deref(),
                            &exact,
                            SEED,
                        )?
                        .expect("w2 applies to any dimension"))
                    })
                    .collect::<Vec<_>>()
            },
        );
        let floor = floor?;
        for ((label, ex), w2) in labels.iter().zip(&runs).zip(w2s) {
            let w2 = w2?;
            let run = ex.run.as_ref().expect("checked ok");
            // Normalized weights (a weighted run's are scaled to mean 1).
            let mut w =
                crate::measure::run_weights(run)?.unwrap_or_else(|| vec![1.0; run.samples.len()]);
            let total: f64 = w.iter().sum();
            w.iter_mut().for_each(|v| *v /= total);
            let x0 = run.samples.column(0);
            let mean: f64 = x0.iter().zip(&w).map(|(x, wi)| x * wi).sum();
            let sd = x0
                .iter()
                .zip(&w)
                .map(|(x, wi)| wi * (x - mean) * (x - mean))
                .sum::<f64>()
                .sqrt();
            let (sd_true, tv) = if name == "funnel-2" {
                (3.0.to_string(), String::new())
            } else {
                let mut got = vec![0.0; weights.len()];
                for (x, wi) in run.samples.rows().zip(&w) {
                    got[many_well_mode(x)] += wi;
                }
                let tv = got
                    .iter()
                    .zip(&weights)
                    .map(|(a, b)| (a - b).abs())
                    .sum::<f64>()
                    / 2.0;
                (String::new(), tv.to_string())
            };
            let (de, ge) = per_sample(ex);
            writeln!(
                csv,
                "{name},{label},{N},{de},{ge},{},{w2},{},{},{mean},{sd},{sd_true},{tv}",
                ex.wall_s, floor.mean, floor.sd
            )
            .expect("write to String");
        }
        if name == "funnel-2" {
            let mut panels: Vec<(String, &Particles)> = vec![("exact".into(), &exact)];
            for (label, ex) in labels.iter().zip(&runs) {
                panels.push((label.clone(), &ex.run.as_ref().expect("checked ok").samples));
            }
            plots::scatter_over_density(
                &out.join("ensemble-targets-funnel-2-samples"),
                &format!("2-D funnel: n = {N}, seed {SEED}, {BUDGET} evaluations per sample"),
                &funnel as &dyn Target,
                &panels,
                ((-9.0, 9.0), (-12.0, 12.0)),
            )?;
        }
    }
    write_csv(&out.join("ensemble-targets.csv"), &csv)?;
    print!("{csv}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_well_weights_sum_to_one_and_order_the_modes() {
        let w = many_well_weights(2);
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // Both pairs right (mode 3) is the heaviest, both left (mode 0) the lightest.
        assert!(w[3] > w[1] && w[1] == w[2] && w[2] > w[0]);
        assert_eq!(many_well_mode(&[1.0, 0.0, -1.0, 0.0]), 1);
        assert_eq!(many_well_mode(&[-1.0, 0.0, 1.0, 0.0]), 2);
    }
}
