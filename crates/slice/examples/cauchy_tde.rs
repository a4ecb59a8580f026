//! How variable GPSS's TDE/it is on the 100-D Cauchy (w = 100, 10⁶ iterations
//! from (1, …, 1), the paper's E1 setting), over seeds: the mean is carried by rare
//! iterations whose stepping-out takes thousands of evaluations.
//!
//!     cargo run --release -p sampo-slice --example cauchy_tde

use sampo_core::{Kernel, rng};
use sampo_slice::{Gpss, GpssConfig};

fn main() {
    let d = 100;
    let iterations = 1_000_000;
    let target = sampo_targets::Cauchy::new(d).expect("d >= 1");
    let config = GpssConfig::with_window(d as f64);
    let kernel = Gpss::new(&target, &config).expect("valid config");
    for seed in 1..=6 {
        let mut r = rng::stream(seed, 0);
        let (mut state, _) = kernel.init(&vec![1.0; d], &mut r).expect("finite start");
        let mut tde = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let info = kernel.step(&(), &mut state, &mut r).expect("slice found");
            tde.push(info.evaluations.density);
        }
        let total: u64 = tde.iter().sum();
        let heavy: u64 = tde.iter().filter(|&&e| e > 1000).sum();
        tde.sort_unstable();
        println!(
            "seed {seed}: TDE/it {:.3}, from iterations of > 1000 evaluations {:.3}, median {}, max {}",
            total as f64 / iterations as f64,
            heavy as f64 / iterations as f64,
            tde[iterations / 2],
            tde[iterations - 1]
        );
    }
}
