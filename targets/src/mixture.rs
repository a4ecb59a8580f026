//! Gaussian mixtures `p(x) = Σ_k w_k N(x; μ_k, Σ_k)` (normalized, `log Z = 0`) and the
//! mixture benchmarks of the literature.
//!
//! ```text
//! log p(x)   = LSE_k t_k(x),   t_k(x) = c_k − ½ (x−μ_k)ᵀ Σ_k⁻¹ (x−μ_k),
//! c_k        = log w_k − ½ log det Σ_k − (d/2) log 2π,
//! ∇ log p(x) = Σ_k r_k Σ_k⁻¹ (μ_k − x),   r_k = exp(t_k − log p(x)).
//! ```
//!
//! # Hot path
//! `log_density_grad` is what Langevin samplers call per particle-step, so it is
//! written for speed and allocates nothing:
//! - the constants `c_k` are precomputed; the layout is chosen once from the tightest
//!   covariance form shared by all components (all isotropic → one `½/σ_k²` per
//!   component; all diagonal → per-coordinate precisions; otherwise full precision
//!   matrices);
//! - the isotropic/diagonal terms are computed for a block of up to 64 components into
//!   a stack array, looping over coordinates outside and components inside, over the
//!   means stored coordinate-major (d × K); the isotropic path takes components in
//!   groups of 8 whose squared distances accumulate in a fixed-size array (registers),
//!   which vectorizes for every d (gmm100: 8 components × 100 coordinates);
//! - the full layout (any Σ_k full) whitens instead: with `Σ_k⁻¹ = W_kᵀ W_k` (`W_k = L_k⁻¹`
//!   lower triangular) and `V_k = W_k/√2`, `t_k = c_k − |V_k (x − μ_k)|²`; the packed
//!   triangles are stored entry-major (one entry of a group of components contiguous),
//!   so the terms of 2/4/8 components are formed at once in registers, with the loops
//!   unrolled for d ≤ 3 (ZOD-MC: K = 4, d = 2 is one AVX2 group);
//! - mixtures of at most 8 components use an 8-slot stack block (less to initialize);
//! - log-sum-exp subtracts the running maximum; blocks beyond the first (K > 64) are
//!   merged online, rescaling the partial sums when the maximum grows; the largest term
//!   is `exp(0) = 1` and a single surviving term gives `ln 1 = 0` without libm calls
//!   (exact, so the results do not change);
//! - `log_density_batch` / `log_density_grad_batch` dispatch to AVX2 once per batch;
//!   small full-layout mixtures inline the whole evaluation into the loop over points;
//! - components with `t_k < max − 40` are skipped entirely (no `exp`, no gradient
//!   work): each contributes less than e^{−40} ≈ 4.2e−18 relative to the largest term,
//!   below half an ulp of 1 (1.1e−16), so even a few hundred such terms change
//!   `log p` by under 1e−15, far inside the 1e−12 agreement the tests demand.

use crate::data::{gmm40, gmm100::GMM100_MEANS};
use crate::gaussian::Covariance;
use crate::{TargetError, error::check_dim_param};
use sampo_core::rng::{StreamRng, fill_standard_normal, uniform};
use sampo_core::{ExactSampler, GradTarget, Target, validate};

const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// Components whose log term is below `max − LSE_CUTOFF` are skipped (module docs).
pub const LSE_CUTOFF: f64 = 40.0;

/// Components per stack block in the hot path.
const BLOCK: usize = 64;

/// Components per register group in the isotropic and full paths for K > 4 (BLOCK is a
/// multiple).
const LANES: usize = 8;

/// Layout tags of the per-layout builds of the hot path (`GaussianMixture::eval`).
const ISO: u8 = 0;
const DIAG: u8 = 1;
const FULL: u8 = 2;

/// Stack block for mixtures of at most `SMALL` components (a shorter buffer to
/// initialize per evaluation than `BLOCK`).
const SMALL: usize = LANES;

#[derive(Debug, Clone, PartialEq)]
enum Layout {
    /// Every Σ_k = σ_k² I: `half_prec[k] = 1 / (2σ_k²)`.
    Isotropic { half_prec: Vec<f64> },
    /// Every Σ_k diagonal: `half_prec_t[j·K + k] = 1 / (2 Σ_k,jj)`.
    Diagonal { half_prec_t: Vec<f64> },
    /// General (some Σ_k full): every component through its whitening map.
    Full(FullTerms),
}

