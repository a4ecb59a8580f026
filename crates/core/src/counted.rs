//! Evaluation counting, so that samplers are compared at equal cost.
//!
//! [`Counted`] wraps any target and counts calls to the log density and to the fused
//! value-and-gradient (one per particle, batched calls included). Counters are
//! sharded over cache-line-padded atomics indexed by the rayon worker, so counting
//! does not serialize parallel particle updates on one contended cache line.

use crate::{ExactSampler, GradTarget, Target};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// Evaluation counts of one run or one target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalCounts {
    /// Log-density evaluations without gradient.
    pub density: u64,
    /// Fused log-density-and-gradient evaluations.
    pub gradient: u64,
}

impl EvalCounts {
    /// Total evaluations of the target (a gradient evaluation counts once).
    pub fn total(&self) -> u64 {
        self.density + self.gradient
    }

    /// Field-wise difference `self − earlier`.
    pub fn since(&self, earlier: &EvalCounts) -> EvalCounts {
        EvalCounts {
            density: self.density - earlier.density,
            gradient: self.gradient - earlier.gradient,
        }
    }
}

impl std::ops::Add for EvalCounts {
    type Output = EvalCounts;
    fn add(self, o: EvalCounts) -> EvalCounts {
        EvalCounts {
            density: self.density + o.density,
            gradient: self.gradient + o.gradient,
        }
    }
}

/// Something that can report how many evaluations it has served.
pub trait EvalSource: Sync {
    /// Counts so far.
    fn counts(&self) -> EvalCounts;
}

/// Number of counter shards: more than the worker threads we expect on one machine;
/// a collision only costs contention, never correctness.
const SHARDS: usize = 64;

#[repr(align(128))]
#[derive(Default)]
struct Shard {
    density: AtomicU64,
    gradient: AtomicU64,
}

/// A target wrapper that counts evaluations; thread-safe.
pub struct Counted<T> {
    inner: T,
    shards: Box<[Shard]>,
}

impl<T> Counted<T> {
    /// Wraps `inner` with zeroed counters.
    pub fn new(inner: T) -> Self {
        Counted {
            inner,
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }

    /// The wrapped target.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// Sets all counters to zero.
    pub fn reset(&self) {
        for s in self.shards.iter() {
            s.density.store(0, Ordering::Relaxed);
            s.gradient.store(0, Ordering::Relaxed);
        }
    }

    #[inline]
    fn shard(&self) -> &Shard {
        let i = rayon::current_thread_index().unwrap_or(0) % SHARDS;
        &self.shards[i]
    }
}

impl<T: Sync> EvalSource for Counted<T> {
    fn counts(&self) -> EvalCounts {
        let mut c = EvalCounts::default();
        for s in self.shards.iter() {
            c.density += s.density.load(Ordering::Relaxed);
            c.gradient += s.gradient.load(Ordering::Relaxed);
        }
        c
    }
}

impl<T: Target> Target for Counted<T> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    #[inline]
    fn log_density(&self, x: &[f64]) -> f64 {
        self.shard().density.fetch_add(1, Ordering::Relaxed);
        self.inner.log_density(x)
    }
    fn log_density_batch(&self, xs: &[f64], out: &mut [f64]) {
        self.shard()
            .density
            .fetch_add(out.len() as u64, Ordering::Relaxed);
        self.inner.log_density_batch(xs, out)
    }
    fn log_z(&self) -> Option<f64> {
        self.inner.log_z()
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        // Exact draws are not target evaluations: they are not counted.
        self.inner.exact_sampler()
    }
}

impl<T: GradTarget> GradTarget for Counted<T> {
    #[inline]
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.shard().gradient.fetch_add(1, Ordering::Relaxed);
        self.inner.log_density_grad(x, grad)
    }
    fn log_density_grad_batch(&self, xs: &[f64], grads: &mut [f64], out: &mut [f64]) {
        self.shard()
            .gradient
            .fetch_add(out.len() as u64, Ordering::Relaxed);
        self.inner.log_density_grad_batch(xs, grads, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;

    struct Quad;
    impl Target for Quad {
        fn dim(&self) -> usize {
            1
        }
        fn log_density(&self, x: &[f64]) -> f64 {
            -0.5 * x[0] * x[0]
        }
    }
    impl GradTarget for Quad {
        fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
            g[0] = -x[0];
            self.log_density(x)
        }
    }

    #[test]
    fn counts_across_threads_and_batches() {
        let t = Counted::new(Quad);
        (0..10_000).into_par_iter().for_each(|i| {
            let mut g = [0.0];
            t.log_density_grad(&[i as f64], &mut g);
            if i % 2 == 0 {
                t.log_density(&[0.0]);
            }
        });
        let mut out = [0.0; 3];
        t.log_density_batch(&[1.0, 2.0, 3.0], &mut out);
        assert_eq!(
            t.counts(),
            EvalCounts {
                density: 5_003,
                gradient: 10_000
            }
        );
        t.reset();
        assert_eq!(t.counts().total(), 0);
    }
}
