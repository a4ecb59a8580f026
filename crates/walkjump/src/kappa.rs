//! Closed-form condition numbers of the walk targets on a Gaussian
//! `X ~ N(0, Σ)` with eigenvalues in `[λ_min, λ_max]` (research notes samplers-a
//! §2.3, derived and checked by hand; the paper's Proposition 4 setting).
//!
//! **One at a time.** Along an eigenvector of eigenvalue λ, `p(y_m | y_{1:m−1})` is
//! Gaussian with precision `P_m(λ) = (σ² + (m − 1)λ) / (σ² (σ² + mλ))`, decreasing
//! in λ, so
//!
//! ```text
//! κ_OAT(m) = P_m(λ_min) / P_m(λ_max)
//!          = (σ² + (m−1)λ_min)(σ² + mλ_max) / ((σ² + mλ_min)(σ² + (m−1)λ_max)),
//! ```
//!
//! with `κ_OAT(1) = (σ² + λ_max)/(σ² + λ_min)` and `κ_OAT(m) → 1` as O(1/m).
//!
//! **All at once.** The joint of `y_{1:m}` has covariance `11ᵀ ⊗ Σ + σ² I`, with
//! eigenvalues `σ² + mλ` (along `1 ⊗ v_λ`) and, for m ≥ 2, `σ²` (multiplicity
//! `(m − 1)d`, the directions that sum to zero over t): `κ_AAO(m) = (σ² + mλ_max)/σ²`
//! for m ≥ 2, growing linearly in m, and `κ_AAO(1) = κ_OAT(1)`. (The research
//! notes' `(σ² + mλ_max)/σ²` for every m misses that m = 1 has no `σ²` eigenvalue;
//! the test measuring the joint's Hessian caught it.)

/// The OAT precision `P_m(λ)` along an eigenvalue λ ≥ 0 (m ≥ 1).
pub fn oat_precision(sigma2: f64, lambda: f64, m: usize) -> f64 {
    let m = m as f64;
    (sigma2 + (m - 1.0) * lambda) / (sigma2 * (sigma2 + m * lambda))
}

/// `κ_OAT(m)` for eigenvalues in `[lambda_min, lambda_max]`.
pub fn kappa_oat(sigma2: f64, lambda_min: f64, lambda_max: f64, m: usize) -> f64 {
    oat_precision(sigma2, lambda_min, m) / oat_precision(sigma2, lambda_max, m)
}

/// `κ_AAO(m)`: `(σ² + mλ_max)/σ²` for m ≥ 2, `κ_OAT(1)` for m = 1.
pub fn kappa_aao(sigma2: f64, lambda_min: f64, lambda_max: f64, m: usize) -> f64 {
    if m == 1 {
        (sigma2 + lambda_max) / (sigma2 + lambda_min)
    } else {
        (sigma2 + m as f64 * lambda_max) / sigma2
    }
}
