//! Forward-time grids of the reverse process.
//!
//! The reverse process runs from forward time `t_0 = T` down to `t_K = δ` in K steps
//! of lengths `η_k = t_k − t_{k+1} > 0`; the score is needed at `t_0 … t_{K−1}`.
//!
//! - **Uniform**: `t_k = T − k (T − δ)/K`, all `η_k = (T − δ)/K` (SLIPS's grid).
//! - **Geometric** (log-uniform): `t_k = δ · (T/δ)^{(K−k)/K}`, so
//!   `t_{k+1} / t_k = (δ/T)^{1/K}` and `η_k / t_k = 1 − (δ/T)^{1/K}` is the same at
//!   every step. Near δ the posterior `q_t` has width `√(e^{2t} − 1) ≈ √(2t)` and the
//!   score's stiff part `−x/(1 − e^{−2t}) ≈ −x/(2t)` makes the frozen-score step
//!   accurate only when `η ≪ t`; the geometric grid keeps `η/t` fixed, where a
//!   uniform grid with the same K spends most of its steps at large t, where p_t is
//!   nearly Gaussian. (ZOD-MC's `VP.time_steps` is geometric from δ up to t = 1 and
//!   uniform beyond; a pure log-uniform grid is the simplest grid with this property.)

use crate::config::{Grid, Schedule};

/// The K + 1 forward times `t_0 = T > t_1 > … > t_K = δ` (endpoints exact).
pub fn times(s: &Schedule) -> Vec<f64> {
    let k = s.steps;
    let (big_t, delta) = (s.horizon, s.early_stop);
    let mut t: Vec<f64> = (0..=k)
        .map(|i| {
            let frac = (k - i) as f64 / k as f64;
            match s.grid {
                Grid::Uniform => delta + (big_t - delta) * frac,
                Grid::Geometric => delta * (big_t / delta).powf(frac),
            }
        })
        .collect();
    t[0] = big_t;
    t[k] = delta;
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_are_decreasing_with_exact_endpoints() {
        for grid in [Grid::Uniform, Grid::Geometric] {
            let s = Schedule {
                grid,
                horizon: 3.0,
                steps: 7,
                early_stop: 0.01,
            };
            let t = times(&s);
            assert_eq!(t.len(), 8);
            assert_eq!(t[0], 3.0);
            assert_eq!(t[7], 0.01);
            assert!(t.windows(2).all(|w| w[0] > w[1]), "{t:?}");
        }
        let s = Schedule {
            grid: Grid::Geometric,
            horizon: 1.0,
            steps: 4,
            early_stop: 0.0625,
        };
        let t = times(&s);
        for (a, b) in t.iter().zip([1.0, 0.5, 0.25, 0.125, 0.0625]) {
            assert!((a - b).abs() < 1e-15, "{t:?}");
        }
        let s = Schedule {
            grid: Grid::Uniform,
            horizon: 1.0,
            steps: 4,
            early_stop: 0.2,
        };
        let t = times(&s);
        for (a, b) in t.iter().zip([1.0, 0.8, 0.6, 0.4, 0.2]) {
            assert!((a - b).abs() < 1e-15, "{t:?}");
        }
    }
}
