//! What the baselines' tests share: a target with a known normalizing constant,
//! runs through the registry entries, and replicate statistics.

#![allow(dead_code)] // each test file uses part of this module

use sampo_core::plugin::{AnyTarget, Budget, Control, Init, Job, TargetRef};
use sampo_core::{Counter, GradTarget, Outcome, Run, Target};

/// `log π̃ = log p + c` for a normalized `p`: Z = e^c.
pub struct Shifted<T> {
    /// The normalized target.
    pub inner: T,
    /// The shift c = log Z.
    pub c: f64,
}

impl<T: Target> Target for Shifted<T> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        self.inner.log_density(x) + self.c
    }
}

impl<T: GradTarget> GradTarget for Shifted<T> {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.inner.log_density_grad(x, grad) + self.c
    }
}

/// Runs the registry entry `kind` of this crate (with `set` overriding its
/// defaults) on `target`: n samples at `budget` gradient evaluations per sample.
pub fn run(kind: &str, set: &str, target: &AnyTarget, n: usize, budget: u64, seed: u64) -> Run {
    let entry = sampo_baselines::samplers()
        .into_iter()
        .find(|e| e.name == kind)
        .expect("entry");
    let mut table = (entry.defaults)();
    let overlay: toml::Table = toml::from_str(set).expect("overlay");
    table.extend(overlay);
    let sampler = (entry.build)(&table).unwrap_or_else(|e| panic!("{kind}: {e}"));
    let job = Job {
        n,
        budget: Budget::gradient(budget),
        chains: None,
        seed,
        init: Init::Normal { scale: 1.0 },
    };
    let counter = Counter::new();
    match sampler
        .run(TargetRef::new(target, &counter), &job, Control::none())
        .unwrap_or_else(|e| panic!("{kind}: {e}"))
    {
        Outcome::Finished(r) => r,
        Outcome::Stopped { .. } => panic!("{kind}: stopped"),
    }
}

/// A statistic of the run's diagnostics.
pub fn stat(run: &Run, key: &str) -> f64 {
    *run.diagnostics
        .stats
        .get(key)
        .unwrap_or_else(|| panic!("no `{key}` in {:?}", run.diagnostics.stats))
}

/// Mean and its standard error over independent replicates (ESS = their number).
pub fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// The sample standard deviation.
pub fn sd(v: &[f64]) -> f64 {
    mean_se(v).1 * (v.len() as f64).sqrt()
}

/// `Σ_i W_i f(x_i)` with the run's normalized weights (equal when it has none).
pub fn weighted_mean(run: &Run, f: impl Fn(&[f64]) -> f64) -> f64 {
    let n = run.samples.len();
    let w: Vec<f64> = match &run.log_weights {
        Some(lw) => {
            let m = lw.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = lw.iter().map(|l| (l - m).exp()).collect();
            let t: f64 = e.iter().sum();
            e.iter().map(|v| v / t).collect()
        }
        None => vec![1.0 / n as f64; n],
    };
    (0..n).map(|i| w[i] * f(run.samples.row(i))).sum()
}
