//! The target contracts: unnormalized log densities `log π̃(x) = −U(x)` on R^d.
//!
//! Modelled on rand's `Distribution` (one required method, the rest provided) and on
//! nuts-rs's fused `logp(x, grad) -> value`: the gradient is written into caller
//! memory so that hot loops allocate nothing.
//!
//! Batched methods take particles stored row-major (n × d, one particle contiguous),
//! the layout of [`crate::Particles`].

use crate::rng::StreamRng;
use crate::{CoreError, Particles, Smoothable};
use rayon::prelude::*;

/// An unnormalized density on R^d.
///
/// `log_density` may return `-inf` outside the support and must never panic on a
/// finite input of the right length. Metropolized samplers treat NaN/−∞ as a rejected
/// proposal; unadjusted ones report a divergence.
pub trait Target: Send + Sync {
    /// The dimension d.
    fn dim(&self) -> usize;

    /// `log π̃(x)` up to an additive constant (see [`Target::log_z`]).
    fn log_density(&self, x: &[f64]) -> f64;

    /// Row-major batch: `out[i] = log π̃(xs[i·d .. (i+1)·d])`.
    fn log_density_batch(&self, xs: &[f64], out: &mut [f64]) {
        let d = self.dim();
        debug_assert_eq!(xs.len(), d * out.len());
        for (x, o) in xs.chunks_exact(d).zip(out.iter_mut()) {
            *o = self.log_density(x);
        }
    }

    /// `log Z = log ∫ π̃(x) dx` where it is known in closed form (or to quadrature
    /// accuracy); `None` otherwise. A normalized target returns `Some(0.0)`.
    fn log_z(&self) -> Option<f64> {
        None
    }

    /// The target as an exact sampler, if it has one. Implementors of
    /// [`ExactSampler`] override this to return `Some(self)` so that code holding a
    /// `dyn Target` (the harness, the metrics' noise floors) can draw exact samples.
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        None
    }

    /// The target's closed-form Gaussian convolutions, if it has them (Gaussians and
    /// Gaussian mixtures): implementors of [`Smoothable`] return `Some(self)`, as for
    /// [`Target::exact_sampler`].
    fn smoothable(&self) -> Option<&dyn Smoothable> {
        None
    }

    /// Data terms `log p(y_i | x)` one evaluation of the full density (or of its
    /// gradient) touches: N for a [`FiniteSumTarget`] over N data points, 0 (the
    /// default) for closed-form targets. [`crate::Counted`] counts them, so a run
    /// on a posterior reports its cost in data passes as well as in evaluations.
    fn data_terms(&self) -> u64 {
        0
    }
}

/// A target with an analytic gradient, evaluated together with the value.
pub trait GradTarget: Target {
    /// Returns `log π̃(x)` and writes `∇ log π̃(x)` into `grad` (length d).
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64;

    /// Row-major batch of [`GradTarget::log_density_grad`]; `grads` is n × d.
    fn log_density_grad_batch(&self, xs: &[f64], grads: &mut [f64], out: &mut [f64]) {
        let d = self.dim();
        debug_assert_eq!(xs.len(), d * out.len());
        debug_assert_eq!(grads.len(), xs.len());
        for ((x, g), o) in xs
            .chunks_exact(d)
            .zip(grads.chunks_exact_mut(d))
            .zip(out.iter_mut())
        {
            *o = self.log_density_grad(x, g);
        }
    }
}

/// I.i.d. draws from the normalized target.
///
/// The RNG is the concrete stream type so that the trait stays dyn-compatible.
pub trait ExactSampler: Target {
    /// Writes one exact draw into `out` (length d).
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]);

    /// `n` exact draws; draw `i` uses the stream `(seed, i)`, so the result does not
    /// depend on the number of threads.
    fn sample_exact_n(&self, n: usize, seed: u64) -> Particles {
        let d = self.dim();
        let mut p = Particles::zeros(n, d);
        if d > 0 {
            p.as_mut_slice()
                .par_chunks_mut(d)
                .enumerate()
                .for_each(|(i, row)| {
                    let mut rng = crate::rng::stream(seed, i as u64);
                    self.sample_exact(&mut rng, row);
                });
        }
        p
    }
}

/// A Bayesian posterior written as a finite sum,
/// `log π̃(x) = log p(x) + Σ_{i<N} log p(y_i | x)`, for stochastic-gradient samplers.
pub trait FiniteSumTarget: GradTarget {
    /// The number of data terms N.
    fn n_terms(&self) -> usize;

    /// Returns `log p(x)` and writes its gradient into `grad` (overwriting it).
    fn log_prior_grad(&self, x: &[f64], grad: &mut [f64]) -> f64;

    /// Returns `log p(y_i | x)` and **adds** its gradient into `grad`.
    fn log_term_grad_add(&self, i: usize, x: &[f64], grad: &mut [f64]) -> f64;

