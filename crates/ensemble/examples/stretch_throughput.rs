//! Stretch-move throughput on the 10-D standard Gaussian, the Rust side of
//! `benchmarks/scripts/emcee_stretch.py`: W walkers for S steps (one density
//! evaluation per walker and step), timed around `Ensemble::sample`, which includes
//! the runner and the evaluation counting. Prints one line
//! `walkers W steps S seconds T walker_steps_per_s R acceptance A`.
//!
//! `cargo run --release -p sampo-ensemble --example stretch_throughput -- [walkers] [steps] [threads]`

use sampo_core::ExactSampler;
use sampo_ensemble::moves::{Ensemble, StretchConfig};
use sampo_targets::Gaussian;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let walkers = args.first().copied().unwrap_or(32);
    let steps = args.get(1).copied().unwrap_or(20_000);
    let threads = args.get(2).copied().unwrap_or(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let target = Gaussian::standard(10)?;
    let x0 = target.sample_exact_n(walkers, 1);
    let ens = Ensemble::new(StretchConfig::default())?;
    let t0 = Instant::now();
    let run = pool.install(|| ens.sample(&target, &x0, steps as u64, steps as u64, 7))?;
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(run.evaluations.density, (walkers * (steps + 1)) as u64);
    let ca = &run.diagnostics.chain_acceptance;
    let acc = ca.iter().sum::<f64>() / ca.len().max(1) as f64;
    println!(
        "walkers {walkers} steps {steps} seconds {secs:.4} walker_steps_per_s {:.1} acceptance {acc:.3}",
        (walkers * steps) as f64 / secs
    );
    Ok(())
}