/// Precomputed terms of the general (full-covariance) layout, stored so that the log
/// terms of a group of `L` components are one tight loop over a packed triangle.
///
/// With `W_k` the whitening map of Σ_k (lower triangular, `Σ_k⁻¹ = W_kᵀ W_k`, see
/// [`Covariance::whitening`]) and `V_k = W_k / √2`,
/// ```text
/// ½ δᵀ Σ_k⁻¹ δ = |V_k δ|² = Σ_i (Σ_{j≤i} V_k,ij δ_j)²,   δ = x − μ_k:
/// ```
/// d(d+1)/2 products and d squares per component instead of d² + d for `δᵀ Σ_k⁻¹ δ`,
/// and a sum of squares, never negative through cancellation.
#[derive(Debug, Clone, PartialEq)]
struct FullTerms {
    /// Packed lower triangle of `V_k`, entry-major: entry `e = i(i+1)/2 + j` (j ≤ i) of
    /// component k at `v_t[e·K_p + k]` (K_p = K padded to the group size; zeros after K).
    v_t: Vec<f64>,
    /// `Σ_k⁻¹` row-major, component after component: `prec[k·d² + i·d + j]` (the scores).
    prec: Vec<f64>,
}

impl FullTerms {
    fn new(covs: &[Covariance], d: usize, k_padded: usize) -> Self {
        let tri = d * (d + 1) / 2;
        let mut v_t = vec![0.0; tri * k_padded];
        let mut prec = Vec::with_capacity(covs.len() * d * d);
        for (c, cov) in covs.iter().enumerate() {
            let w = cov.whitening(d);
            let mut e = 0;
            for i in 0..d {
                for j in 0..=i {
                    v_t[e * k_padded + c] = w[i * d + j] * std::f64::consts::FRAC_1_SQRT_2;
                    e += 1;
                }
            }
            prec.extend(cov.precision(d));
        }
        FullTerms { v_t, prec }
    }
}

/// A Gaussian mixture with K components in R^d.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianMixture {
    d: usize,
    k: usize,
    weights: Vec<f64>,
    cum_weights: Vec<f64>,
    /// Row-major K × d.
    means: Vec<f64>,
    /// Coordinate-major d × K (the same numbers).
    means_t: Vec<f64>,
    /// Coordinate-major d × K_padded, K rounded up to a multiple of LANES (zeros after K).
    means_tp: Vec<f64>,
    k_padded: usize,
    /// Group size of the isotropic path (2, 4 or 8).
    lanes: usize,
    log_c: Vec<f64>,
    covs: Vec<Covariance>,
    layout: Layout,
    /// The CPU has AVX2: evaluate through [`GaussianMixture::eval_avx2`].
    avx2: bool,
}

/// Whether this CPU supports AVX2 (checked once per mixture, at construction).
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

impl GaussianMixture {
    /// A mixture from (unnormalized) weights, means and covariances. Weights must be
    /// positive and finite (they are normalized); all means must have the same length
    /// and every covariance must match it.
    pub fn new(
        weights: Vec<f64>,
        means: Vec<Vec<f64>>,
        covs: Vec<Covariance>,
    ) -> Result<Self, TargetError> {
        let k = means.len();
        if k == 0 {
            return Err(TargetError::invalid(
                "means",
                "[]",
                "a mixture needs at least one component",
            ));
        }
        let d = check_dim_param("means[0] (dimension)", means[0].len())?;
        for (i, m) in means.iter().enumerate() {
            if m.len() != d {
                return Err(TargetError::dim(
                    format!("means[{i}] (all means must have the dimension of means[0])"),
                    d,
                    m.len(),
                ));
            }
            validate::all_finite(&format!("means[{i}]"), m)?;
        }
        if weights.len() != k {
            return Err(TargetError::dim("weights (one per mean)", k, weights.len()));
        }
        for (i, w) in weights.iter().enumerate() {
            validate::positive(&format!("weights[{i}]"), *w)?;
        }
        let total: f64 = weights.iter().sum();
        if !total.is_finite() {
            return Err(TargetError::invalid("weights", total, "sum must be finite"));
        }
        if covs.len() != k {
            return Err(TargetError::dim(
                "covariances (one per mean)",
                k,
                covs.len(),
            ));
        }
        for (i, c) in covs.iter().enumerate() {
            if let Some(dc) = c.fixed_dim()
                && dc != d
            {
                return Err(TargetError::dim(
                    format!("covs[{i}] vs means dimension"),
                    d,
                    dc,
                ));
            }
        }
        let weights: Vec<f64> = weights.iter().map(|w| w / total).collect();
        let mut acc = 0.0;
        let mut cum_weights: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        *cum_weights.last_mut().expect("k >= 1") = 1.0;
        let log_c = weights
            .iter()
            .zip(&covs)
            .map(|(w, c)| w.ln() - 0.5 * c.log_det(d) - 0.5 * d as f64 * LN_2PI)
            .collect();
        let flat: Vec<f64> = means.concat();
        let mut means_t = vec![0.0; d * k];
        for c in 0..k {
            for j in 0..d {
                means_t[j * k + c] = flat[c * d + j];
            }
        }
        // Group size of the isotropic path: 2, 4 or 8 components, the smallest that
        // holds K (so two-mode targets do not pay for 8 lanes); K is padded to it.
        let lanes = if k <= 2 {
            2
        } else if k <= 4 {
            4
        } else {
            LANES
        };
        let k_padded = k.div_ceil(lanes) * lanes;
        let mut means_tp = vec![0.0; d * k_padded];
        for c in 0..k {
            for j in 0..d {
                means_tp[j * k_padded + c] = flat[c * d + j];
            }
        }
        let layout = if covs.iter().all(|c| matches!(c, Covariance::Isotropic(_))) {
            Layout::Isotropic {
                half_prec: covs.iter().map(|c| 0.5 / c.variance(0)).collect(),
            }
        } else if covs.iter().all(|c| !matches!(c, Covariance::Full { .. })) {
            let mut half_prec_t = vec![0.0; d * k];
            for (c, cov) in covs.iter().enumerate() {
                for j in 0..d {
                    half_prec_t[j * k + c] = 0.5 / cov.variance(j);
                }
            }
            Layout::Diagonal { half_prec_t }
        } else {
            Layout::Full(FullTerms::new(&covs, d, k_padded))
        };
        Ok(GaussianMixture {
            d,
            k,
            weights,
            cum_weights,
            means: flat,
            means_t,
            means_tp,
            k_padded,
            lanes,
            log_c,
            covs,
            layout,
            avx2: has_avx2(),
        })
    }

