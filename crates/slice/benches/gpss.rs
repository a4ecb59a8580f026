//! Iterations per second of GPSS on the GPSS paper's hyperplane disk (d = 200,
//! w = 20, 10⁴ iterations from (1, …, 1, 1 − d) scaled to norm 10), one thread,
//! the same setting `benchmarks/scripts/gpss_reference.py` times the reference
//! NumPy implementation in. Prints one line: iterations, seconds, iterations per
//! second, TDE/it (median of `--repeat` runs, default 5).
//!
//!     cargo bench -p sampo-slice --bench gpss -- --repeat 5

use sampo_core::{Kernel, rng};
use sampo_slice::{Gpss, GpssConfig};
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
    let d = 200;
    let iterations = 10_000;
    let target = sampo_targets::preset("hyperplane-disk-200").expect("preset");
    let config = GpssConfig::with_window(20.0);
    let kernel = Gpss::new(&*target, &config).expect("valid config");
    let mut x0: Vec<f64> = (0..d)
        .map(|i| if i + 1 < d { 1.0 } else { 1.0 - d as f64 })
        .collect();
    let s = 10.0 / x0.iter().map(|v| v * v).sum::<f64>().sqrt();
    x0.iter_mut().for_each(|v| *v *= s);
    let mut times = Vec::new();
    let mut tde = 0;
    for rep in 0..repeat {
        let mut r = rng::stream(rep as u64, 0);
        let (mut state, _) = kernel.init(&x0, &mut r).expect("finite start");
        tde = 0;
        let t = Instant::now();
        for _ in 0..iterations {
            tde += kernel
                .step(&(), &mut state, &mut r)
                .expect("slice found")
                .evaluations
                .density;
        }
        times.push(t.elapsed().as_secs_f64());
        std::hint::black_box(&state);
    }
    times.sort_by(f64::total_cmp);
    let secs = times[times.len() / 2];
    println!(
        "sampo gpss hyperplane-disk-200: {iterations} iterations in {secs:.4} s (median of {repeat}): {:.0} it/s, TDE/it {:.2}",
        iterations as f64 / secs,
        tde as f64 / iterations as f64
    );
}
