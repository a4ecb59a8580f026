//! Evaluation counting, so that samplers are compared at equal cost in every unit.
//!
//! Three units are counted separately and never summed into one number:
//!
//! - **density** evaluations `log π̃(x)` without a gradient;
//! - **gradient** evaluations, the fused value-and-gradient `log π̃(x), ∇log π̃(x)`;
//! - **data terms** of finite-sum targets: every `log p(y_i | x)` touched, whether
//!   by a minibatch or by a full evaluation (which touches all N of them, see
//!   [`crate::Target::data_terms`]).
//!
//! [`Counted`] wraps a target and owns a [`Counter`]; [`CountedRef`] is the same
//! wrapper over a borrowed target and a borrowed counter, so that one counter can
//! serve several views of one target (the harness hands a sampler the density, the
//! gradient and the finite-sum view of the same counted target). Counters are
//! sharded over cache-line-padded atomics indexed by the rayon worker, so counting
//! does not serialize parallel particle updates on one contended cache line.

use crate::{ExactSampler, FiniteSumTarget, GradTarget, Target};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// Evaluation counts of one run, one step or one target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalCounts {
    /// Log-density evaluations without gradient.
    pub density: u64,
    /// Fused log-density-and-gradient evaluations.
    pub gradient: u64,
    /// Data terms `log p(y_i | x)` of finite-sum targets touched (0 for other targets).
    #[serde(default)]
    pub data_terms: u64,
}

/// A unit of cost: what a budget counts and what a row reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostUnit {
    /// Density evaluations.
    Density,
    /// Gradient (fused value-and-gradient) evaluations.
    Gradient,
    /// Density plus gradient evaluations (a gradient evaluation counts once).
    Total,
    /// Data terms of a finite sum.
    DataTerms,
}

impl CostUnit {
    /// Every unit, in the order tables list them.
    pub const ALL: [CostUnit; 4] = [
        CostUnit::Gradient,
        CostUnit::Density,
        CostUnit::Total,
        CostUnit::DataTerms,
    ];

    /// The name used in budgets and tables (`gradient`, `density`, `total`, `data-terms`).
    pub fn name(self) -> &'static str {
        match self {
            CostUnit::Density => "density",
            CostUnit::Gradient => "gradient",
            CostUnit::Total => "total",
            CostUnit::DataTerms => "data-terms",
        }
    }

    /// The unit called `name` (see [`CostUnit::name`]).
    pub fn from_name(name: &str) -> Option<CostUnit> {
        CostUnit::ALL.into_iter().find(|u| u.name() == name)
    }
}

impl std::fmt::Display for CostUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl EvalCounts {
    /// No evaluation.
    pub const ZERO: EvalCounts = EvalCounts {
        density: 0,
        gradient: 0,
        data_terms: 0,
    };

    /// `n` density evaluations.
    pub const fn density(n: u64) -> Self {
        EvalCounts {
            density: n,
            gradient: 0,
            data_terms: 0,
        }
    }

    /// `n` gradient evaluations.
    pub const fn gradient(n: u64) -> Self {
        EvalCounts {
            density: 0,
            gradient: n,
            data_terms: 0,
        }
    }

    /// The same counts with `terms` data terms.
    pub const fn with_data_terms(mut self, terms: u64) -> Self {
        self.data_terms = terms;
        self
    }

    /// Total evaluations of the target (a gradient evaluation counts once); data
    /// terms are a different unit and are not added.
    pub fn total(&self) -> u64 {
        self.density + self.gradient
    }

    /// The count in `unit`.
    pub fn in_unit(&self, unit: CostUnit) -> u64 {
        match unit {
            CostUnit::Density => self.density,
            CostUnit::Gradient => self.gradient,
            CostUnit::Total => self.total(),
            CostUnit::DataTerms => self.data_terms,
        }
    }

