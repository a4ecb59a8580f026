//! The 1-D quartic well `p(x) ∝ exp(−E(x))`, `E(x) = a x + b x² + c x⁴` (c > 0), for
//! any coefficients: its normalizer, the probability of `x < 0` and exact draws.
//!
//! This is the x1 part of the double well in FAB's convention (`DoubleWellEnergy`,
//! defaults a = −0.5, b = −6, c = 1: the SNF paper's well with P(x1 < 0) = 0.1557 and
//! ΔF = 1.69 kT). With other coefficients the wells move, deepen or merge, and
//! nothing here assumes where they are.
//!
//! # Critical points
//! `E'(x) = 4c x³ + 2b x + a` is a cubic: its real roots (one or three) come in closed
//! form (the trigonometric form when three are real, Cardano's otherwise; Numerical
//! Recipes §5.6). They give the global minimum `E_min` (all quantities are computed
//! relative to it, so no exponent overflows) and the local curvature
//! `E''(x) = 2b + 12c x²` at the minima, which sets the quadrature's panel width.
//!
//! # Range
//! Beyond the outermost critical point E grows monotonically; the range `[lo, hi]`
//! extends until `E − E_min > 800` on both sides. Past that the density is below
//! e^{−800} of its peak (under f64's smallest subnormal, e^{−745}), so truncating there
//! changes nothing that a double can hold.
//!
//! # Quadrature
//! Composite Gauss–Legendre (20 nodes a panel, [`crate::quadrature`]) with panels a
//! quarter of the narrowest well's Laplace width `1/√E''(x_min)`, split at 0: the
//! integrand is analytic and resolved by ≥ 4 panels per width, so the error is at
//! rounding level (a test checks against adaptive Simpson).
//!
//! # Exact sampling
//! Rejection from a piecewise-constant envelope on `CELLS` equal cells of `[lo, hi]`:
//! on each cell the envelope is the exact maximum of `e^{−E}` there (at an endpoint
//! or an interior critical point), so `e^{−E} ≤ envelope` holds everywhere by
//! construction, whatever the coefficients. A cell is chosen with probability ∝
//! its envelope mass (binary search in the cumulative masses), x uniformly inside,
//! and x is accepted with probability `e^{−E(x)}/max_cell`; the acceptance rate is
//! `Z / Σ mass`, above 0.99 at the defaults (tested).

use crate::TargetError;
use crate::quadrature::integrate;
use sampo_core::rng::{StreamRng, uniform};

/// `E − E_min` at the ends of the range (see the module docs).
const TAIL_GAP: f64 = 800.0;
/// Cells of the sampling envelope.
const CELLS: usize = 4096;
/// Panels per Laplace width of the narrowest well.
const PANELS_PER_WIDTH: f64 = 4.0;
/// The most quadrature panels a well may need (coefficients more extreme are refused).
const MAX_PANELS: usize = 1_000_000;

/// The quartic well (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Quartic {
    a: f64,
    b: f64,
    c: f64,
    e_min: f64,
    lo: f64,
    hi: f64,
    /// `∫_lo^hi e^{−(E − E_min)}`.
    z_rel: f64,
    /// `∫_lo^0 e^{−(E − E_min)}` (0 when 0 ≤ lo, `z_rel` when hi ≤ 0).
    z_left_rel: f64,
    /// Per cell: log of the envelope height relative to `E_min` (≤ 0).
    cell_log_max: Vec<f64>,
    /// Cumulative envelope masses (the last is the total).
    cell_cum: Vec<f64>,
}