    /// Isotropic components: `Σ_k = stds[k]² I`.
    pub fn isotropic(
        weights: Vec<f64>,
        means: Vec<Vec<f64>>,
        stds: &[f64],
    ) -> Result<Self, TargetError> {
        let covs = stds
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let s = validate::positive(&format!("stds[{i}]"), *s)?;
                Ok(Covariance::Isotropic(s * s))
            })
            .collect::<Result<Vec<_>, TargetError>>()?;
        GaussianMixture::new(weights, means, covs)
    }

    /// Full covariances, each given as rows (`covs[k][i][j]`), checked SPD.
    pub fn full(
        weights: Vec<f64>,
        means: Vec<Vec<f64>>,
        covs: &[Vec<Vec<f64>>],
    ) -> Result<Self, TargetError> {
        let d = means.first().map_or(0, Vec::len);
        let covs = covs
            .iter()
            .enumerate()
            .map(|(i, rows)| {
                let name = format!("covs[{i}]");
                if rows.len() != d {
                    return Err(TargetError::dim(format!("{name} (rows)"), d, rows.len()));
                }
                for (r, row) in rows.iter().enumerate() {
                    if row.len() != d {
                        return Err(TargetError::dim(
                            format!("{name}[{r}] (columns)"),
                            d,
                            row.len(),
                        ));
                    }
                }
                Covariance::full(&name, &rows.concat(), d)
            })
            .collect::<Result<Vec<_>, TargetError>>()?;
        GaussianMixture::new(weights, means, covs)
    }

    /// Equal weights, every component `N(μ_k, var·I)`.
    fn uniform_isotropic(means: Vec<Vec<f64>>, var: f64) -> Self {
        let k = means.len();
        GaussianMixture::new(vec![1.0; k], means, vec![Covariance::Isotropic(var); k])
            .expect("preset parameters are valid")
    }

    /// **8 Gaussians on a circle** (SLIPS `slips/distributions/mog.py::CircularMixture`):
    /// means `10·(sin(iπ/4), cos(iπ/4))`, i = 0..7, covariance 0.7 I, equal weights.
    pub fn eight_gaussians() -> Self {
        let means = (0..8)
            .map(|i| {
                let a = i as f64 * std::f64::consts::FRAC_PI_4;
                vec![10.0 * a.sin(), 10.0 * a.cos()]
            })
            .collect();
        Self::uniform_isotropic(means, 0.7)
    }

    /// **9GMM** (gfn-diffusion `energy_sampling/energies/nine_gmm.py`): means on the grid
    /// {−5, 0, 5}², covariance 0.3 I, equal weights.
    pub fn nine_gmm() -> Self {
        Self::grid(&[-5.0, 0.0, 5.0])
    }

    /// **25GMM** (gfn-diffusion `twenty_five_gmm.py`): means on {−10, −5, 0, 5, 10}²,
    /// covariance 0.3 I, equal weights.
    pub fn twenty_five_gmm() -> Self {
        Self::grid(&[-10.0, -5.0, 0.0, 5.0, 10.0])
    }

    fn grid(g: &[f64]) -> Self {
        let means = g
            .iter()
            .flat_map(|&a| g.iter().map(move |&b| vec![a, b]))
            .collect();
        Self::uniform_isotropic(means, 0.3)
    }

    /// **GMM40 of FAB** (Midgley et al. 2023, `lollcat/fab-torch:fab/target_distributions/gmm.py`):
    /// 40 equal-weight components in 2-D, means from torch seed 0 (see [`crate::data::gmm40`]),
    /// per-dimension std softplus(1) = 1.3132616875182228.
    pub fn gmm40_fab() -> Self {
        let s = GMM40_FAB_STD;
        Self::uniform_isotropic(
            gmm40::GMM40_FAB_MEANS.iter().map(|m| m.to_vec()).collect(),
            s * s,
        )
    }

    /// **GMM40 of Beyond ELBOs** (Blessing et al. 2024,
    /// `DenisBless/variational_sampling_methods:targets/gmm40.py`): 40 equal-weight
    /// components, JAX-seeded means, std 1.
    pub fn gmm40_beyond_elbos() -> Self {
        Self::uniform_isotropic(
            gmm40::GMM40_BEYOND_ELBOS_MEANS
                .iter()
                .map(|m| m.to_vec())
                .collect(),
            1.0,
        )
    }

    /// **Two modes** in dimension d (SLIPS `experiments/two_modes_utils.py::make_target(a=1)`):
    /// means `(−2/3)·1_d` and `(4/3)·1_d` (i.e. `−1_d + ⅓1_d` and `+1_d + ⅓1_d`),
    /// covariance 0.05 I, weights 2/3 and 1/3.
    pub fn two_modes(d: usize) -> Result<Self, TargetError> {
        check_dim_param("d", d)?;
        GaussianMixture::new(
            vec![2.0 / 3.0, 1.0 / 3.0],
            vec![vec![-2.0 / 3.0; d], vec![4.0 / 3.0; d]],
            vec![Covariance::Isotropic(0.05); 2],
        )
    }

    /// **ZOD-MC 2-D GMM** (`config/density_parameters/2d_gmm.yaml`): weights
    /// `[0.1, 0.2, 0.3, 0.4]`, means `[[0,0],[0,11],[9,9],[11,0]]`, full covariances
    /// `[[1,.5],[.5,1]]`, `[[.3,−.2],[−.2,.3]]`, `[[1,.3],[.3,1]]`, `[[1.2,−1],[−1,1.2]]`.
    pub fn zodmc_gmm2d() -> Self {
        Self::zodmc_gmm2d_radius(11.0).expect("preset parameters are valid")
    }

    /// The ZOD-MC "radius" variant (`radius_increase_experiments.py::get_gmm_radius`):
    /// the means of [`GaussianMixture::zodmc_gmm2d`] scaled by `radius / 11` (the paper
    /// uses R ∈ {1, 6, 11, 16, 21, 26}; R = 11 is the base mixture).
    pub fn zodmc_gmm2d_radius(radius: f64) -> Result<Self, TargetError> {
        let r = validate::positive("radius", radius)? / 11.0;
        let means = [[0.0, 0.0], [0.0, 11.0], [9.0, 9.0], [11.0, 0.0]]
            .iter()
            .map(|m| vec![m[0] * r, m[1] * r])
            .collect();
        let covs = [
            [1.0, 0.5, 0.5, 1.0],
            [0.3, -0.2, -0.2, 0.3],
            [1.0, 0.3, 0.3, 1.0],
            [1.2, -1.0, -1.0, 1.2],
        ]
        .iter()
        .enumerate()
        .map(|(i, c)| Covariance::full(&format!("covs[{i}]"), c, 2))
        .collect::<Result<Vec<_>, _>>()?;
        GaussianMixture::new(vec![0.1, 0.2, 0.3, 0.4], means, covs)
    }

    /// **gmm100**: d = 100, 8 equal-weight components with unit covariance; means drawn
    /// once from N(0, 4² I) and stored in [`crate::data::gmm100`] (seed and procedure
    /// documented there).
    pub fn gmm100() -> Self {
        Self::uniform_isotropic(GMM100_MEANS.iter().map(|m| m.to_vec()).collect(), 1.0)
    }

    /// Number of components K.
    pub fn n_components(&self) -> usize {
        self.k
    }

    /// Normalized weights.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Mean of component `c`.
    pub fn mean(&self, c: usize) -> &[f64] {
        &self.means[c * self.d..(c + 1) * self.d]
    }

    /// Covariance of component `c`.
    pub fn covariance(&self, c: usize) -> &Covariance {
        &self.covs[c]
    }

    /// The law of `X_t = e^{−t} X_0 + √(1 − e^{−2t}) Z` for `X_0` drawn from this
    /// mixture (the Ornstein–Uhlenbeck forward process of reverse-diffusion samplers):
    /// the mixture with means `a μ_k` and covariances `a² Σ_k + (1 − a²) I`, `a = e^{−t}`,
    /// same weights. Its `log_density_grad` is the exact score `∇log p_t`. t ≥ 0.
    pub fn ou_marginal(&self, t: f64) -> Result<Self, TargetError> {
        let t = validate::non_negative("t", t)?;
        let a = (-t).exp();
        let means = (0..self.k)
            .map(|c| self.mean(c).iter().map(|m| a * m).collect())
            .collect();
        let covs = self.covs.iter().map(|c| c.ou_blend(a, self.d)).collect();
        GaussianMixture::new(self.weights.clone(), means, covs)
    }

    /// `log w_c + log N(x; μ_c, Σ_c)`, evaluated directly (no fast path): the naive
    /// reference the tests compare the hot path against.
    pub fn component_log_term(&self, c: usize, x: &[f64]) -> f64 {
        self.log_c[c] - 0.5 * self.covs[c].mahalanobis(x, self.mean(c))
    }

    /// The component with the largest `log w_c + log N(x; μ_c, Σ_c)` (the assignment
    /// used for mode counts and entropic mode coverage).
    pub fn nearest_component(&self, x: &[f64]) -> usize {
        (0..self.k)
            .map(|c| (c, self.component_log_term(c, x)))
            .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a })
            .0
    }

    /// CDF of coordinate j's marginal at t: `Σ_k w_k Φ((t − μ_kj)/√Σ_k,jj)`.
    pub fn marginal_cdf(&self, j: usize, t: f64) -> f64 {
        (0..self.k)
            .map(|c| {
                let s = self.covs[c].variance(j).sqrt();
                self.weights[c] * crate::quadrature::normal_cdf((t - self.mean(c)[j]) / s)
            })
            .sum()
    }

    /// Fills `t[..nb]` with the log terms of components `b0 .. b0 + nb`; `LK` is the
    /// layout ([`ISO`], [`DIAG`] or [`FULL`]) so that each build holds one layout's
    /// loop only.
    #[inline(always)]
    fn log_terms<const LK: u8>(&self, x: &[f64], b0: usize, t: &mut [f64]) {
        let k = self.k;
        let nb = t.len();
        let log_c = &self.log_c[b0..b0 + nb];
        match &self.layout {
            Layout::Isotropic { half_prec } if LK == ISO => {
                let hp = &half_prec[b0..b0 + nb];
                match self.lanes {
                    2 => self.iso_groups::<2>(x, b0, log_c, hp, t),
                    4 => self.iso_groups::<4>(x, b0, log_c, hp, t),
                    _ => self.iso_groups::<LANES>(x, b0, log_c, hp, t),
                }
            }
            Layout::Diagonal { half_prec_t } if LK == DIAG => {
                t.iter_mut().for_each(|v| *v = 0.0);
                for (j, &xj) in x.iter().enumerate() {
                    let row = &self.means_t[j * k + b0..j * k + b0 + nb];
                    let hp = &half_prec_t[j * k + b0..j * k + b0 + nb];
                    for ((tv, &m), &h) in t.iter_mut().zip(row).zip(hp) {
                        let dlt = xj - m;
                        *tv += h * dlt * dlt;
                    }
                }
                for (tv, &lc) in t.iter_mut().zip(log_c) {
                    *tv = lc - *tv;
                }
            }
            Layout::Full(f) if LK == FULL => match self.lanes {
                2 => self.full_groups::<2>(x, b0, log_c, &f.v_t, t),
                4 => self.full_groups::<4>(x, b0, log_c, &f.v_t, t),
                _ => self.full_groups::<LANES>(x, b0, log_c, &f.v_t, t),
            },
            _ => unreachable!("log_terms built for layout {LK} called on another layout"),
        }
    }

    /// [`GaussianMixture::full_groups_d`] with the dimension a constant for d ≤ 3 (the
    /// loops then unroll completely), the runtime d otherwise.
    #[inline(always)]
    fn full_groups<const L: usize>(
        &self,
        x: &[f64],
        b0: usize,
        log_c: &[f64],
        v_t: &[f64],
        t: &mut [f64],
    ) {
        match x.len() {
            1 => self.full_groups_d::<L>(1, x, b0, log_c, v_t, t),
            2 => self.full_groups_d::<L>(2, x, b0, log_c, v_t, t),
            3 => self.full_groups_d::<L>(3, x, b0, log_c, v_t, t),
            d => self.full_groups_d::<L>(d, x, b0, log_c, v_t, t),
        }
    }

    /// Full-layout log terms `c_k − |V_k (x − μ_k)|²` ([`FullTerms`]) of components
    /// `b0 .. b0 + t.len()`, in groups of `L`: for each row i of the packed triangle,
    /// `z_i = Σ_{j≤i} V_ij (x_j − μ_j)` is formed for the `L` components at once (lanes
    /// in registers, entries and means entry-major, padded to a multiple of `L`) and its
    /// square added to `q`.
    #[inline(always)]
    fn full_groups_d<const L: usize>(
        &self,
        d: usize,
        x: &[f64],
        b0: usize,
        log_c: &[f64],
        v_t: &[f64],
        t: &mut [f64],
    ) {
        let kp = self.k_padded;
        let nb = t.len();
        let x = &x[..d];
        let mut g0 = 0;
        while g0 < nb {
            let col = b0 + g0;
            let group = |a: &[f64], row: usize| -> [f64; L] {
                a[row * kp + col..row * kp + col + L]
                    .try_into()
                    .expect("padded to a multiple of L")
            };
            let mut q = [0.0f64; L];
            // Packed index of entry (i, 0): i(i+1)/2.
            let mut e = 0;
            for i in 0..d {
                let mut z = [0.0f64; L];
                for (j, &xj) in x[..=i].iter().enumerate() {
                    let mu = group(&self.means_tp, j);
                    let v = group(v_t, e + j);
                    for c in 0..L {
                        z[c] += v[c] * (xj - mu[c]);
                    }
                }
                for c in 0..L {
                    q[c] += z[c] * z[c];
                }
                e += i + 1;
            }
            for c in 0..L.min(nb - g0) {
                t[g0 + c] = log_c[g0 + c] - q[c];
            }
            g0 += L;
        }
    }

    /// Adds `coef · Σ_c⁻¹ (μ_c − x)` into `grad`: the stored precision for the full
    /// layout (a constant dimension for d ≤ 3), [`Covariance::add_scaled_score`] otherwise.
    #[inline(always)]
    fn add_score(&self, c: usize, coef: f64, x: &[f64], grad: &mut [f64]) {
        match &self.layout {
            Layout::Full(f) => match self.d {
                1 => full_score(1, &f.prec, c, coef, x, self.mean(c), grad),
                2 => full_score(2, &f.prec, c, coef, x, self.mean(c), grad),
                3 => full_score(3, &f.prec, c, coef, x, self.mean(c), grad),
                d => full_score(d, &f.prec, c, coef, x, self.mean(c), grad),
            },
            _ => self.covs[c].add_scaled_score(coef, x, self.mean(c), grad),
        }
    }

    /// Isotropic log terms of components `b0 .. b0 + t.len()`, in groups of `L`: the
    /// squared distances accumulate in a fixed-size array that stays in registers while
    /// the loop runs over the coordinates (means coordinate-major, padded to a multiple
    /// of `L` per coordinate).
    #[inline(always)]
    fn iso_groups<const L: usize>(
        &self,
        x: &[f64],
        b0: usize,
        log_c: &[f64],
        hp: &[f64],
        t: &mut [f64],
    ) {
        let kp = self.k_padded;
        let nb = t.len();
        let mut g0 = 0;
        while g0 < nb {
            let mut acc = [0.0f64; L];
            for (j, &xj) in x.iter().enumerate() {
                let off = j * kp + b0 + g0;
                let row: &[f64; L] = self.means_tp[off..off + L]
                    .try_into()
                    .expect("padded to a multiple of L");
                for c in 0..L {
                    let dlt = xj - row[c];
                    acc[c] += dlt * dlt;
                }
            }
            for c in 0..L.min(nb - g0) {
                t[g0 + c] = log_c[g0 + c] - hp[g0 + c] * acc[c];
            }
            g0 += L;
        }
    }

    /// [`GaussianMixture::eval`] compiled for AVX2 (4 f64 lanes instead of SSE2's 2):
    /// the same operations in the same order (Rust never contracts `a * b + c` into an
    /// FMA), so the result is bit-identical to the baseline path; only faster (about
    /// 2.5× on the d = 100 distance loop).
    ///
    /// # Safety
    /// The CPU must support AVX2 (checked by `has_avx2` at construction).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn eval_avx2<const G: bool>(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.eval::<G>(x, grad)
    }

    /// Dispatches to the AVX2 build of [`GaussianMixture::eval`] where available.
    #[inline(always)]
    fn eval_dispatch<const G: bool>(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is true only if the CPU reported AVX2 support.
            return unsafe { self.eval_avx2::<G>(x, grad) };
        }
        self.eval::<G>(x, grad)
    }

    /// Log-sum-exp over components with the skip rule; with `G`, also the gradient.
    /// One build per layout, so the hot loop of one layout does not carry the code of
    /// the others (the full layout's unrolled loops cost the isotropic GMM40 path 5–8 %
    /// when they shared one loop).
    #[inline(always)]
    fn eval<const G: bool>(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        match self.layout {
            Layout::Isotropic { .. } => self.eval_layout::<G, ISO>(x, grad),
            Layout::Diagonal { .. } => self.eval_layout::<G, DIAG>(x, grad),
            Layout::Full(_) => self.eval_layout::<G, FULL>(x, grad),
        }
    }

    /// [`GaussianMixture::eval`] for layout `LK`.
    #[inline(always)]
    fn eval_layout<const G: bool, const LK: u8>(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        if self.k <= SMALL {
            self.eval_blocks::<G, SMALL, LK>(x, grad)
        } else {
            self.eval_blocks::<G, BLOCK, LK>(x, grad)
        }
    }

    /// [`GaussianMixture::eval`] with log terms computed in stack blocks of `B`.
    #[inline(always)]
    fn eval_blocks<const G: bool, const B: usize, const LK: u8>(
        &self,
        x: &[f64],
        grad: &mut [f64],
    ) -> f64 {
        let mut m = f64::NEG_INFINITY;
        let mut s = 0.0;
        if G {
            grad.iter_mut().for_each(|g| *g = 0.0);
        }
        let mut buf = [0.0f64; B];
        let mut b0 = 0;
        while b0 < self.k {
            let nb = B.min(self.k - b0);
            let t = &mut buf[..nb];
            self.log_terms::<LK>(x, b0, t);
            // f64::max ignores NaN: a NaN input leaves m = −∞ and is handled below.
            let bm = t.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            if bm > m {
                if s > 0.0 {
                    let r = (m - bm).exp();
                    s *= r;
                    if G {
                        grad.iter_mut().for_each(|g| *g *= r);
                    }
                }
                m = bm;
            }
            let thr = m - LSE_CUTOFF;
            for (c, &tc) in t.iter().enumerate() {
                if tc >= thr {
                    // exp(0) = 1 exactly: the largest term needs no call. Only in the
                    // small-mixture build: with K > 8 the branch inside this loop cost
                    // the in-distribution GMM40 path about 2 % (throughput bench).
                    let e = if B == SMALL && tc == m {
                        1.0
                    } else {
                        (tc - m).exp()
                    };
                    s += e;
                    if G {
                        self.add_score(b0 + c, e, x, grad);
                    }
                }
            }
            b0 += nb;
        }
        if !(s > 0.0 && m.is_finite()) {
            // Non-finite input: NaN if any coordinate is NaN, otherwise −∞ (an infinite
            // coordinate is infinitely far from every mean).
            let v = if x.iter().any(|v| v.is_nan()) {
                f64::NAN
            } else {
                f64::NEG_INFINITY
            };
            if G {
                grad.iter_mut().for_each(|g| *g = f64::NAN);
            }
            return v;
        }
        if G {
            let inv = 1.0 / s;
            grad.iter_mut().for_each(|g| *g *= inv);
        }
        // ln 1 = 0 exactly: one surviving term (points far from all but one mode) needs
        // no call.
        m + if s == 1.0 { 0.0 } else { s.ln() }
    }

    /// The baseline build of [`GaussianMixture::eval`] as a function of its own (one call
    /// per point in the batch loops).
    #[inline(never)]
    fn eval_point<const G: bool>(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.eval::<G>(x, grad)
    }

    /// Whether the batch loops inline the whole evaluation: small full-layout mixtures
    /// in low dimension (ZOD-MC: K = 4, d = 2), where a call per point costs a fifth of
    /// the evaluation. Other mixtures keep one call of `point` per point: inlining their
    /// distance loops into the batch loop spills its invariants to the stack (gmm100's
    /// d = 100 loop ran 1.5× slower).
    fn inline_batch(&self) -> bool {
        matches!(self.layout, Layout::Full(_)) && self.k <= SMALL && self.d <= 3
    }

    /// `out[i] = log p(xs[i·d .. (i+1)·d])`, through `point` (a build of `eval`) unless
    /// [`GaussianMixture::inline_batch`].
    #[inline(always)]
    fn batch(&self, xs: &[f64], out: &mut [f64], point: impl Fn(&[f64]) -> f64) {
        let rows = xs.chunks_exact(self.d).zip(out.iter_mut());
        if self.inline_batch() {
            for (x, o) in rows {
                *o = self.eval_blocks::<false, SMALL, FULL>(x, &mut []);
            }
        } else {
            for (x, o) in rows {
                *o = point(x);
            }
        }
    }

    /// Values and gradients of a row-major batch, as [`GaussianMixture::batch`].
    #[inline(always)]
    fn grad_batch(
        &self,
        xs: &[f64],
        grads: &mut [f64],
        out: &mut [f64],
        point: impl Fn(&[f64], &mut [f64]) -> f64,
    ) {
        let d = self.d;
        let rows = xs
            .chunks_exact(d)
            .zip(grads.chunks_exact_mut(d))
            .zip(out.iter_mut());
        if self.inline_batch() {
            for ((x, g), o) in rows {
                *o = self.eval_blocks::<true, SMALL, FULL>(x, g);
            }
        } else {
            for ((x, g), o) in rows {
                *o = point(x, g);
            }
        }
    }

    /// [`GaussianMixture::batch`] compiled for AVX2 (one dispatch per batch).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn batch_avx2(&self, xs: &[f64], out: &mut [f64]) {
        // SAFETY: the caller guarantees AVX2.
        self.batch(xs, out, |x| unsafe { self.eval_avx2::<false>(x, &mut []) })
    }

    /// [`GaussianMixture::grad_batch`] compiled for AVX2 (one dispatch per batch).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn grad_batch_avx2(&self, xs: &[f64], grads: &mut [f64], out: &mut [f64]) {
        // SAFETY: the caller guarantees AVX2.
        self.grad_batch(xs, grads, out, |x, g| unsafe {
            self.eval_avx2::<true>(x, g)
        })
    }
}