    /// Field-wise difference `self − earlier` (saturating at 0).
    pub fn since(&self, earlier: &EvalCounts) -> EvalCounts {
        EvalCounts {
            density: self.density.saturating_sub(earlier.density),
            gradient: self.gradient.saturating_sub(earlier.gradient),
            data_terms: self.data_terms.saturating_sub(earlier.data_terms),
        }
    }

    /// Every field multiplied by `k`.
    pub fn times(&self, k: u64) -> EvalCounts {
        EvalCounts {
            density: self.density * k,
            gradient: self.gradient * k,
            data_terms: self.data_terms * k,
        }
    }
}

impl std::ops::Add for EvalCounts {
    type Output = EvalCounts;
    fn add(self, o: EvalCounts) -> EvalCounts {
        EvalCounts {
            density: self.density + o.density,
            gradient: self.gradient + o.gradient,
            data_terms: self.data_terms + o.data_terms,
        }
    }
}

impl std::ops::AddAssign for EvalCounts {
    fn add_assign(&mut self, o: EvalCounts) {
        *self = *self + o;
    }
}

impl std::iter::Sum for EvalCounts {
    fn sum<I: Iterator<Item = EvalCounts>>(iter: I) -> EvalCounts {
        iter.fold(EvalCounts::ZERO, |a, b| a + b)
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
    data_terms: AtomicU64,
}

/// Thread-safe evaluation counters (see the module docs).
pub struct Counter {
    shards: Box<[Shard]>,
}

impl Default for Counter {
    fn default() -> Self {
        Counter::new()
    }
}

impl std::fmt::Debug for Counter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Counter").field(&self.counts()).finish()
    }
}

impl Counter {
    /// Zeroed counters.
    pub fn new() -> Self {
        Counter {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
        }
    }

    /// Sets all counters to zero.
    pub fn reset(&self) {
        for s in self.shards.iter() {
            s.density.store(0, Ordering::Relaxed);
            s.gradient.store(0, Ordering::Relaxed);
            s.data_terms.store(0, Ordering::Relaxed);
        }
    }

    /// Adds `n` density evaluations touching `terms` data terms each.
    #[inline]
    pub fn add_density(&self, n: u64, terms: u64) {
        Shards(&self.shards).add_density(n, terms)
    }

    /// Adds `n` gradient evaluations touching `terms` data terms each.
    #[inline]
    pub fn add_gradient(&self, n: u64, terms: u64) {
        Shards(&self.shards).add_gradient(n, terms)
    }

    /// Adds `n` data terms (minibatch evaluations).
    #[inline]
    pub fn add_data_terms(&self, n: u64) {
        Shards(&self.shards).add_data_terms(n)
    }
}

/// The shard array of a [`Counter`], borrowed: what the counting wrappers hold, so an
/// evaluation reaches its atomic through one pointer.
#[derive(Clone, Copy)]
struct Shards<'a>(&'a [Shard]);

impl Shards<'_> {
    #[inline]
    fn shard(&self) -> &Shard {
        let i = rayon::current_thread_index().unwrap_or(0) % SHARDS;
        &self.0[i]
    }

    #[inline]
    fn add_density(&self, n: u64, terms: u64) {
        let s = self.shard();
        s.density.fetch_add(n, Ordering::Relaxed);
        if terms > 0 {
            s.data_terms.fetch_add(n * terms, Ordering::Relaxed);
        }
    }

    #[inline]
    fn add_gradient(&self, n: u64, terms: u64) {
        let s = self.shard();
        s.gradient.fetch_add(n, Ordering::Relaxed);
        if terms > 0 {
            s.data_terms.fetch_add(n * terms, Ordering::Relaxed);
        }
    }

    #[inline]
    fn add_data_terms(&self, n: u64) {
        self.shard().data_terms.fetch_add(n, Ordering::Relaxed);
    }
}