impl Quartic {
    /// The well for `E = a x + b x² + c x⁴`; errors name the coefficient.
    pub fn new(a: f64, b: f64, c: f64) -> Result<Self, TargetError> {
        for (name, v) in [("a", a), ("b", b), ("c", c)] {
            if !v.is_finite() {
                return Err(TargetError::invalid(name, v, "must be a finite number"));
            }
        }
        if c <= 0.0 {
            return Err(TargetError::invalid(
                "c",
                c,
                "must be > 0: the x⁴ term is what makes the density normalizable",
            ));
        }
        let energy = |x: f64| a * x + b * x * x + c * x * x * x * x;
        let roots = cubic_roots(4.0 * c, 2.0 * b, a);
        let e_min = roots
            .iter()
            .map(|&r| energy(r))
            .fold(f64::INFINITY, f64::min);
        let (r_lo, r_hi) = roots
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &r| {
                (l.min(r), h.max(r))
            });
        // Walk out from the outermost critical points by doubling steps, then bisect.
        let edge = |start: f64, dir: f64| {
            let mut step = 1.0;
            while energy(start + dir * step) - e_min <= TAIL_GAP {
                step *= 2.0;
            }
            let (mut inside, mut outside) = (0.0, step);
            for _ in 0..60 {
                let mid = 0.5 * (inside + outside);
                if energy(start + dir * mid) - e_min <= TAIL_GAP {
                    inside = mid;
                } else {
                    outside = mid;
                }
            }
            start + dir * outside
        };
        let (lo, hi) = (edge(r_lo, -1.0), edge(r_hi, 1.0));
        let width = roots
            .iter()
            .map(|&r| 2.0 * b + 12.0 * c * r * r)
            .filter(|&k| k > 0.0)
            .map(|k| 1.0 / k.sqrt())
            .fold(f64::INFINITY, f64::min);
        // A degenerate minimum (E'' = 0 there, e.g. a = b = 0) is wider than any
        // Laplace width: the x⁴ scale c^{−1/4} bounds the panel width instead.
        let width = width.min(c.powf(-0.25));
        let panels_total = ((hi - lo) * PANELS_PER_WIDTH / width).ceil();
        if panels_total.is_nan() || panels_total > MAX_PANELS as f64 {
            return Err(TargetError::invalid(
                "c",
                c,
                format!(
                    "with a = {a}, b = {b} the wells are too narrow for their range \
                     ({panels_total} quadrature panels needed, at most {MAX_PANELS})"
                ),
            ));
        }
        let f = |x: f64| (e_min - energy(x)).exp();
        let panels = |l: f64, h: f64| (((h - l) / (hi - lo)) * panels_total).ceil() as usize;
        let (z_left_rel, z_right_rel) = if hi <= 0.0 {
            (integrate(f, lo, hi, panels(lo, hi)), 0.0)
        } else if lo >= 0.0 {
            (0.0, integrate(f, lo, hi, panels(lo, hi)))
        } else {
            (
                integrate(f, lo, 0.0, panels(lo, 0.0)),
                integrate(f, 0.0, hi, panels(0.0, hi)),
            )
        };
        let h = (hi - lo) / CELLS as f64;
        let mut cell_log_max = Vec::with_capacity(CELLS);
        let mut cell_cum = Vec::with_capacity(CELLS);
        let mut total = 0.0;
        for i in 0..CELLS {
            let (l, r) = (lo + i as f64 * h, lo + (i + 1) as f64 * h);
            let inner = roots
                .iter()
                .filter(|&&x| x > l && x < r)
                .map(|&x| energy(x));
            let e_cell = inner.fold(energy(l).min(energy(r)), f64::min);
            let log_max = e_min - e_cell;
            total += h * log_max.exp();
            cell_log_max.push(log_max);
            cell_cum.push(total);
        }
        Ok(Quartic {
            a,
            b,
            c,
            e_min,
            lo,
            hi,
            z_rel: z_left_rel + z_right_rel,
            z_left_rel,
            cell_log_max,
            cell_cum,
        })
    }

    /// The coefficients (a, b, c).
    pub fn coefficients(&self) -> (f64, f64, f64) {
        (self.a, self.b, self.c)
    }

    /// `E(x)`.
    #[inline]
    pub fn energy(&self, x: f64) -> f64 {
        let s = x * x;
        self.a * x + self.b * s + self.c * s * s
    }

    /// `E(x)` and `E'(x)`.
    #[inline]
    pub fn energy_grad(&self, x: f64) -> (f64, f64) {
        let s = x * x;
        (
            self.a * x + self.b * s + self.c * s * s,
            self.a + 2.0 * self.b * x + 4.0 * self.c * s * x,
        )
    }

    /// `ln ∫ e^{−E}` (by quadrature).
    pub fn log_z(&self) -> f64 {
        self.z_rel.ln() - self.e_min
    }

    /// `P(x < 0)` (by quadrature).
    pub fn prob_left(&self) -> f64 {
        self.z_left_rel / self.z_rel
    }

    /// `ΔF = F_left − F_right = ln(P(x ≥ 0)/P(x < 0))` in kT (SNF paper's 1.69 at the
    /// defaults); ±∞ when one side holds no mass a double can represent.
    pub fn delta_f(&self) -> f64 {
        let p = self.prob_left();
        ((1.0 - p) / p).ln()
    }

    /// The global minimum of E.
    pub fn min_energy(&self) -> f64 {
        self.e_min
    }

    /// The range outside which the density is below e^{−800} of its peak.
    pub fn range(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }

    /// The envelope's acceptance rate `Z / Σ mass`.
    pub fn acceptance(&self) -> f64 {
        self.z_rel / self.cell_cum[CELLS - 1]
    }

    /// One exact draw (module docs).
    pub fn sample(&self, rng: &mut StreamRng) -> f64 {
        let total = self.cell_cum[CELLS - 1];
        let h = (self.hi - self.lo) / CELLS as f64;
        loop {
            let u = uniform(rng) * total;
            let i = self.cell_cum.partition_point(|&m| m <= u).min(CELLS - 1);
            let x = self.lo + (i as f64 + uniform(rng)) * h;
            let log_ratio = (self.e_min - self.energy(x)) - self.cell_log_max[i];
            if uniform(rng) < log_ratio.exp() {
                return x;
            }
        }
    }
}

