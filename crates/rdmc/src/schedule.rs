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
//!   nearly Gaussian. With `linear_above = t*` (the default), the grid is
//!   log-uniform up to t* and uniform above, like ZOD-MC's `VP.time_steps` (which
//!   switches at t* = 1): the times are equally spaced in the warped time
//!
//!   ```text
//!   φ(t) = ln t                  (t ≤ t*)
//!   φ(t) = ln t* + (t − t*)/t*    (t > t*)
//!   ```
//!
//!   whose derivative 1/t is continuous at t*, so the step grows like `t Δφ` up to
//!   t* and stays `t* Δφ` above. A pure log-uniform grid takes steps of `0.11 t` at
//!   K = 40 (T = 4, δ = 0.05): 0.45 at t = 4, too coarse where p_t is still far
//!   from Gaussian for modes tens of units apart.

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
                Grid::Geometric => match s.linear_above {
                    Some(sw) if sw < big_t && sw > delta => {
                        let warp = |t: f64| {
                            if t <= sw {
                                t.ln()
                            } else {
                                sw.ln() + (t - sw) / sw
                            }
                        };
                        let unwarp = |p: f64| {
                            if p <= sw.ln() {
                                p.exp()
                            } else {
                                sw + sw * (p - sw.ln())
                            }
                        };
                        let (lo, hi) = (warp(delta), warp(big_t));
                        unwarp(lo + (hi - lo) * frac)
                    }
                    _ => delta * (big_t / delta).powf(frac),
                },
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

    /// Log-uniform below t*, equal steps above, continuous step density at t*, and
    /// the pure geometric grid when t* is at or beyond T.
    #[test]
    fn linear_above_switches_from_log_uniform_to_uniform() {
        let s = Schedule {
            grid: Grid::Geometric,
            horizon: 5.0,
            steps: 40,
            early_stop: 0.05,
            linear_above: Some(1.5),
        };
        let t = times(&s);
        assert_eq!((t[0], t[40]), (5.0, 0.05));
        assert!(t.windows(2).all(|w| w[0] > w[1]), "{t:?}");
        // Δφ = (ln 1.5 + 3.5/1.5 − ln 0.05) / 40.
        let dphi = (1.5f64.ln() + 3.5 / 1.5 - 0.05f64.ln()) / 40.0;
        for w in t.windows(2) {
            let (hi, lo) = (w[0], w[1]);
            if lo >= 1.5 {
                assert!((hi - lo - 1.5 * dphi).abs() < 1e-12, "{hi} -> {lo}");
            } else if hi <= 1.5 {
                assert!(((hi / lo).ln() - dphi).abs() < 1e-12, "{hi} -> {lo}");
            }
        }
        let pure = Schedule {
            linear_above: None,
            ..s
        };
        let beyond = Schedule {
            linear_above: Some(9.0),
            ..s
        };
        assert_eq!(times(&pure), times(&beyond));
    }

    #[test]
    fn grids_are_decreasing_with_exact_endpoints() {
        for grid in [Grid::Uniform, Grid::Geometric] {
            let s = Schedule {
                grid,
                horizon: 3.0,
                steps: 7,
                early_stop: 0.01,
                linear_above: None,
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
            linear_above: None,
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
            linear_above: None,
        };
        let t = times(&s);
        for (a, b) in t.iter().zip([1.0, 0.8, 0.6, 0.4, 0.2]) {
            assert!((a - b).abs() < 1e-15, "{t:?}");
        }
    }
}
