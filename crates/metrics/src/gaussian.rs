//! W2 between Gaussians in closed form (Dowson & Landau 1982; Givens & Shortt 1984;
//! Olkin & Pukelsheim 1982):
//!
//! W2²(N(m1, S1), N(m2, S2)) = |m1 − m2|² + tr(S1 + S2 − 2 (S2^{1/2} S1 S2^{1/2})^{1/2}).
//!
//! Square roots of symmetric positive semi-definite matrices are taken through the
//! symmetric eigendecomposition (nalgebra's `SymmetricEigen`): S^{1/2} = V diag(√λ) Vᵀ,
//! with eigenvalues in [−tol, 0) (rounding) clamped to 0; tol = 1e-10 · max(1, max|λ|)
//! (a relative round-off allowance of the Jacobi/QR eigen-solver, far above 1e-16 · d
//! and far below any meaningful negative eigenvalue). A clearly negative eigenvalue is
//! an error. Matrices are symmetrized as (S + Sᵀ)/2 after checking that they are
//! symmetric to the same relative tolerance.
//!
//! Accuracy: near-singular covariances lose precision through the square roots (an
//! eigenvalue of rounding size ε·‖S‖ contributes √(ε‖S‖) ≈ 1e-8 √‖S‖), so W2² is good
//! to about 1e-8 · ‖S‖ there and to ~1e-12 relative otherwise.

use crate::MetricError;
use nalgebra::{DMatrix, SymmetricEigen};
use sampo_core::Particles;

/// Relative tolerance for symmetry and for negative eigenvalues (see module docs).
const REL_TOL: f64 = 1e-10;

fn check_vec(name: &str, v: &[f64]) -> Result<(), MetricError> {
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(MetricError::invalid(
            name,
            format!("entry {i} is not finite ({})", v[i]),
        ));
    }
    Ok(())
}

/// Checks a d × d row-major covariance (finite, symmetric) and returns it symmetrized.
fn check_cov(name: &str, s: &[f64], d: usize) -> Result<DMatrix<f64>, MetricError> {
    if s.len() != d * d {
        return Err(MetricError::DimensionMismatch {
            what: format!("`{name}` (d × d row-major) against the mean's dimension"),
            left: d * d,
            right: s.len(),
        });
    }
    check_vec(name, s)?;
    let m = DMatrix::from_row_slice(d, d, s);
    let scale = m.iter().fold(1.0f64, |a, x| a.max(x.abs()));
    for i in 0..d {
        for j in 0..i {
            if (m[(i, j)] - m[(j, i)]).abs() > REL_TOL * scale {
                return Err(MetricError::invalid(
                    name,
                    format!(
                        "not symmetric: entry ({i},{j}) = {} vs ({j},{i}) = {}",
                        m[(i, j)],
                        m[(j, i)]
                    ),
                ));
            }
        }
    }
    Ok((&m + m.transpose()) * 0.5)
}

/// Eigenvalues of a symmetric PSD matrix (clamped) and eigenvectors.
fn psd_eigen(name: &str, m: DMatrix<f64>) -> Result<(Vec<f64>, DMatrix<f64>), MetricError> {
    let eig = SymmetricEigen::new(m);
    let scale = eig.eigenvalues.iter().fold(1.0f64, |a, x| a.max(x.abs()));
    let mut lam = Vec::with_capacity(eig.eigenvalues.len());
    for &l in eig.eigenvalues.iter() {
        if l < -REL_TOL * scale {
            return Err(MetricError::invalid(
                name,
                format!("not positive semi-definite: eigenvalue {l}"),
            ));
        }
        lam.push(l.max(0.0));
    }
    Ok((lam, eig.eigenvectors))
}

/// S^{1/2} of a symmetric PSD matrix.
fn sqrtm(name: &str, m: DMatrix<f64>) -> Result<DMatrix<f64>, MetricError> {
    let (lam, v) = psd_eigen(name, m)?;
    let d = lam.len();
    let mut vs = v.clone();
    for j in 0..d {
        let r = lam[j].sqrt();
        for i in 0..d {
            vs[(i, j)] *= r;
        }
    }
    Ok(&vs * v.transpose())
}

/// W2² between N(m1, S1) and N(m2, S2); covariances d × d row-major. See the module
/// docs for the formula and the numerical treatment. The result is clamped at 0
/// (rounding can make tr(…) slightly negative for equal covariances).
pub fn w2_sq_gaussians(m1: &[f64], s1: &[f64], m2: &[f64], s2: &[f64]) -> Result<f64, MetricError> {
    let d = m1.len();
    if d == 0 {
        return Err(MetricError::invalid("m1", "empty mean"));
    }
    if m2.len() != d {
        return Err(MetricError::DimensionMismatch {
            what: "means `m1` and `m2`".into(),
            left: d,
            right: m2.len(),
        });
    }
    check_vec("m1", m1)?;
    check_vec("m2", m2)?;
    let a = check_cov("s1", s1, d)?;
    let b = check_cov("s2", s2, d)?;
    let mean_term: f64 = m1.iter().zip(m2).map(|(x, y)| (x - y).powi(2)).sum();
    let tr_a = a.trace();
    let tr_b = b.trace();
    // Validate S1 as PSD too (its square root is not needed).
    psd_eigen("s1", a.clone())?;
    let rb = sqrtm("s2", b)?;
    let mid = &rb * &a * &rb;
    let mid = (&mid + mid.transpose()) * 0.5;
    // mid is PSD in exact arithmetic; its negative rounding noise scales with it.
    let (lam, _) = psd_eigen("s2^{1/2} s1 s2^{1/2}", mid)?;
    let cross: f64 = lam.iter().map(|l| l.sqrt()).sum();
    Ok((mean_term + tr_a + tr_b - 2.0 * cross).max(0.0))
}