/// Adds `coef · P_c (μ − x)` into `grad`, `P_c` the c-th d × d block of `prec`: the same
/// operations in the same order as [`Covariance::add_scaled_score`] on a full Σ.
#[inline(always)]
fn full_score(
    d: usize,
    prec: &[f64],
    c: usize,
    coef: f64,
    x: &[f64],
    mu: &[f64],
    grad: &mut [f64],
) {
    let p = &prec[c * d * d..(c + 1) * d * d];
    let (x, mu) = (&x[..d], &mu[..d]);
    for (row, g) in p.chunks_exact(d).zip(&mut grad[..d]) {
        let mut s = 0.0;
        for ((&pij, &xj), &mj) in row.iter().zip(x).zip(mu) {
            s += pij * (mj - xj);
        }
        *g += coef * s;
    }
}

/// Std of the FAB GMM40 components: softplus(1) = ln(1 + e).
pub const GMM40_FAB_STD: f64 = 1.313_261_687_518_222_8;

impl Target for GaussianMixture {
    fn dim(&self) -> usize {
        self.d
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        self.eval_dispatch::<false>(x, &mut [])
    }
    fn log_density_batch(&self, xs: &[f64], out: &mut [f64]) {
        debug_assert_eq!(xs.len(), self.d * out.len());
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is true only if the CPU reported AVX2 support.
            return unsafe { self.batch_avx2(xs, out) };
        }
        self.batch(xs, out, |x| self.eval_point::<false>(x, &mut []))
    }
    fn log_z(&self) -> Option<f64> {
        Some(0.0)
    }
    fn exact_sampler(&self) -> Option<&dyn ExactSampler> {
        Some(self)
    }
    fn smoothable(&self) -> Option<&dyn sampo_core::Smoothable> {
        Some(self)
    }
}