    /// Unbiased minibatch estimate of the log density and its gradient:
    /// `log p(x) + (N/|B|) Σ_{i∈B} log p(y_i|x)` (Welling & Teh 2011, eq. 4).
    /// An empty batch returns the prior alone. `scratch` (length d) is caller memory
    /// for the batch's gradient sum, so the call allocates nothing.
    fn minibatch_log_density_grad(
        &self,
        x: &[f64],
        batch: &[usize],
        grad: &mut [f64],
        scratch: &mut [f64],
    ) -> f64 {
        let lp = self.log_prior_grad(x, grad);
        if batch.is_empty() {
            return lp;
        }
        scratch.iter_mut().for_each(|a| *a = 0.0);
        let mut ll = 0.0;
        for &i in batch {
            ll += self.log_term_grad_add(i, x, scratch);
        }
        let scale = self.n_terms() as f64 / batch.len() as f64;
        for (g, a) in grad.iter_mut().zip(scratch.iter()) {
            *g += scale * a;
        }
        lp + scale * ll
    }

    /// Adds the Hessian of `log p(x)` into `hess` (row-major d × d) and returns
    /// `true`; `false` (the default, `hess` untouched) when the target has no
    /// analytic Hessian. Second-order solvers (the distributed samplers' proximal
    /// steps) use it.
    fn log_prior_hessian_add(&self, _x: &[f64], _hess: &mut [f64]) -> bool {
        false
    }

    /// Adds the Hessian of `log p(y_i | x)` into `hess` (row-major d × d) and
    /// returns `true`; `false` (the default) when the target has no analytic Hessian.
    fn log_term_hessian_add(&self, _i: usize, _x: &[f64], _hess: &mut [f64]) -> bool {
        false
    }

    /// Whether the prior and every term are quadratic in x (constant Hessians, as in
    /// Bayesian linear regression): a solver may then summarize any range of terms by
    /// its Hessian and its gradient at one point, and never evaluate them again.
    fn is_quadratic(&self) -> bool {
        false
    }

    /// The full-data value and gradient; implementors can call this from
    /// [`GradTarget::log_density_grad`].
    fn full_log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let mut v = self.log_prior_grad(x, grad);
        for i in 0..self.n_terms() {
            v += self.log_term_grad_add(i, x, grad);
        }
        v
    }
}

/// Checks that `x` has the target's dimension.
pub fn check_dim(target: &(impl Target + ?Sized), what: &str, x: &[f64]) -> Result<(), CoreError> {
    if x.len() == target.dim() {
        Ok(())
    } else {
        Err(CoreError::dim(what, target.dim(), x.len()))
    }
}

macro_rules! forward_target {
    ($($ptr:ty),*) => {$(
        impl<T: Target + ?Sized> Target for $ptr {
            fn dim(&self) -> usize { (**self).dim() }
            fn log_density(&self, x: &[f64]) -> f64 { (**self).log_density(x) }
            fn log_density_batch(&self, xs: &[f64], out: &mut [f64]) { (**self).log_density_batch(xs, out) }
            fn log_z(&self) -> Option<f64> { (**self).log_z() }
            fn exact_sampler(&self) -> Option<&dyn ExactSampler> { (**self).exact_sampler() }
            fn smoothable(&self) -> Option<&dyn Smoothable> { (**self).smoothable() }
            fn data_terms(&self) -> u64 { (**self).data_terms() }
        }
        impl<T: GradTarget + ?Sized> GradTarget for $ptr {
            fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 { (**self).log_density_grad(x, grad) }
            fn log_density_grad_batch(&self, xs: &[f64], grads: &mut [f64], out: &mut [f64]) {
                (**self).log_density_grad_batch(xs, grads, out)
            }
        }
        impl<T: FiniteSumTarget + ?Sized> FiniteSumTarget for $ptr {
            fn n_terms(&self) -> usize { (**self).n_terms() }
            fn log_prior_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 { (**self).log_prior_grad(x, grad) }
            fn log_term_grad_add(&self, i: usize, x: &[f64], grad: &mut [f64]) -> f64 {
                (**self).log_term_grad_add(i, x, grad)
            }
            fn minibatch_log_density_grad(
                &self, x: &[f64], batch: &[usize], grad: &mut [f64], scratch: &mut [f64],
            ) -> f64 {
                (**self).minibatch_log_density_grad(x, batch, grad, scratch)
            }
            fn log_prior_hessian_add(&self, x: &[f64], hess: &mut [f64]) -> bool {
                (**self).log_prior_hessian_add(x, hess)
            }
            fn log_term_hessian_add(&self, i: usize, x: &[f64], hess: &mut [f64]) -> bool {
                (**self).log_term_hessian_add(i, x, hess)
            }
            fn is_quadratic(&self) -> bool { (**self).is_quadratic() }
        }
    )*};
}
forward_target!(&T, Box<T>, std::sync::Arc<T>);