/// The real roots of `p x³ + q x + r` (p ≠ 0): three by the trigonometric form when
/// the discriminant is positive, else one by Cardano's formula.
fn cubic_roots(p: f64, q: f64, r: f64) -> Vec<f64> {
    // x³ + P x + Q = 0.
    let (pp, qq) = (q / p, r / p);
    let disc = 4.0 * pp * pp * pp + 27.0 * qq * qq;
    if pp < 0.0 && disc < 0.0 {
        let m = 2.0 * (-pp / 3.0).sqrt();
        let arg = (3.0 * qq / (pp * m)).clamp(-1.0, 1.0);
        let theta = arg.acos() / 3.0;
        (0..3)
            .map(|k| m * (theta - 2.0 * std::f64::consts::PI * k as f64 / 3.0).cos())
            .collect()
    } else {
        let s = (qq * qq / 4.0 + pp * pp * pp / 27.0).max(0.0).sqrt();
        vec![(-qq / 2.0 + s).cbrt() + (-qq / 2.0 - s).cbrt()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quadrature::adaptive_simpson;
    use sampo_core::rng::stream;

    #[test]
    fn cubic_roots_solve_the_cubic() {
        for (p, q, r) in [
            (4.0, -12.0, -0.5),
            (4.0, 2.0, 1.0),
            (1.0, 0.0, 0.0),
            (2.0, -3.0, 1.0),
        ] {
            for x in cubic_roots(p, q, r) {
                let v = p * x * x * x + q * x + r;
                assert!(v.abs() < 1e-9, "({p},{q},{r}) root {x}: {v}");
            }
        }
        assert_eq!(cubic_roots(4.0, -12.0, -0.5).len(), 3);
        assert_eq!(cubic_roots(4.0, 2.0, 1.0).len(), 1);
    }

    #[test]
    fn the_defaults_give_the_snf_papers_numbers() {
        let q = Quartic::new(-0.5, -6.0, 1.0).unwrap();
        // The pair module's independent quadrature (its own fixed panels).
        let c = crate::double_well::pair_constants();
        assert!((q.prob_left() - c.z_left / c.z_x1).abs() < 1e-12);
        assert!((q.log_z() - c.z_x1.ln()).abs() < 1e-12);
        assert!((q.delta_f() - 1.69).abs() < 0.005, "{}", q.delta_f());
        assert!(q.acceptance() > 0.99, "{}", q.acceptance());
    }

    #[test]
    fn quadrature_agrees_with_adaptive_simpson_for_other_coefficients() {
        for (a, b, c) in [
            (1.0, -4.0, 0.5),
            (0.0, 2.0, 1.0),
            (-2.0, -20.0, 3.0),
            (0.3, 0.0, 1.0),
        ] {
            let q = Quartic::new(a, b, c).unwrap();
            let (lo, hi) = q.range();
            let e0 = q.min_energy();
            let f = |x: f64| (e0 - q.energy(x)).exp();
            let left = adaptive_simpson(f, lo, 0.0, 1e-13, 50);
            let all = left + adaptive_simpson(f, 0.0, hi, 1e-13, 50);
            assert!((q.prob_left() - left / all).abs() < 1e-9, "({a},{b},{c})");
            assert!((q.log_z() - (all.ln() - e0)).abs() < 1e-9, "({a},{b},{c})");
        }
    }

    #[test]
    fn exact_draws_hit_the_left_well_at_the_quadrature_rate() {
        // 4·MCSE for a Bernoulli mean of n = 40000 independent draws.
        let q = Quartic::new(1.0, -4.0, 0.5).unwrap();
        let mut rng = stream(7, 0);
        let n = 40_000;
        let left = (0..n).filter(|_| q.sample(&mut rng) < 0.0).count() as f64 / n as f64;
        let p = q.prob_left();
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!((left - p).abs() < 4.0 * se, "{left} vs {p} (se {se})");
    }

    #[test]
    fn bad_coefficients_name_the_field() {
        let e = Quartic::new(0.0, 1.0, 0.0).unwrap_err().to_string();
        assert!(e.contains('c') && e.contains("normalizable"), "{e}");
        let e = Quartic::new(f64::NAN, 1.0, 1.0).unwrap_err().to_string();
        assert!(e.contains("a"), "{e}");
    }
}