impl EvalSource for Counter {
    fn counts(&self) -> EvalCounts {
        let mut c = EvalCounts::ZERO;
        for s in self.shards.iter() {
            c.density += s.density.load(Ordering::Relaxed);
            c.gradient += s.gradient.load(Ordering::Relaxed);
            c.data_terms += s.data_terms.load(Ordering::Relaxed);
        }
        c
    }
}

/// A target wrapper that counts evaluations; thread-safe.
pub struct Counted<T> {
    inner: T,
    counter: Counter,
    /// `inner.data_terms()`, read once (a dynamic call per evaluation otherwise).
    terms: u64,
}

impl<T: Target> Counted<T> {
    /// Wraps `inner` with zeroed counters.
    pub fn new(inner: T) -> Self {
        let terms = inner.data_terms();
        Counted {
            inner,
            counter: Counter::new(),
            terms,
        }
    }
}

impl<T> Counted<T> {
    /// The wrapped target.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The counters.
    pub fn counter(&self) -> &Counter {
        &self.counter
    }

    /// Sets all counters to zero.
    pub fn reset(&self) {
        self.counter.reset()
    }

    /// A borrowed view counting into the same counters.
    pub fn as_ref(&self) -> CountedRef<'_, T> {
        CountedRef {
            inner: &self.inner,
            counter: &self.counter,
            shards: Shards(&self.counter.shards),
            terms: self.terms,
        }
    }
}

impl<T: Sync> EvalSource for Counted<T> {
    fn counts(&self) -> EvalCounts {
        self.counter.counts()
    }
}

/// A borrowed target counting into a borrowed [`Counter`]; `Copy`, so kernels can
/// own it. `T` may be unsized: `CountedRef<'_, dyn GradTarget>` is a concrete type,
/// and a kernel generic over it makes one dynamic call per evaluation (the inner one).
pub struct CountedRef<'a, T: ?Sized> {
    inner: &'a T,
    counter: &'a Counter,
    shards: Shards<'a>,
    /// `inner.data_terms()`, read once.
    terms: u64,
}

impl<T: ?Sized> Clone for CountedRef<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for CountedRef<'_, T> {}

impl<'a, T: Target + ?Sized> CountedRef<'a, T> {
    /// Counts evaluations of `inner` into `counter`.
    pub fn new(inner: &'a T, counter: &'a Counter) -> Self {
        CountedRef {
            inner,
            counter,
            shards: Shards(&counter.shards),
            terms: inner.data_terms(),
        }
    }
}

impl<'a, T: ?Sized> CountedRef<'a, T> {
    /// The wrapped target.
    pub fn inner(&self) -> &'a T {
        self.inner
    }

    /// The counters.
    pub fn counter(&self) -> &'a Counter {
        self.counter
    }
}

impl<T: ?Sized + Sync> EvalSource for CountedRef<'_, T> {
    fn counts(&self) -> EvalCounts {
        self.counter.counts()
    }
}

