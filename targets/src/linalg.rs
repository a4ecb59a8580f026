//! Small dense linear algebra for covariance matrices: Cholesky factorization with a
//! positive-definiteness check, triangular solves, log-determinant and inverse.
//!
//! Matrices are row-major `d × d` slices. The targets need only factorizations of
//! user-given covariances (done once at construction), so the plain O(d³)
//! Cholesky–Banachiewicz algorithm is enough.

// Index loops mirror the textbook algorithms (Golub & Van Loan §4.2) and read better here.
#![allow(clippy::needless_range_loop)]

use crate::TargetError;

/// The lower Cholesky factor `L` (row-major, `Σ = L Lᵀ`) of a symmetric positive
/// definite matrix.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cholesky {
    d: usize,
    l: Vec<f64>,
}

/// Relative asymmetry tolerated in a covariance: `|Σ_ij − Σ_ji| ≤ 1e-10·max(|Σ_ij|, |Σ_ji|, 1)`.
/// A config written by hand with decimals is symmetric to the last digit; anything larger
/// is a typo that should be reported, not silently symmetrized.
const SYM_TOL: f64 = 1e-10;

impl Cholesky {
    /// Factorizes the row-major `d × d` matrix `a`. `name` is the config field used in
    /// errors (e.g. `covs[2]`). Fails with a clear error if `a` has the wrong size, is not
    /// finite, not symmetric, or not positive definite (a pivot ≤ 0 at some column).
    pub fn new(name: &str, a: &[f64], d: usize) -> Result<Self, TargetError> {
        if a.len() != d * d {
            return Err(TargetError::dim(
                format!("{name} (a {d} × {d} matrix has {} entries)", d * d),
                d * d,
                a.len(),
            ));
        }
        if let Some(i) = a.iter().position(|v| !v.is_finite()) {
            return Err(TargetError::invalid(
                format!("{name}[{}][{}]", i / d, i % d),
                a[i],
                "must be finite",
            ));
        }
        for i in 0..d {
            for j in 0..i {
                let (u, v) = (a[i * d + j], a[j * d + i]);
                if (u - v).abs() > SYM_TOL * u.abs().max(v.abs()).max(1.0) {
                    return Err(TargetError::invalid(
                        format!("{name}[{i}][{j}]"),
                        u,
                        format!("covariance must be symmetric, but {name}[{j}][{i}] = {v}"),
                    ));
                }
            }
        }
        let mut l = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..=i {
                let mut s = a[i * d + j];
                for k in 0..j {
                    s -= l[i * d + k] * l[j * d + k];
                }
                if i == j {
                    // A pivot must be positive relative to the diagonal entry; a pivot at
                    // rounding level (1e-14 of the diagonal) means a singular matrix.
                    if s.is_nan() || s <= 1e-14 * a[i * d + i].abs() {
                        return Err(TargetError::invalid(
                            name,
                            format!("{:?}", rows(a, d)),
                            format!(
                                "covariance must be symmetric positive definite \
                                 (Cholesky pivot {i} is {s:e} <= 0)"
                            ),
                        ));
                    }
                    l[i * d + i] = s.sqrt();
                } else {
                    l[i * d + j] = s / l[j * d + j];
                }
            }
        }
        Ok(Cholesky { d, l })
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// The lower factor L, row-major.
    pub fn factor(&self) -> &[f64] {
        &self.l
    }

    /// `log det Σ = 2 Σ_i log L_ii`.
    pub fn log_det(&self) -> f64 {
        (0..self.d)
            .map(|i| self.l[i * self.d + i].ln())
            .sum::<f64>()
            * 2.0
    }

    /// Solves `L y = b` in place (forward substitution).
    pub fn solve_lower_in_place(&self, b: &mut [f64]) {
        let d = self.d;
        for i in 0..d {
            let mut s = b[i];
            for k in 0..i {
                s -= self.l[i * d + k] * b[k];
            }
            b[i] = s / self.l[i * d + i];
        }
    }

    /// Solves `Lᵀ x = y` in place (back substitution).
    pub fn solve_upper_in_place(&self, y: &mut [f64]) {
        let d = self.d;
        for i in (0..d).rev() {
            let mut s = y[i];
            for k in i + 1..d {
                s -= self.l[k * d + i] * y[k];
            }
            y[i] = s / self.l[i * d + i];
        }
    }

