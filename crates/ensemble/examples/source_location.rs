//! Bayesian inversion with a nonlinear forward model: locating a seismic source
//! from first-arrival times, density evaluations only.
//!
//! A source at θ = (x, z) (km) emits at time 0; five receivers on the surface at
//! `r_j ∈ {−2, −1, 0, 1, 2}` record arrival times `t_j = √((x − r_j)² + z²)/v + ε_j`
//! with v = 1 km/s and Gaussian noise `ε_j ~ N(0, 0.05²)`. Prior θ ~ N(0, 2² I). The
//! forward model is nonlinear, and receivers on a line cannot tell z from −z: the
//! posterior has two mirror modes of equal weight around (0.7, ±1.2), the true
//! source being at depth z = 1.2.
//!
//! The reference is a quadrature on a 1200 × 1200 grid over [−6, 6]²: the posterior
//! mean of (x, |z|), the sd of each, and P(z > 0) = 1/2 by symmetry. Föllmer and
//! the OU ensemble (defaults) and the stretch move run at the same 25 600 density
//! evaluations per sample, n = 2000; the table gives each estimate with its
//! deviation from the quadrature in units of its Monte Carlo standard error
//! (n independent draws for the diffusions; the stretch walkers' draws are
//! correlated, so their standard error understates).
//!
//! `cargo run --release -p sampo-ensemble --example source_location`

use sampo_core::Target;
use sampo_core::plugin::{AnyTarget, Budget, Control, Job, TargetRef};
use sampo_core::{CostUnit, Counter, Outcome};

const RECEIVERS: [f64; 5] = [-2.0, -1.0, 0.0, 1.0, 2.0];
const VELOCITY: f64 = 1.0;
const NOISE_SD: f64 = 0.05;
const PRIOR_SD: f64 = 2.0;

/// Arrival times at the receivers from a source at θ.
fn forward(theta: &[f64]) -> [f64; 5] {
    RECEIVERS.map(|r| ((theta[0] - r).powi(2) + theta[1] * theta[1]).sqrt() / VELOCITY)
}

/// The posterior of θ given the observed times.
struct SourceLocation {
    observed: [f64; 5],
}

impl Target for SourceLocation {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, theta: &[f64]) -> f64 {
        let t = forward(theta);
        let misfit: f64 = t
            .iter()
            .zip(&self.observed)
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        let prior: f64 = theta.iter().map(|v| v * v).sum();
        -0.5 * misfit / (NOISE_SD * NOISE_SD) - 0.5 * prior / (PRIOR_SD * PRIOR_SD)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Observations of the true source (0.7, 1.2) with fixed noise draws
    // (standard normals from stream (2026, 0)).
    let truth = [0.7, 1.2];
    let mut rng = sampo_core::rng::stream(2026, 0);
    let mut observed = forward(&truth);
    for t in observed.iter_mut() {
        *t += NOISE_SD * sampo_core::rng::standard_normal(&mut rng);
    }
    let target = SourceLocation { observed };

    // Quadrature reference.
    let (m, lo, hi) = (1200usize, -6.0, 6.0);
    let h = (hi - lo) / m as f64;
    let mut lps = Vec::with_capacity(m * m);
    for i in 0..m {
        for j in 0..m {
            let th = [lo + (i as f64 + 0.5) * h, lo + (j as f64 + 0.5) * h];
            lps.push((th, target.log_density(&th)));
        }
    }
    let max = lps.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let (mut z, mut mx, mut mz, mut mx2, mut mz2, mut up) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (th, lp) in &lps {
        let w = (lp - max).exp();
        z += w;
        mx += w * th[0];
        mz += w * th[1].abs();
        mx2 += w * th[0] * th[0];
        mz2 += w * th[1] * th[1];
        if th[1] > 0.0 {
            up += w;
        }
    }
    let (qx, qz, qup) = (mx / z, mz / z, up / z);
    let (sx, sz) = ((mx2 / z - qx * qx).sqrt(), (mz2 / z - qz * qz).sqrt());
    println!(
        "quadrature: E[x] = {qx:.4} (sd {sx:.4}), E[|z|] = {qz:.4} (sd {sz:.4}), P(z > 0) = {qup:.4}"
    );

    let registry = sampo_core::plugin::Registry::new().with(sampo_ensemble::samplers());
    let any = AnyTarget::Density(Box::new(target));
    let n = 2000;
    println!(
        "{:12} {:>9} {:>7} {:>9} {:>7} {:>9} {:>7} {:>10} {:>7}",
        "sampler", "E[x]", "dev/se", "E[|z|]", "dev/se", "P(z>0)", "dev/se", "density/n", "secs"
    );
    for kind in ["follmer", "ou-ensemble", "stretch"] {
        let built = registry.build_named(kind)?;
        let counter = Counter::new();
        let job = Job::new(
            n,
            Budget {
                unit: CostUnit::Density,
                per_sample: 25_600,
            },
            3,
        );
        let t0 = std::time::Instant::now();
        let out = built
            .sampler
            .run(TargetRef::new(&any, &counter), &job, Control::none())?;
        let secs = t0.elapsed().as_secs_f64();
        let Outcome::Finished(run) = out else {
            unreachable!("no observer can stop this run")
        };
        let xs = run.samples.column(0);
        let zs: Vec<f64> = run.samples.column(1).iter().map(|v| v.abs()).collect();
        let ups: Vec<f64> = run
            .samples
            .column(1)
            .iter()
            .map(|v| f64::from(u8::from(*v > 0.0)))
            .collect();
        let stat = |v: &[f64], truth: f64| {
            let k = v.len() as f64;
            let mean = v.iter().sum::<f64>() / k;
            let sd = (v.iter().map(|a| (a - mean) * (a - mean)).sum::<f64>() / (k - 1.0)).sqrt();
            (mean, (mean - truth) / (sd / k.sqrt()))
        };
        let (ex, dx) = stat(&xs, qx);
        let (ez, dz) = stat(&zs, qz);
        let (eu, du) = stat(&ups, qup);
        println!(
            "{kind:12} {ex:9.4} {dx:7.2} {ez:9.4} {dz:7.2} {eu:9.4} {du:7.2} {:10} {secs:7.2}",
            run.evaluations.density / n as u64
        );
    }
    Ok(())
}
