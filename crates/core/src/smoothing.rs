//! Targets whose Gaussian convolutions have closed forms.
//!
//! Walk-jump sampling and other smoothing samplers need the **smoothed density**
//! `p_{s²} = π ∗ N(0, s² I)`, the law of `Y = X + s Z` for `X ~ π`, `Z ~ N(0, I)`,
//! its score, and the **denoising posterior** `p(x | y) ∝ π(x) N(y; x, s² I)`. For a
//! Gaussian mixture `π = Σ_k w_k N(μ_k, S_k)` all three are closed form
//! (Saremi, Park & Bach 2024, §4; research notes samplers-a §2.7):
//!
//! ```text
//! p_{s²}(y)  = Σ_k w_k N(y; μ_k, S_k + s² I)
//! p(x | y)   = Σ_k r_k(y) N(x; m_k(y), C_k),   r_k ∝ w_k N(y; μ_k, S_k + s² I)
//! C_k        = (S_k⁻¹ + s⁻² I)⁻¹,             m_k(y) = C_k (S_k⁻¹ μ_k + y / s²)
//! E[X | y]   = y + s² ∇log p_{s²}(y)           (Tweedie's formula)
//! ```
//!
//! A target with such closed forms implements [`Smoothable`] and returns itself from
//! [`crate::Target::smoothable`], as an exact sampler does from
//! [`crate::Target::exact_sampler`], so code holding a `dyn Target` (the harness's
//! registry) finds them. Evaluations of a [`Smoothed`] density are not evaluations of
//! π: a sampler counts them itself (walk-jump counts each as one gradient
//! evaluation, the cost of one evaluation of the mixture's score).

use crate::rng::StreamRng;
use crate::{CoreError, GradTarget, Target};

/// The geometry behind the rule that chooses a smoothing scale: π is the law of
/// `Z + N(0, τ² I)` with `Z` supported in a ball of radius R about `center`.
#[derive(Debug, Clone, PartialEq)]
pub struct SmoothingGeometry {
    /// R: for a mixture, the largest distance of a component mean from the
    /// weighted mean of the means.
    pub radius: f64,
    /// τ²: for a mixture, the smallest eigenvalue over the component covariances
    /// (every component is `N(0, τ² I)` convolved with a Gaussian).
    pub floor_variance: f64,
    /// The ball's centre.
    pub center: Vec<f64>,
}

/// A target whose Gaussian convolutions are known in closed form (module docs).
pub trait Smoothable: Target {
    /// `p_{s²} = π ∗ N(0, s² I)` for `variance = s² > 0`, normalized as π is, with
    /// its gradient and its denoising posterior. An error names a bad variance.
    fn smoothed(&self, variance: f64) -> Result<Box<dyn Smoothed>, CoreError>;

    /// R, τ² and the centre (see [`SmoothingGeometry`]).
    fn smoothing_geometry(&self) -> SmoothingGeometry;
}

/// One smoothed density `p_{s²}` (see [`Smoothable::smoothed`]).
pub trait Smoothed: GradTarget {
    /// The smoothing variance s².
    fn variance(&self) -> f64;

    /// One exact draw of `p(x | y) ∝ π(x) N(y; x, s² I)` into `out`.
    fn posterior_draw(&self, y: &[f64], rng: &mut StreamRng, out: &mut [f64]);
}