    /// Solves `Σ x = b` in place (`L Lᵀ x = b`: forward, then back substitution).
    pub fn solve_in_place(&self, b: &mut [f64]) {
        self.solve_lower_in_place(b);
        self.solve_upper_in_place(b);
    }

    /// Replaces `z` by `L z` in place. Row i of `L z` needs only `z_0..z_i`, so the rows are
    /// computed from the last to the first.
    pub fn mul_lower_in_place(&self, z: &mut [f64]) {
        let d = self.d;
        for i in (0..d).rev() {
            let mut s = 0.0;
            for k in 0..=i {
                s += self.l[i * d + k] * z[k];
            }
            z[i] = s;
        }
    }

    /// `L⁻¹`, row-major and lower triangular (entries above the diagonal are exactly 0):
    /// the whitening map, `Σ⁻¹ = L⁻ᵀ L⁻¹` so that `δᵀ Σ⁻¹ δ = |L⁻¹ δ|²`. Column j is the
    /// forward substitution `L y = e_j`.
    pub fn inverse_factor(&self) -> Vec<f64> {
        // Rows above j stay exactly 0 (forward substitution of a unit vector).
        self.unit_columns(|col| self.solve_lower_in_place(col))
    }

    /// The d × d row-major matrix whose column j is `solve(e_j)`.
    fn unit_columns(&self, solve: impl Fn(&mut [f64])) -> Vec<f64> {
        let d = self.d;
        let mut out = vec![0.0; d * d];
        let mut col = vec![0.0; d];
        for j in 0..d {
            col.iter_mut().for_each(|v| *v = 0.0);
            col[j] = 1.0;
            solve(&mut col);
            for (i, &v) in col.iter().enumerate() {
                out[i * d + j] = v;
            }
        }
        out
    }

    /// `Σ⁻¹`, row-major and exactly symmetric (the upper triangle is mirrored).
    pub fn inverse(&self) -> Vec<f64> {
        let d = self.d;
        let mut inv = self.unit_columns(|col| {
            self.solve_lower_in_place(col);
            self.solve_upper_in_place(col);
        });
        for i in 0..d {
            for j in 0..i {
                let m = 0.5 * (inv[i * d + j] + inv[j * d + i]);
                inv[i * d + j] = m;
                inv[j * d + i] = m;
            }
        }
        inv
    }
}

fn rows(a: &[f64], d: usize) -> Vec<Vec<f64>> {
    a.chunks(d.max(1)).map(<[f64]>::to_vec).collect()
}

/// Quadratic form `δᵀ P δ` for a symmetric row-major `P`, with `δ = x − μ` formed on the
/// fly (no scratch memory).
#[inline]
pub(crate) fn quad_form_centered(p: &[f64], x: &[f64], mu: &[f64]) -> f64 {
    let d = x.len();
    let mut q = 0.0;
    for i in 0..d {
        let di = x[i] - mu[i];
        let row = &p[i * d..(i + 1) * d];
        let mut s = 0.0;
        for j in 0..d {
            s += row[j] * (x[j] - mu[j]);
        }
        q += di * s;
    }
    q
}