impl GradTarget for GaussianMixture {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.eval_dispatch::<true>(x, grad)
    }
    fn log_density_grad_batch(&self, xs: &[f64], grads: &mut [f64], out: &mut [f64]) {
        debug_assert_eq!(xs.len(), self.d * out.len());
        debug_assert_eq!(grads.len(), xs.len());
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is true only if the CPU reported AVX2 support.
            return unsafe { self.grad_batch_avx2(xs, grads, out) };
        }
        self.grad_batch(xs, grads, out, |x, g| self.eval_point::<true>(x, g))
    }
}

impl ExactSampler for GaussianMixture {
    fn sample_exact(&self, rng: &mut StreamRng, out: &mut [f64]) {
        let u = uniform(rng);
        let c = self
            .cum_weights
            .partition_point(|&cw| cw <= u)
            .min(self.k - 1);
        fill_standard_normal(rng, out);
        self.covs[c].scale_standard_normal(out);
        out.iter_mut().zip(self.mean(c)).for_each(|(o, m)| *o += m);
    }
}

#[cfg(test)]
mod avx2_tests {
    use super::*;
    use sampo_core::rng;

    /// The AVX2 path must equal the baseline path bit for bit (reproducibility across
    /// CPUs), on every layout.
    #[test]
    fn avx2_path_is_bit_identical_to_baseline() {
        if !has_avx2() {
            eprintln!("skipped: this CPU has no AVX2");
            return;
        }
        for m in [
            GaussianMixture::gmm100(),
            GaussianMixture::gmm40_fab(),
            GaussianMixture::zodmc_gmm2d(),
            GaussianMixture::two_modes(7).unwrap(),
            crate::tests::lse::random_full(3, 1, 1),
            crate::tests::lse::random_full(70, 3, 2),
            crate::tests::lse::random_full(5, 5, 3),
        ] {
            let d = m.dim();
            let mut r = rng::stream(77, d as u64);
            let (mut x, mut g1, mut g2) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
            for _ in 0..2000 {
                m.sample_exact(&mut r, &mut x);
                x.iter_mut()
                    .for_each(|v| *v += 3.0 * rng::standard_normal(&mut r));
                let a = m.eval::<true>(&x, &mut g1);
                // SAFETY: checked above that the CPU has AVX2.
                let b = unsafe { m.eval_avx2::<true>(&x, &mut g2) };
                assert_eq!(a.to_bits(), b.to_bits());
                assert!(g1.iter().zip(&g2).all(|(p, q)| p.to_bits() == q.to_bits()));
            }
            // The batch loops (inlined for small full mixtures, a call per point otherwise).
            let n = 300;
            let xs: Vec<f64> = (0..n * d)
                .map(|_| 20.0 * rng::standard_normal(&mut r))
                .collect();
            let (mut o1, mut o2) = (vec![0.0; n], vec![0.0; n]);
            let (mut gs1, mut gs2) = (vec![0.0; n * d], vec![0.0; n * d]);
            m.batch(&xs, &mut o1, |x| m.eval_point::<false>(x, &mut []));
            // SAFETY: checked above that the CPU has AVX2.
            unsafe { m.batch_avx2(&xs, &mut o2) };
            assert!(o1.iter().zip(&o2).all(|(p, q)| p.to_bits() == q.to_bits()));
            m.grad_batch(&xs, &mut gs1, &mut o1, |x, g| m.eval_point::<true>(x, g));
            // SAFETY: checked above that the CPU has AVX2.
            unsafe { m.grad_batch_avx2(&xs, &mut gs2, &mut o2) };
            assert!(o1.iter().zip(&o2).all(|(p, q)| p.to_bits() == q.to_bits()));
            assert!(
                gs1.iter()
                    .zip(&gs2)
                    .all(|(p, q)| p.to_bits() == q.to_bits())
            );
        }
    }
}
