//! `sampo-bench throughput`: batched particle updates per second, through the same
//! registry path as every other command (the sampler's `run` on a counted view of
//! the target).
//!
//! N particles (chains) take K steps each in a rayon pool of T threads, started at
//! exact draws of the target where it has them (the stationary regime); the job is
//! N samples at K + 1 gradient evaluations per sample, so each chain takes K steps
//! after its initial evaluation (half of them warm-up, where MALA without
//! adaptation does exactly what it does after). Prints one JSON line per case.

use crate::{BenchError, spec};
use sampo_core::plugin::{Budget, Control, Init, Job, TargetRef};
use sampo_core::{Counter, EvalSource, Particles};
use serde::Serialize;
use std::time::Instant;

/// One measured case.
#[derive(Debug, Serialize)]
pub struct Case {
    /// Target spec.
    pub target: String,
    /// Sampler kind.
    pub sampler: String,
    /// rayon threads.
    pub threads: usize,
    /// Particles (chains).
    pub particles: usize,
    /// Steps per particle.
    pub steps: u64,
    /// particles × steps / wall time.
    pub particle_steps_per_s: f64,
    /// Fused value-and-gradient evaluations / wall time (initialization included).
    pub gradient_evals_per_s: f64,
    /// Wall-clock seconds of the sampling loop (of the median repetition).
    pub wall_s: f64,
    /// Repetitions measured; the reported rates are their median.
    pub repeats: usize,
}

/// The median of several measurements of one case (the VM's timings are noisy:
/// single runs vary by ±20%).
pub fn median(mut cases: Vec<Case>) -> Case {
    cases.sort_by(|a, b| a.particle_steps_per_s.total_cmp(&b.particle_steps_per_s));
    let n = cases.len();
    let mut m = cases.swap_remove(n / 2);
    m.repeats = n;
    m
}

/// Measures one (target, sampler, threads) case.
#[allow(clippy::too_many_arguments)]
pub fn measure(
    target_spec: &str,
    sampler_spec: &str,
    sets: &[String],
    particles: usize,
    steps: u64,
    threads: usize,
    seed: u64,
) -> Result<Case, BenchError> {
    let handle = spec::target(target_spec)?;
    let sampler = spec::sampler(sampler_spec, sets)?;
    let s = sampler.built.sampler.as_ref();
    let probe = sampo_core::Counter::new();
    if s.fixed_cost_on(&sampo_core::plugin::TargetRef::new(&handle.target, &probe))
        .is_some()
    {
        return Err(BenchError::Usage(format!(
            "throughput measures samplers whose steps the budget sets; `{}` has a cost fixed by its config",
            sampler.label
        )));
    }
    let d = handle.dim();
    // Start from exact draws where the target has them (stationary regime), else 0.
    let init = match handle.target.density().exact_sampler() {
        Some(ex) => ex.sample_exact_n(particles, seed ^ 0x5eed),
        None => Particles::zeros(particles, d),
    };
    let job = |k: u64| Job {
        n: particles,
        budget: Budget::gradient(k + 1),
        chains: Some(particles),
        seed,
        init: Init::Positions(init.clone()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| BenchError::Usage(format!("cannot build a pool of {threads} threads: {e}")))?;
    let fail = |source| BenchError::Sampler {
        label: sampler.label.clone(),
        source,
    };
    // Untimed warm-up in the same pool: wakes the worker threads' cores (idle vCPUs
    // take tens of milliseconds to reach full speed here) and faults in the pages.
    let counter = Counter::new();
    let view = TargetRef::new(&handle.target, &counter);
    pool.install(|| s.run(view, &job(steps.min(100)), Control::none()))
        .map_err(fail)?;
    counter.reset();
    let t0 = Instant::now();
    let out = pool
        .install(|| s.run(view, &job(steps), Control::none()))
        .map_err(fail)?;
    let wall = t0.elapsed().as_secs_f64();
    drop(out);
    let evals = counter.counts();
    Ok(Case {
        target: target_spec.to_string(),
        sampler: sampler.label.clone(),
        threads,
        particles,
        steps,
        particle_steps_per_s: (particles as f64 * steps as f64) / wall,
        gradient_evals_per_s: evals.gradient as f64 / wall,
        wall_s: wall,
        repeats: 1,
    })
}
