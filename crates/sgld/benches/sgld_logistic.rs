//! SGLD steps per second, one chain, one thread, on the problem
//! `benchmarks/scripts/blackjax_sgld.py` gives BlackJAX's `sgld`: Bayesian logistic
//! regression, N = 10⁴ points, d = 20 features N(0, I) (no intercept), labels from
//! θ*_j = (−1)^j / 2, prior N(0, I); batch 32 with replacement, constant step
//! h = 1e−4, 10⁵ steps from 0. Prints the steps, the median seconds over `--repeat`
//! runs (default 5) and the mean of the chain's second half (a sanity check against
//! θ*: both implementations should land near it).
//!
//!     cargo bench -p sampo-sgld --bench sgld_logistic -- --repeat 5

use sampo_core::{Kernel, rng};
use sampo_sgld::{Sgld, SgldConfig};
use sampo_targets::{Design, LogisticRegression};
use std::time::Instant;

const N: usize = 10_000;
const D: usize = 20;
const STEPS: u64 = 100_000;

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
    let theta: Vec<f64> = (0..D)
        .map(|j| if j % 2 == 0 { 0.5 } else { -0.5 })
        .collect();
    let mut r = rng::stream(11, 0);
    let (mut rows, mut y) = (Vec::with_capacity(N), Vec::with_capacity(N));
    for _ in 0..N {
        let a: Vec<f64> = (0..D).map(|_| rng::standard_normal(&mut r)).collect();
        let z: f64 = a.iter().zip(&theta).map(|(x, t)| x * t).sum();
        let p = sampo_targets::logistic_regression::sigmoid(z);
        y.push(f64::from(u8::from(rng::uniform(&mut r) < p)));
        rows.push(a);
    }
    let target =
        LogisticRegression::new(Design::new(&rows, &y).expect("valid"), 1.0).expect("valid");
    let kernel = Sgld::new(&target, SgldConfig::new(1e-4, 32)).expect("valid");
    let mut times = Vec::new();
    let mut mean = [0.0; D];
    for rep in 0..repeat {
        let mut r = rng::stream(rep as u64, 0);
        let (mut state, _) = kernel.init(&[0.0; D], &mut r).expect("finite start");
        mean.iter_mut().for_each(|m| *m = 0.0);
        let t = Instant::now();
        for step in 0..STEPS {
            kernel.step(&(), &mut state, &mut r).expect("stable step");
            if step >= STEPS / 2 {
                for (m, x) in mean.iter_mut().zip(state.position()) {
                    *m += x;
                }
            }
        }
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let secs = times[times.len() / 2];
    let half = (STEPS - STEPS / 2) as f64;
    let err = mean
        .iter()
        .zip(&theta)
        .map(|(m, t)| (m / half - t).abs())
        .fold(0.0, f64::max);
    println!(
        "sampo sgld logistic N={N} d={D} batch=32: {STEPS} steps in {secs:.4} s (median of {repeat}): {:.0} steps/s, max |mean - theta*| {err:.3}",
        STEPS as f64 / secs
    );
}