/// W2 (the distance, √ of [`w2_sq_gaussians`]) between N(m1, S1) and N(m2, S2).
pub fn w2_gaussians(m1: &[f64], s1: &[f64], m2: &[f64], s2: &[f64]) -> Result<f64, MetricError> {
    w2_sq_gaussians(m1, s1, m2, s2).map(f64::sqrt)
}

/// Mean and covariance with divisor n (the maximum-likelihood covariance, as sklearn's
/// `EmpiricalCovariance` used by the ADMM paper computes it), d × d row-major.
pub fn moments_divisor_n(samples: &Particles) -> (Vec<f64>, Vec<f64>) {
    let (n, d) = (samples.len(), samples.dim());
    let m = samples.mean();
    let mut c = vec![0.0; d * d];
    for r in samples.rows() {
        for a in 0..d {
            let da = r[a] - m[a];
            for b in a..d {
                c[a * d + b] += da * (r[b] - m[b]);
            }
        }
    }
    for a in 0..d {
        for b in a..d {
            c[a * d + b] /= n.max(1) as f64;
            c[b * d + a] = c[a * d + b];
        }
    }
    (m, c)
}

/// W2 between the moment-matched Gaussian of `samples` (mean and covariance with
/// divisor n) and N(mean, cov): the ADMM paper's metric (samplers-b.md §0, code
/// `bayesian_lin_reg.py`).
///
/// **Noise floor.** For exact draws from N(μ, σ² I_d), to leading order in 1/n
/// E\[W2²\] ≈ σ² (d + d(d+1)/4) / n: the mean error contributes tr Σ / n = σ² d / n, and
/// the covariance error Σ_i (√λ_i − σ)² ≈ ‖Ŝ − σ²I‖_F² / (4σ²), whose expectation
/// is σ² d(d+1)/(4n) (Var Ŝ_ii = 2σ⁴/n, Var Ŝ_ij = σ⁴/n). For d = 2 and n = 100 chains
/// that is W2 ≈ 0.19 σ; values below the floor are noise (the unit test checks
/// this formula).
pub fn w2_to_gaussian(samples: &Particles, mean: &[f64], cov: &[f64]) -> Result<f64, MetricError> {
    if samples.len() < 2 {
        return Err(MetricError::invalid(
            "samples",
            format!("need at least 2 particles, got {}", samples.len()),
        ));
    }
    if samples.dim() != mean.len() {
        return Err(MetricError::DimensionMismatch {
            what: "`samples` against `mean`".into(),
            left: samples.dim(),
            right: mean.len(),
        });
    }
    check_vec("samples", samples.as_slice())?;
    let (m, c) = moments_divisor_n(samples);
    w2_gaussians(&m, &c, mean, cov)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sampo_core::rng;

    /// Rotation by angle t in 2-D applied to diag(l1, l2): R D Rᵀ, row-major.
    fn rotated(l1: f64, l2: f64, t: f64) -> Vec<f64> {
        let (c, s) = (t.cos(), t.sin());
        vec![
            c * c * l1 + s * s * l2,
            c * s * (l1 - l2),
            c * s * (l1 - l2),
            s * s * l1 + c * c * l2,
        ]
    }

    #[test]
    fn one_dimensional_closed_form() {
        // W2²(N(m1, s1²), N(m2, s2²)) = (m1 − m2)² + (s1 − s2)².
        let w = w2_sq_gaussians(&[1.0], &[4.0], &[-0.5], &[0.25]).unwrap();
        assert!((w - (1.5f64.powi(2) + 1.5f64.powi(2))).abs() < 1e-12, "{w}");
        assert!((w2_gaussians(&[0.0], &[9.0], &[4.0], &[9.0]).unwrap() - 4.0).abs() < 1e-12);
    }

    #[test]
    fn commuting_covariances_closed_form() {
        // Same eigenvectors: W2² = |Δm|² + Σ_i (√λ1_i − √λ2_i)².
        let t = 0.7;
        let s1 = rotated(4.0, 0.09, t);
        let s2 = rotated(1.0, 1.44, t);
        let want = 1.0 + 4.0 + (2.0f64 - 1.0).powi(2) + (0.3f64 - 1.2).powi(2);
        let got = w2_sq_gaussians(&[0.0, 0.0], &s1, &[1.0, 2.0], &s2).unwrap();
        assert!((got - want).abs() < 1e-10, "{got} vs {want}");
    }

    #[test]
    fn symmetric_zero_on_equal_and_singular_ok() {
        // Non-commuting covariances: check symmetry W2(a, b) = W2(b, a) and against a
        // 2-D closed form: for 2 × 2 PSD A, B, tr((A^{1/2} B A^{1/2})^{1/2}) =
        // sqrt(tr(AB) + 2 sqrt(det(AB))) (for a 2 × 2 PSD M, tr √M = √(tr M + 2√det M)).
        let a = rotated(3.0, 0.5, 0.3);
        let b = rotated(0.2, 2.0, 1.1);
        let ab = w2_sq_gaussians(&[0.0, 1.0], &a, &[2.0, 0.0], &b).unwrap();
        let ba = w2_sq_gaussians(&[2.0, 0.0], &b, &[0.0, 1.0], &a).unwrap();
        assert!((ab - ba).abs() < 1e-10);
        let tr_ab = a[0] * b[0] + a[1] * b[2] + a[2] * b[1] + a[3] * b[3];
        let det = (a[0] * a[3] - a[1] * a[2]) * (b[0] * b[3] - b[1] * b[2]);
        let cross = (tr_ab + 2.0 * det.sqrt()).sqrt();
        let want = 5.0 + (a[0] + a[3]) + (b[0] + b[3]) - 2.0 * cross;
        assert!((ab - want).abs() < 1e-10, "{ab} vs {want}");
        // Equal: exactly zero after clamping, also for a singular covariance.
        assert!(w2_sq_gaussians(&[1.0, 2.0], &a, &[1.0, 2.0], &a).unwrap() < 1e-12);
        let sing = rotated(2.0, 0.0, 0.4);
        assert!(w2_sq_gaussians(&[0.0; 2], &sing, &[0.0; 2], &sing).unwrap() < 1e-12);
        // Singular vs identity, commuting: (√2 − 1)² + (0 − 1)². A zero eigenvalue comes
        // out of the eigen-solver as ±1e-16 and its square root as ~1e-8: the closed form
        // is only good to about √ε there.
        let w = w2_sq_gaussians(&[0.0; 2], &sing, &[0.0; 2], &[1.0, 0.0, 0.0, 1.0]).unwrap();
        assert!(
            (w - ((2f64.sqrt() - 1.0).powi(2) + 1.0)).abs() < 1e-7,
            "{w}"
        );
    }

    #[test]
    fn errors_name_the_field() {
        let id = [1.0, 0.0, 0.0, 1.0];
        let e = |r: Result<f64, MetricError>| r.unwrap_err().to_string();
        assert!(e(w2_gaussians(&[0.0], &[1.0], &[0.0, 0.0], &id)).contains("m2"));
        assert!(e(w2_gaussians(&[0.0, 0.0], &[1.0], &[0.0, 0.0], &id)).contains("s1"));
        assert!(e(w2_gaussians(&[0.0, f64::NAN], &id, &[0.0, 0.0], &id)).contains("m1"));
        assert!(
            e(w2_gaussians(
                &[0.0; 2],
                &[1.0, 0.5, 0.0, 1.0],
                &[0.0; 2],
                &id
            ))
            .contains("s1")
        );
        assert!(
            e(w2_gaussians(
                &[0.0; 2],
                &id,
                &[0.0; 2],
                &[1.0, 0.0, 0.0, -1.0]
            ))
            .contains("s2")
        );
        assert!(e(w2_gaussians(&[], &[], &[], &[])).contains("m1"));
        let p = Particles::from_vec(1, 2, vec![0.0, 0.0]).unwrap();
        assert!(e(w2_to_gaussian(&p, &[0.0; 2], &id)).contains("samples"));
    }

    #[test]
    fn moment_matched_w2_has_the_documented_noise_floor() {
        // Exact N(μ, σ² I) draws, d = 2, n = 2000: E[W2²] ≈ σ² (d + d(d+1)/4)/n
        // = 3.5 σ²/n. Over 100 replicates, compare the mean with 4 replicate SEs
        // (the neglected O(n^{-3/2}) terms are ~2% of the mean).
        let (d, n, sigma2) = (2usize, 2000usize, 2.25f64);
        let mu = [1.0, -2.0];
        let cov = [sigma2, 0.0, 0.0, sigma2];
        let vals: Vec<f64> = (0..100u64)
            .map(|rep| {
                let mut r = rng::stream(42, rep);
                let mut p = Particles::zeros(n, d);
                rng::fill_standard_normal(&mut r, p.as_mut_slice());
                for row in 0..n {
                    for (j, x) in p.row_mut(row).iter_mut().enumerate() {
                        *x = mu[j] + sigma2.sqrt() * *x;
                    }
                }
                w2_to_gaussian(&p, &mu, &cov).unwrap().powi(2)
            })
            .collect();
        let k = vals.len() as f64;
        let mean = vals.iter().sum::<f64>() / k;
        let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
        let want = sigma2 * (d as f64 + (d * (d + 1)) as f64 / 4.0) / n as f64;
        assert!(
            (mean - want).abs() < 4.0 * sd / k.sqrt(),
            "mean W2² {mean} vs {want} (sd {sd})"
        );
    }
}
