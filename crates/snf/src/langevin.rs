//! Overdamped Langevin blocks (`BrownianFlow` in bgtorch; paper §3, eq. 10–11).
//!
//! K unadjusted steps on `u_λ` with force `F = −∇u_λ` (the drift of `π_λ`, taken
//! through the [`Drift`] contract) and step ε:
//!
//! ```text
//! y_{k+1} = y_k + ε F(y_k) + √(2ε) η_k,        η_k ~ N(0, I),
//! η̃_k    = (y_k − y_{k+1} − ε F(y_{k+1})) / √(2ε),
//! ΔS     = Σ_k ½ (‖η_k‖² − ‖η̃_k‖²),
//! ```
//!
//! η̃_k is the noise the same step would need to go back, so ΔS is the exact log ratio
//! of the backward and forward path densities (no accept/reject: the path weight
//! corrects the discretization). The inverse pass simulates the block again.
//!
//! **Gradients.** Like the reference code (bgtorch's `Energy.force` without
//! `create_graph`, samplers-b.md §2.7 pitfall 2) the force is treated as a constant:
//! the block passes `∂L/∂y_0 = ∂L/∂y_K` and ΔS contributes no gradient (with F held
//! fixed, `y_K − y_0` and η̃ do not depend on y_0). This needs no Hessian of the
//! target; the weights are exact either way. docs/snf.md states the choice.

use sampo_core::rng::standard_normal;
use sampo_core::{Divergence, Drift, EvalCounts, StreamRng};
use serde::{Deserialize, Serialize};

/// An overdamped Langevin block (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overdamped {
    /// Steps K.
    pub steps: usize,
    /// λ of the block's energy.
    pub lambda: f64,
    /// Step ε > 0.
    pub step_size: f64,
}

impl Overdamped {
    /// Runs the K steps from `y` in place; returns ΔS. `scratch` holds 3d values.
    pub fn walk<D: Drift<Workspace = ()>>(
        &self,
        force: &D,
        y: &mut [f64],
        rng: &mut StreamRng,
        scratch: &mut Vec<f64>,
        cost: &mut EvalCounts,
    ) -> Result<f64, Divergence> {
        let d = y.len();
        scratch.resize(3 * d, 0.0);
        let (f, rest) = scratch.split_at_mut(d);
        let (eta, y_new) = rest.split_at_mut(d);
        let eps = self.step_size;
        let noise = (2.0 * eps).sqrt();
        *cost += force.drift(y, &mut (), f)?.evaluations;
        let mut ds = 0.0;
        for _ in 0..self.steps {
            eta.iter_mut().for_each(|e| *e = standard_normal(rng));
            for (((yn, yv), fv), e) in y_new.iter_mut().zip(y.iter()).zip(f.iter()).zip(eta.iter())
            {
                *yn = yv + eps * fv + noise * e;
            }
            ds += 0.5 * eta.iter().map(|e| e * e).sum::<f64>();
            *cost += force.drift(y_new, &mut (), f)?.evaluations;
            let back: f64 = y
                .iter()
                .zip(y_new.iter())
                .zip(f.iter())
                .map(|((yv, yn), fv)| {
                    let e = (yv - yn - eps * fv) / noise;
                    e * e
                })
                .sum();
            ds -= 0.5 * back;
            y.copy_from_slice(y_new);
        }
        Ok(ds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::energy::Interpolated;
    use sampo_core::rng::stream;
    use sampo_core::{GradTarget, Target};

    /// A 1-D Gaussian N(m, s²).
    struct G(f64, f64);
    impl Target for G {
        fn dim(&self) -> usize {
            1
        }
        fn log_density(&self, x: &[f64]) -> f64 {
            -0.5 * ((x[0] - self.0) / self.1).powi(2)
        }
    }
    impl GradTarget for G {
        fn log_density_grad(&self, x: &[f64], g: &mut [f64]) -> f64 {
            g[0] = -(x[0] - self.0) / (self.1 * self.1);
            self.log_density(x)
        }
    }

    /// One step's ΔS against the closed form: forward density N(y; x + εF(x), 2ε),
    /// backward N(x; y + εF(y), 2ε), ΔS = log q_back − log q_fwd.
    #[test]
    fn delta_s_is_the_log_ratio_of_the_step_densities() {
        let t = G(1.0, 0.7);
        let u = Interpolated::new(&t, 0.6);
        let block = Overdamped {
            steps: 1,
            lambda: 0.6,
            step_size: 0.3,
        };
        let force = |x: f64| {
            let mut g = [0.0];
            let mut c = EvalCounts::ZERO;
            u.energy_grad(&[x], &mut g, &mut c);
            -g[0]
        };
        let log_q = |from: f64, to: f64| {
            let m = from + 0.3 * force(from);
            -0.5 * (to - m).powi(2) / 0.6
        };
        let mut rng = stream(3, 1);
        let mut y = [0.4];
        let mut cost = EvalCounts::ZERO;
        let ds = block
            .walk(&u, &mut y, &mut rng, &mut Vec::new(), &mut cost)
            .unwrap();
        let want = log_q(y[0], 0.4) - log_q(0.4, y[0]);
        assert!((ds - want).abs() < 1e-12, "{ds} vs {want}");
        assert_eq!(cost, EvalCounts::gradient(2));
    }
}
