//! Nanoseconds per evaluation of `GaussianMixture` log densities and gradients.
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/gmm-target cargo bench -p sampo-targets --bench mixture_eval
//! ```
//!
//! For each mixture, two sets of 2048 points (the batch size of the reverse-diffusion
//! sampler): `wide`, drawn from N(0, s² I) (s = 20 in 2-D, covering the whole ZOD-MC
//! radius-26 mixture and its tails; s = 4 for gmm100, the spread of its means), and
//! `modes`, exact draws from the mixture (where several components matter). Timed:
//! `log_density_batch` over the 2048 points, and `log_density_grad` called per point.
//! Single thread.
//!
//! Not a criterion bench (the workspace's benches use custom harnesses): each case is
//! repeated until one sample takes about 20 ms, after one untimed warm-up, and the
//! median of 9 samples is printed.

use sampo_core::rng::{standard_normal, stream};
use sampo_core::{ExactSampler, GradTarget, Target};
use sampo_targets::GaussianMixture;
use std::hint::black_box;
use std::time::Instant;

/// Points per batch (the rdMC batch size).
const N: usize = 2048;
/// Timed samples per case (the median is reported).
const SAMPLES: usize = 9;
/// Target duration of one sample in seconds.
const SAMPLE_SECONDS: f64 = 0.02;

/// Median nanoseconds per point of `f`, which evaluates all `N` points once.
fn time_per_point(mut f: impl FnMut()) -> f64 {
    f();
    let t = Instant::now();
    f();
    let once = t.elapsed().as_secs_f64().max(1e-9);
    let reps = ((SAMPLE_SECONDS / once).ceil() as usize).max(1);
    let mut v: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() * 1e9 / (reps * N) as f64
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[0]
}

fn wide(d: usize, s: f64) -> Vec<f64> {
    let mut r = stream(2024, d as u64);
    (0..N * d).map(|_| s * standard_normal(&mut r)).collect()
}

fn bench(name: &str, g: &GaussianMixture, s: f64) {
    let d = g.dim();
    let sets = [
        ("wide", wide(d, s)),
        ("modes", g.sample_exact_n(N, 7).into_vec()),
    ];
    for (set, xs) in &sets {
        let mut out = vec![0.0; N];
        let batch = time_per_point(|| {
            g.log_density_batch(black_box(xs), &mut out);
            black_box(&out);
        });
        let single = time_per_point(|| {
            for x in xs.chunks_exact(d) {
                black_box(g.log_density(black_box(x)));
            }
        });
        let mut grads = vec![0.0; N * d];
        let grad_batch = time_per_point(|| {
            g.log_density_grad_batch(black_box(xs), &mut grads, &mut out);
            black_box(&out);
        });
        let mut grad = vec![0.0; d];
        let with_grad = time_per_point(|| {
            for x in xs.chunks_exact(d) {
                black_box(g.log_density_grad(black_box(x), &mut grad));
            }
        });
        println!(
            "| {name} | {set} | {batch:.1} | {single:.1} | {grad_batch:.1} | {with_grad:.1} |"
        );
    }
}

fn main() {
    println!(
        "| mixture | points | log_density_batch | log_density | log_density_grad_batch | log_density_grad |"
    );
    println!("|---|---|---|---|---|---|");
    bench(
        "zodmc-r26 (K=4, d=2, full)",
        &GaussianMixture::zodmc_gmm2d_radius(26.0).expect("valid radius"),
        20.0,
    );
    bench(
        "gmm40-fab (K=40, d=2, iso)",
        &GaussianMixture::gmm40_fab(),
        20.0,
    );
    bench("gmm100 (K=8, d=100, iso)", &GaussianMixture::gmm100(), 4.0);
}
