//! φ⁴ lattice field theory on an L × L periodic lattice, in the hopping form of the
//! flow-based lattice papers:
//! S(φ) = Σ_x [−2κ Σ_μ φ_x φ_{x+μ̂} + (1 − 2λ) φ_x² + λ φ_x⁴],
//! μ over the two forward directions; log π = −S. Site (i, j) is coordinate
//! i·L + j. The preset `phi4-<L>` takes κ = [`DEFAULT_KAPPA`], λ = [`DEFAULT_LAMBDA`],
//! a point inside the range the hopping-form flow papers scan (λ = 0.022, κ from 0.2
//! to 0.4); its reference observables come from our own long runs
//! (`sampo-bench reference`), not from a paper's table.

use crate::TargetError;
use sampo_core::{GradTarget, Target, validate};

/// Default hopping parameter κ of the `phi4-<L>` presets.
pub const DEFAULT_KAPPA: f64 = 0.3;
/// Default quartic coupling λ of the `phi4-<L>` presets.
pub const DEFAULT_LAMBDA: f64 = 0.022;

/// The φ⁴ action on an L × L periodic lattice (module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phi4 {
    size: usize,
    kappa: f64,
    lambda: f64,
}

impl Phi4 {
    /// The lattice of side `size` ≥ 2 with hopping κ ≥ 0 and coupling λ ≥ 0.
    pub fn new(size: usize, kappa: f64, lambda: f64) -> Result<Self, TargetError> {
        if size < 2 {
            return Err(TargetError::invalid(
                "size",
                size,
                "the lattice needs L >= 2",
            ));
        }
        if size
            .checked_mul(size)
            .is_none_or(|d| d > crate::error::MAX_DIM)
        {
            return Err(TargetError::invalid(
                "size",
                size,
                format!("L² must be at most {}", crate::error::MAX_DIM),
            ));
        }
        validate::non_negative("kappa", kappa)?;
        validate::non_negative("lambda", lambda)?;
        Ok(Phi4 {
            size,
            kappa,
            lambda,
        })
    }

    /// The action S(φ).
    pub fn action(&self, phi: &[f64]) -> f64 {
        let l = self.size;
        let mut s = 0.0;
        for i in 0..l {
            for j in 0..l {
                let v = phi[i * l + j];
                let right = phi[i * l + (j + 1) % l];
                let down = phi[((i + 1) % l) * l + j];
                let v2 = v * v;
                s += -2.0 * self.kappa * v * (right + down)
                    + (1.0 - 2.0 * self.lambda) * v2
                    + self.lambda * v2 * v2;
            }
        }
        s
    }

    /// The magnetization M = Σ_x φ_x.
    pub fn magnetization(phi: &[f64]) -> f64 {
        phi.iter().sum()
    }
}

impl Target for Phi4 {
    fn dim(&self) -> usize {
        self.size * self.size
    }
    fn log_density(&self, phi: &[f64]) -> f64 {
        -self.action(phi)
    }
}

impl GradTarget for Phi4 {
    /// ∂S/∂φ_x = −2κ Σ_μ (φ_{x+μ̂} + φ_{x−μ̂}) + 2(1 − 2λ) φ_x + 4λ φ_x³.
    fn log_density_grad(&self, phi: &[f64], grad: &mut [f64]) -> f64 {
        let l = self.size;
        for i in 0..l {
            for j in 0..l {
                let v = phi[i * l + j];
                let nb = phi[i * l + (j + 1) % l]
                    + phi[i * l + (j + l - 1) % l]
                    + phi[((i + 1) % l) * l + j]
                    + phi[((i + l - 1) % l) * l + j];
                let ds = -2.0 * self.kappa * nb
                    + 2.0 * (1.0 - 2.0 * self.lambda) * v
                    + 4.0 * self.lambda * v * v * v;
                grad[i * l + j] = -ds;
            }
        }
        -self.action(phi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_field_has_the_closed_form_action() {
        // φ ≡ c: each site has 2 forward bonds, S = L² [−4κc² + (1 − 2λ)c² + λc⁴].
        let (l, kappa, lambda, c) = (8, 0.3, 0.02, 1.7);
        let t = Phi4::new(l, kappa, lambda).unwrap();
        let phi = vec![c; l * l];
        let c2 = c * c;
        let want =
            (l * l) as f64 * (-4.0 * kappa * c2 + (1.0 - 2.0 * lambda) * c2 + lambda * c2 * c2);
        assert!((t.action(&phi) - want).abs() < 1e-10 * want.abs());
        assert!((Phi4::magnetization(&phi) - c * (l * l) as f64).abs() < 1e-12);
        assert!(Phi4::new(1, 0.3, 0.02).is_err());
        assert!(Phi4::new(8, -0.1, 0.02).is_err());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let t = Phi4::new(4, 0.27, 0.022).unwrap();
        let mut r = sampo_core::rng::stream(3, 0);
        for _ in 0..20 {
            let mut phi = vec![0.0; 16];
            sampo_core::rng::fill_standard_normal(&mut r, &mut phi);
            sampo_core::numdiff::check_gradient(&t, &phi, 1e-6).unwrap();
        }
    }
}
