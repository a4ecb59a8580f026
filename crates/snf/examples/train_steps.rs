//! Training steps per second of the double-well flows, the Rust side of
//! `benchmarks/scripts/snf_torch_steps.py` (same architecture, batch 128, Adam 5e-3):
//! `cargo run --release -p sampo-snf --example train_steps`. Prints one line per
//! (variant, step, threads): the median of 3 repeats of 200 steps after 20 warm-up.
//! Compare only with the PyTorch numbers measured on the same machine.

use sampo_snf::{BlockConfig, BlockKind, FlowConfig, Snf, TrainConfig};
use sampo_targets::DoubleWell;
use std::time::Instant;

fn main() {
    let t = DoubleWell::new();
    // A fixed data set: N(0, 2² I), as cheap to draw as any (the timing does not
    // depend on where the data lie).
    let mut rng = sampo_core::rng::stream(0, 0);
    let data: Vec<f64> = (0..20_000)
        .map(|_| 2.0 * sampo_core::rng::standard_normal(&mut rng))
        .collect();
    println!("variant step threads steps_per_s");
    for (variant, kind) in [("rnvp", BlockKind::None), ("snf", BlockKind::Metropolis)] {
        for (step, ml, mixed, kl) in [("ml", 1, 0, 0), ("kl", 0, 0, 1), ("mixed", 0, 1, 0)] {
            for threads in [1, 2] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let rate = pool.install(|| {
                    let blocks = BlockConfig {
                        kind,
                        ..BlockConfig::default()
                    };
                    let mut flow = Snf::build(2, &FlowConfig::default(), &blocks, 0);
                    let cfg = |n: usize| TrainConfig {
                        ml_iterations: n * ml,
                        mixed_iterations: n * mixed,
                        kl_iterations: n * kl,
                        ..TrainConfig::default()
                    };
                    flow.train(&t, &cfg(20), Some(&data), 1, &mut |_: &_| true)
                        .unwrap();
                    let mut rates: Vec<f64> = (0..3)
                        .map(|r| {
                            let t0 = Instant::now();
                            flow.train(&t, &cfg(200), Some(&data), 2 + r, &mut |_: &_| true)
                                .unwrap();
                            200.0 / t0.elapsed().as_secs_f64()
                        })
                        .collect();
                    rates.sort_by(f64::total_cmp);
                    rates[1]
                });
                println!("{variant} {step} {threads} {rate:.1}");
            }
        }
    }
}
