//! 2-D potential energy surfaces (Müller–Brown, Wolfe–Quapp) as targets: log π = −E/T
//! with analytic gradients, and reference samples and log Z on a fine grid
//! ([`crate::grid`]), built on first use.

use crate::TargetError;
use crate::grid::{Grid2d, LazyGrid};
use sampo_core::rng::StreamRng;
use sampo_core::{ExactSampler, GradTarget, Target, validate};

/// A 2-D potential: its energy and gradient, and a box around its minima to start
/// the reference grid's box search from.
pub trait Potential2d: std::fmt::Debug + Clone + PartialEq + Send + Sync {
    /// The name errors and the grid report.
    const NAME: &'static str;
    /// (E, ∂E/∂x, ∂E/∂y) at (x, y).
    fn energy_grad(&self, x: f64, y: f64) -> (f64, f64, f64);
    /// ((x_lo, x_hi), (y_lo, y_hi)) around the minima.
    fn start_box(&self) -> ((f64, f64), (f64, f64));
}

/// The target e^{−E/T} of a [`Potential2d`].
#[derive(Debug, Clone)]
pub struct Surface<P> {
    potential: P,
    beta: f64,
    grid: LazyGrid,
}

impl<P: Potential2d> PartialEq for Surface<P> {
    fn eq(&self, other: &Self) -> bool {
        self.potential == other.potential && self.beta == other.beta
    }
}

impl<P: Potential2d> Surface<P> {
    /// The surface of `potential` at temperature 1.
    pub fn of(potential: P) -> Self {
        Surface {
            potential,
            beta: 1.0,
            grid: LazyGrid::default(),
        }
    }

    /// The same surface at temperature `t` > 0: log π = −E/t.
    pub fn with_temperature(self, t: f64) -> Result<Self, TargetError> {
        let t = validate::positive("temperature", t)?;
        Ok(Surface {
            potential: self.potential,
            beta: 1.0 / t,
            grid: LazyGrid::default(),
        })
    }

    /// The potential.
    pub fn potential(&self) -> &P {
        &self.potential
    }

    /// The energy E(x, y).
    pub fn energy(&self, p: &[f64]) -> f64 {
        self.potential.energy_grad(p[0], p[1]).0
    }

    /// The reference grid (built on first use; `None` only if it cannot be).
    pub fn grid(&self) -> Option<&Grid2d> {
        self.grid.get(|| {
            let (bx, by) = self.potential.start_box();
            Grid2d::build(
                P::NAME,
                &|x, y| -self.beta * self.potential.energy_grad(x, y).0,
                bx,
                by,
            )
        })
    }
}

impl<P: Potential2d> Target for Surface<P> {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, p: &[f64]) -> f64 {
        -self.beta * self.energy(p)
    }
    fn log_z(&self) -> Option<f64> {
        self.grid().map(Grid2d::log_z)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        self.grid().map(|_| self as &dyn ExactSampler)
    }
}

impl<P: Potential2d> GradTarget for Surface<P> {
    fn log_density_grad(&self, p: &[f64], grad: &mut [f64]) -> f64 {
        let (e, gx, gy) = self.potential.energy_grad(p[0], p[1]);
        grad[0] = -self.beta * gx;
        grad[1] = -self.beta * gy;
        -self.beta * e
    }
}

impl<P: Potential2d> ExactSampler for Surface<P> {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        self.grid()
            .expect("exact_sampler() is Some only with a grid")
            .sample(rng, out);
    }
}