/// The eigenvalues of a symmetric row-major `d × d` matrix, ascending, by cyclic
/// Jacobi rotations (Golub & Van Loan §8.5): robust for the small matrices of
/// covariance configs, with no starting vector that could miss an eigenvector (as
/// power iteration can). Sweeps stop when the off-diagonal mass is below
/// `1e-28 ·` the total (relative accuracy near machine precision), or after 64
/// sweeps (Jacobi converges quadratically: d ≤ 100 needs about 10).
pub fn symmetric_eigenvalues(a: &[f64], d: usize) -> Vec<f64> {
    let mut m = a.to_vec();
    let total: f64 = m.iter().map(|v| v * v).sum();
    for _sweep in 0..64 {
        let off: f64 = (0..d)
            .flat_map(|i| (0..d).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| m[i * d + j] * m[i * d + j])
            .sum();
        if off <= 1e-28 * total {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = m[p * d + q];
                if apq == 0.0 {
                    continue;
                }
                // The rotation that zeroes m[p][q] (Golub & Van Loan Alg. 8.5.1).
                let theta = (m[q * d + q] - m[p * d + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let (mkp, mkq) = (m[k * d + p], m[k * d + q]);
                    m[k * d + p] = c * mkp - s * mkq;
                    m[k * d + q] = s * mkp + c * mkq;
                }
                for k in 0..d {
                    let (mpk, mqk) = (m[p * d + k], m[q * d + k]);
                    m[p * d + k] = c * mpk - s * mqk;
                    m[q * d + k] = s * mpk + c * mqk;
                }
            }
        }
    }
    let mut ev: Vec<f64> = (0..d).map(|i| m[i * d + i]).collect();
    ev.sort_by(f64::total_cmp);
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_eigenvalues_match_closed_forms() {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3 (eigenvector (1, −1) is orthogonal to
        // the all-ones start a power iteration would use).
        let ev = symmetric_eigenvalues(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!(
            (ev[0] - 1.0).abs() < 1e-14 && (ev[1] - 3.0).abs() < 1e-14,
            "{ev:?}"
        );
        // Trace and determinant of the 3 × 3 SPD matrix below: Σλ = 9, Πλ = det.
        let a = [4.0, 2.0, 0.4, 2.0, 3.0, 0.5, 0.4, 0.5, 2.0];
        let ev = symmetric_eigenvalues(&a, 3);
        let det = Cholesky::new("a", &a, 3).unwrap().log_det().exp();
        assert!((ev.iter().sum::<f64>() - 9.0).abs() < 1e-13);
        assert!((ev.iter().product::<f64>() - det).abs() < 1e-12 * det);
        assert!(ev.windows(2).all(|w| w[0] <= w[1]));
        // A diagonal matrix is already converged.
        assert_eq!(
            symmetric_eigenvalues(&[5.0, 0.0, 0.0, 0.5], 2),
            vec![0.5, 5.0]
        );
    }

    #[test]
    fn factor_solve_inverse() {
        let a = [4.0, 2.0, 0.4, 2.0, 3.0, 0.5, 0.4, 0.5, 2.0];
        let c = Cholesky::new("cov", &a, 3).unwrap();
        // L Lᵀ = A
        let l = c.factor();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((s - a[i * 3 + j]).abs() < 1e-14);
            }
        }
        let inv = c.inverse();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((s - if i == j { 1.0 } else { 0.0 }).abs() < 1e-14);
            }
        }
        // det by cofactors
        let det = 4.0 * (3.0 * 2.0 - 0.25) - 2.0 * (2.0 * 2.0 - 0.5 * 0.4)
            + 0.4 * (2.0 * 0.5 - 3.0 * 0.4);
        assert!((c.log_det() - f64::ln(det)).abs() < 1e-14);
        // L (L⁻¹ b) = b
        let mut b = [1.0, -2.0, 0.5];
        c.solve_lower_in_place(&mut b);
        c.mul_lower_in_place(&mut b);
        assert!(
            (b[0] - 1.0).abs() < 1e-15 && (b[1] + 2.0).abs() < 1e-15 && (b[2] - 0.5).abs() < 1e-15
        );
        assert!((quad_form_centered(&inv, &[1.0, 1.0, 1.0], &[0.0, 0.0, 0.0]) > 0.0));
        // L⁻¹ L = I, and L⁻ᵀ L⁻¹ = Σ⁻¹.
        let w = c.inverse_factor();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| w[i * 3 + k] * l[k * 3 + j]).sum();
                assert!((s - if i == j { 1.0 } else { 0.0 }).abs() < 1e-14);
                let p: f64 = (0..3).map(|k| w[k * 3 + i] * w[k * 3 + j]).sum();
                assert!((p - inv[i * 3 + j]).abs() < 1e-14);
                if j > i {
                    assert_eq!(w[i * 3 + j], 0.0);
                }
            }
        }
    }

    #[test]
    fn rejects_bad_matrices_naming_the_field() {
        let e = Cholesky::new("covs[1]", &[1.0, 2.0, 2.0, 1.0], 2)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("covs[1]") && e.contains("positive definite"),
            "{e}"
        );
        let e = Cholesky::new("covs[0]", &[1.0, 0.5, 0.4, 1.0], 2)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("covs[0][1][0]") && e.contains("symmetric"),
            "{e}"
        );
        let e = Cholesky::new("cov", &[1.0, 0.0, 0.0], 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cov") && e.contains("expected 4, got 3"), "{e}");
        let e = Cholesky::new("cov", &[f64::NAN], 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cov[0][0]") && e.contains("finite"), "{e}");
        assert!(Cholesky::new("cov", &[0.0], 1).is_err());
        assert!(Cholesky::new("cov", &[1.0, 1.0, 1.0, 1.0], 2).is_err());
    }
}
