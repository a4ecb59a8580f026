//! Type-erased targets with their capabilities, and counted views of them.
//!
//! [`AnyTarget`] owns a target as the richest trait object it supports: a density
//! only ([`Target`]), a gradient ([`GradTarget`]) or a finite sum
//! ([`FiniteSumTarget`]). A [`TargetRef`] is what a [`super::Sampler`] receives: the
//! target and one [`Counter`], handing out [`CountedRef`] views for each capability
//! it has, all counting into that one counter. A kernel generic over
//! `CountedRef<'_, dyn GradTarget>` makes one dynamic call per evaluation, as a
//! kernel over a boxed target would.

use super::Needs;
use crate::{CoreError, CountedRef, Counter, ExactSampler, FiniteSumTarget, GradTarget, Target};

/// A target with the capabilities it has.
pub enum AnyTarget {
    /// Log density only (gradient-free samplers only).
    Density(Box<dyn Target>),
    /// Log density and gradient.
    Gradient(Box<dyn GradTarget>),
    /// A finite-sum posterior.
    FiniteSum(Box<dyn FiniteSumTarget>),
}

impl AnyTarget {
    /// The dimension.
    pub fn dim(&self) -> usize {
        self.density().dim()
    }

    /// The target as a density.
    pub fn density(&self) -> &dyn Target {
        match self {
            AnyTarget::Density(t) => t.as_ref(),
            AnyTarget::Gradient(t) => t.as_ref(),
            AnyTarget::FiniteSum(t) => t.as_ref(),
        }
    }

    /// The target with its gradient, if it has one.
    pub fn gradient(&self) -> Option<&dyn GradTarget> {
        match self {
            AnyTarget::Density(_) => None,
            AnyTarget::Gradient(t) => Some(t.as_ref()),
            AnyTarget::FiniteSum(t) => Some(t.as_ref()),
        }
    }

    /// The target as a finite sum, if it is one.
    pub fn finite_sum(&self) -> Option<&dyn FiniteSumTarget> {
        match self {
            AnyTarget::FiniteSum(t) => Some(t.as_ref()),
            _ => None,
        }
    }

    /// What the target provides.
    pub fn provides(&self) -> Needs {
        let base = match self {
            AnyTarget::Density(_) => Needs::DENSITY,
            AnyTarget::Gradient(_) => Needs::GRADIENT,
            AnyTarget::FiniteSum(_) => Needs::FINITE_SUM,
        };
        Needs {
            smoothing: self.density().smoothable().is_some(),
            ..base
        }
    }
}

impl From<Box<dyn GradTarget>> for AnyTarget {
    fn from(t: Box<dyn GradTarget>) -> Self {
        AnyTarget::Gradient(t)
    }
}

/// The counted density view of a [`TargetRef`].
pub type DensityView<'a> = CountedRef<'a, dyn Target + 'a>;
/// The counted gradient view of a [`TargetRef`].
pub type GradView<'a> = CountedRef<'a, dyn GradTarget + 'a>;
/// The counted finite-sum view of a [`TargetRef`].
pub type FiniteSumView<'a> = CountedRef<'a, dyn FiniteSumTarget + 'a>;

/// A counted view of an [`AnyTarget`] (see the module docs); `Copy`.
#[derive(Clone, Copy)]
pub struct TargetRef<'a> {
    target: &'a AnyTarget,
    counter: &'a Counter,
}

impl<'a> TargetRef<'a> {
    /// Counts evaluations of `target` into `counter`.
    pub fn new(target: &'a AnyTarget, counter: &'a Counter) -> Self {
        TargetRef { target, counter }
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.target.dim()
    }

    /// What the target provides.
    pub fn provides(&self) -> Needs {
        self.target.provides()
    }

    /// Checks that the target provides `needs`; the error names what is missing.
    pub fn check(&self, sampler: &str, needs: Needs) -> Result<(), CoreError> {
        let missing = needs.missing(&self.provides());
        if missing.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Unsupported {
                reason: format!(
                    "sampler `{sampler}` needs the target's {}, which this target does not provide \
                     (it provides: {})",
                    missing.join(" and "),
                    self.provides()
                ),
            })
        }
    }

    /// The counted density.
    pub fn density(&self) -> DensityView<'a> {
        CountedRef::new(self.target.density(), self.counter)
    }

    /// The counted gradient target; an error if the target has no gradient.
    pub fn gradient(&self) -> Result<GradView<'a>, CoreError> {
        self.target
            .gradient()
            .map(|g| CountedRef::new(g, self.counter))
            .ok_or_else(|| CoreError::Unsupported {
                reason: "this sampler needs the target's gradient; the target has only a density"
                    .into(),
            })
    }

    /// The counted finite sum; an error if the target is not one.
    pub fn finite_sum(&self) -> Result<FiniteSumView<'a>, CoreError> {
        self.target
            .finite_sum()
            .map(|g| CountedRef::new(g, self.counter))
            .ok_or_else(|| CoreError::Unsupported {
                reason: "this sampler needs a finite-sum target (data terms)".into(),
            })
    }

    /// The counter every view counts into.
    pub fn counter(&self) -> &'a Counter {
        self.counter
    }

    /// The target's closed-form Gaussian smoothing, if it has one (evaluations of
    /// the smoothed densities are not counted here: the sampler counts them).
    pub fn smoothable(&self) -> Option<&'a dyn crate::Smoothable> {
        self.target.density().smoothable()
    }

    /// The target's exact sampler, if it has one (draws are not counted).
    pub fn exact_sampler(&self) -> Option<&'a dyn ExactSampler> {
        self.target.density().exact_sampler()
    }
}