/// The counting logic, written once for [`Counted`] and [`CountedRef`].
macro_rules! counting_impls {
    ($ty:ty, [$($gen:tt)*], $inner:ident, $counter:ident) => {
        impl<$($gen)*> Target for $ty {
            fn dim(&self) -> usize {
                self.$inner.dim()
            }
            #[inline]
            fn log_density(&self, x: &[f64]) -> f64 {
                self.$counter.add_density(1, self.terms);
                self.$inner.log_density(x)
            }
            fn log_density_batch(&self, xs: &[f64], out: &mut [f64]) {
                self.$counter.add_density(out.len() as u64, self.terms);
                self.$inner.log_density_batch(xs, out)
            }
            fn log_z(&self) -> Option<f64> {
                self.$inner.log_z()
            }
            fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
                // Exact draws are not target evaluations: they are not counted.
                self.$inner.exact_sampler()
            }
            fn smoothable(&self) -> Option<&dyn crate::Smoothable> {
                // Smoothed densities are not evaluations of the target: the sampler
                // that uses them counts them (`crate::Smoothable`).
                self.$inner.smoothable()
            }
            fn data_terms(&self) -> u64 {
                self.terms
            }
        }
    };
    (@grad $ty:ty, [$($gen:tt)*], $inner:ident, $counter:ident) => {
        impl<$($gen)*> GradTarget for $ty {
            #[inline]
            fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
                self.$counter.add_gradient(1, self.terms);
                self.$inner.log_density_grad(x, grad)
            }
            fn log_density_grad_batch(&self, xs: &[f64], grads: &mut [f64], out: &mut [f64]) {
                self.$counter.add_gradient(out.len() as u64, self.terms);
                self.$inner.log_density_grad_batch(xs, grads, out)
            }
        }
    };
    (@sum $ty:ty, [$($gen:tt)*], $inner:ident, $counter:ident) => {
        impl<$($gen)*> FiniteSumTarget for $ty {
            fn n_terms(&self) -> usize {
                self.$inner.n_terms()
            }
            fn log_prior_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
                self.$inner.log_prior_grad(x, grad)
            }
            #[inline]
            fn log_term_grad_add(&self, i: usize, x: &[f64], grad: &mut [f64]) -> f64 {
                self.$counter.add_data_terms(1);
                self.$inner.log_term_grad_add(i, x, grad)
            }
            fn minibatch_log_density_grad(
                &self,
                x: &[f64],
                batch: &[usize],
                grad: &mut [f64],
                scratch: &mut [f64],
            ) -> f64 {
                self.$counter.add_data_terms(batch.len() as u64);
                self.$inner.minibatch_log_density_grad(x, batch, grad, scratch)
            }
            fn log_prior_hessian_add(&self, x: &[f64], hess: &mut [f64]) -> bool {
                self.$inner.log_prior_hessian_add(x, hess)
            }
            /// A term's Hessian touches the term: one data term.
            #[inline]
            fn log_term_hessian_add(&self, i: usize, x: &[f64], hess: &mut [f64]) -> bool {
                self.$counter.add_data_terms(1);
                self.$inner.log_term_hessian_add(i, x, hess)
            }
            fn is_quadratic(&self) -> bool {
                self.$inner.is_quadratic()
            }
        }
    };
}

counting_impls!(Counted<T>, [T: Target], inner, counter);
counting_impls!(@grad Counted<T>, [T: GradTarget], inner, counter);
counting_impls!(@sum Counted<T>, [T: FiniteSumTarget], inner, counter);
counting_impls!(CountedRef<'_, T>, [T: Target + ?Sized], inner, shards);
counting_impls!(@grad CountedRef<'_, T>, [T: GradTarget + ?Sized], inner, shards);
counting_impls!(@sum CountedRef<'_, T>, [T: FiniteSumTarget + ?Sized], inner, shards);

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
                gradient: 10_000,
                data_terms: 0,
            }
        );
        // A borrowed view counts into the same counters.
        let r = t.as_ref();
        r.log_density(&[0.0]);
        assert_eq!(t.counts().density, 5_004);
        t.reset();
        assert_eq!(t.counts().total(), 0);
    }

    #[test]
    fn units_are_separate() {
        let c = EvalCounts {
            density: 3,
            gradient: 4,
            data_terms: 100,
        };
        assert_eq!(c.in_unit(CostUnit::Density), 3);
        assert_eq!(c.in_unit(CostUnit::Gradient), 4);
        assert_eq!(c.in_unit(CostUnit::Total), 7);
        assert_eq!(c.in_unit(CostUnit::DataTerms), 100);
        for u in CostUnit::ALL {
            assert_eq!(CostUnit::from_name(u.name()), Some(u));
        }
        assert_eq!(CostUnit::from_name("seconds"), None);
        assert_eq!([c, c].into_iter().sum::<EvalCounts>(), c.times(2));
    }
}
