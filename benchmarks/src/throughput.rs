//! `sampo-bench throughput`: batched Langevin particle updates per second.
//!
//! N particles (chains) advance K steps through the runner, in a rayon pool of T
//! threads; only the last position of each chain is kept (thin = K), so memory
//! stays at N × d. Prints one JSON line per case.

use crate::sampler::SamplerConfig;
use crate::{BenchError, spec};
use sampo_core::{Counted, EvalSource, Particles, RunConfig, Runner};
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
pub fn measure(
    target_spec: &str,
    sampler_spec: &str,
    step_size: Option<f64>,
    particles: usize,
    steps: u64,
    threads: usize,
    seed: u64,
) -> Result<Case, BenchError> {
    let target = Counted::new(spec::target(target_spec)?.target);
    let SamplerConfig::Langevin(cfg) = spec::sampler(sampler_spec, step_size)? else {
        return Err(BenchError::Usage(
            "throughput measures the Langevin kernels (ula, mala, underdamped)".into(),
        ));
    };
    let kernel = cfg.build(&target)?;
    let d = sampo_core::Target::dim(&target);
    // Start from exact draws where the target has them (stationary regime), else 0.
    let init = match sampo_core::Target::exact_sampler(&target) {
        Some(ex) => ex.sample_exact_n(particles, seed ^ 0x5eed),
        None => Particles::zeros(particles, d),
    };
    let mut rc = RunConfig::new(particles, 0, steps, seed);
    rc.thin = steps;
    rc.segment = steps.min(250);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| BenchError::Usage(format!("cannot build a pool of {threads} threads: {e}")))?;
    // Untimed warm-up in the same pool: wakes the worker threads' cores (idle vCPUs
    // take tens of milliseconds to reach full speed here) and faults in the pages.
    let mut warm = rc.clone();
    warm.draws = steps.min(100);
    warm.thin = warm.draws;
    pool.install(|| Runner::new(&kernel, warm).and_then(|r| r.run(&init)))?;
    target.reset();
    let t0 = Instant::now();
    let run = pool.install(|| {
        Runner::new(&kernel, rc)
            .map(|r| r.count_with(&target))
            .and_then(|r| r.run(&init))
    })?;
    let wall = t0.elapsed().as_secs_f64();
    drop(run);
    let evals = target.counts();
    Ok(Case {
        target: target_spec.to_string(),
        sampler: cfg.kind().to_string(),
        threads,
        particles,
        steps,
        particle_steps_per_s: (particles as f64 * steps as f64) / wall,
        gradient_evals_per_s: evals.gradient as f64 / wall,
        wall_s: wall,
        repeats: 1,
    })
}
