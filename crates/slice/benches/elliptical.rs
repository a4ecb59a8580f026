//! Iterations per second of elliptical slice sampling, one chain, one thread, on
//! the target `benchmarks/scripts/blackjax_elliptical.py` gives BlackJAX's
//! `elliptical_slice`: prior N(0, I_d) times the Gaussian likelihood
//! exp(−‖x − y‖²/2) with y = (1, …, 1), i.e. the posterior N(y/2, I/2), d = 100,
//! 10⁴ iterations from 0. Prints iterations, median seconds over `--repeat` runs
//! (default 5), TDE/it and the error of the posterior mean's first coordinate.
//!
//!     cargo bench -p sampo-slice --bench elliptical -- --repeat 5

use sampo_core::{Kernel, rng};
use sampo_slice::{Elliptical, EllipticalConfig};
use sampo_targets::{Covariance, Gaussian};
use std::time::Instant;

fn main() {
    let mut repeat = 5;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--repeat" {
            repeat = args
                .next()
                .and_then(|v| v.parse().ok())
                .expect("--repeat N");
        }
    }
    let d = 100;
    let iterations = 10_000;
    let target = Gaussian::new(vec![0.5; d], Covariance::Isotropic(0.5)).expect("valid");
    let kernel = Elliptical::new(&target, &EllipticalConfig::default()).expect("valid");
    let mut times = Vec::new();
    let (mut tde, mut mean0) = (0, 0.0);
    for rep in 0..repeat {
        let mut r = rng::stream(rep as u64, 0);
        let (mut state, _) = kernel.init(&vec![0.0; d], &mut r).expect("finite start");
        tde = 0;
        mean0 = 0.0;
        let t = Instant::now();
        for _ in 0..iterations {
            tde += kernel
                .step(&(), &mut state, &mut r)
                .expect("slice found")
                .evaluations
                .density;
            mean0 += kernel.position(&state)[0];
        }
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let secs = times[times.len() / 2];
    println!(
        "sampo elliptical d={d}: {iterations} iterations in {secs:.4} s (median of {repeat}): {:.0} it/s, TDE/it {:.2}, mean x0 error {:.3}",
        iterations as f64 / secs,
        tde as f64 / iterations as f64,
        mean0 / iterations as f64 - 0.5
    );
}
