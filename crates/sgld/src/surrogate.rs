//! FSGLD's shard surrogates and conducive gradients (El Mekkaoui, Mesquita,
//! Blomstedt & Kaski, UAI 2021, §3; samplers-b.md §4.3).
//!
//! Shard s of S (terms D_s, visited with probability f_s = 1/S) has the **local
//! posterior** `π_s(θ) ∝ p(θ)^{1/S} p(D_s | θ)`, so that `Π_s π_s = π`. Its surrogate
//! is a Gaussian in natural form, fitted once per run before sampling:
//!
//! ```text
//! q_s(θ) ∝ exp(b_sᵀθ − ½ θᵀΛ_s θ),      ∇log q_s(θ) = b_s − Λ_s θ
//! ```
//!
//! - **`laplace`** (default): at the local MAP `θ̂_s = argmax π_s` (the paper's
//!   construction; the default centre is the global MAP instead, see [`Center`]), by
//!   damped Newton (the
//!   solver of D-ADMMS's proximal step, [`sampo_distributed::prox::newton`]; its
//!   measured comparison with argmin is in benchmarks/scripts/argmin_prox), then
//!   `Λ_s = −∇²log π_s(θ̂_s)` and `b_s = ∇log π_s(θ̂_s) + Λ_s θ̂_s`: the first-order
//!   Taylor expansion of `∇log π_s` at θ̂_s, so that a quadratic π_s (linear
//!   regression with a Gaussian prior) is reproduced exactly, however closely the
//!   optimum was reached; a quadratic target ([`FiniteSumTarget::is_quadratic`]) skips
//!   the solve (two passes over the shard). Needs the target's Hessian. With
//!   `center = "global-map"` the expansion point is the full posterior's MAP instead
//!   ([`Center`]), found by the same Newton method over all shards.
//! - **`moments`**: mean m_s and covariance C_s of a local SGLD chain on π_s (the
//!   sampler's step and batch; the first half of `steps` discarded), then
//!   `Λ_s = C_s⁻¹`, `b_s = Λ_s m_s`. Needs only gradients; its Monte Carlo and
//!   step-size errors stay in the surrogate.
//!
//! `precision = "diagonal"` keeps Λ_s's diagonal (the form used for neural networks,
//! where d² does not fit). `variance_floor = φ ≥ 0` is added to every variance before
//! it is inverted: `Λ = (C + φI)⁻¹` (`laplace`: `(Λ⁻¹ + φI)⁻¹`), so that a near-constant
//! coordinate cannot give an exploding precision (samplers-b.md §4.4).
//!
//! **Conducive gradient.** On shard s the chain adds
//! `c_s(θ) = ∇log q(θ) − (1/f_s) ∇log q_s(θ)` with `q = Π_r q_r` (the paper's eq. for
//! FSGLD's gradient; the energy form is samplers-b.md §4.3), here
//!
//! ```text
//! c_s(θ) = k_s − K_s θ,     k_s = Σ_r b_r − S b_s,     K_s = Σ_r Λ_r − S Λ_s
//! ```
//!
//! **Zero mean over the visits:** `Σ_s f_s c_s(θ) = 0` for every θ, whatever the
//! surrogates, so FSGLD's estimator stays unbiased. With exact surrogates (q_s = π_s)
//! the drift on shard s is `∇log p + S ∇log p(D_s) + c_s = ∇log π` in expectation
//! over the shard's minibatch: a long visit no longer drifts towards one shard.

// Index loops over coordinates mirror the formulas above.
#![allow(clippy::needless_range_loop)]

use rand::RngExt;
use sampo_core::rng::{self, StreamRng};
use sampo_core::{CoreError, FiniteSumTarget, validate};
use sampo_distributed::network::{InProcess, Network, Routes};
use sampo_distributed::shard::Shard;
use sampo_targets::linalg::Cholesky;
use serde::{Deserialize, Serialize};

fn default_fit_steps() -> u64 {
    // 2000 local steps, the second half kept: 1000 correlated draws give the moments
    // to a few per cent on the posteriors of the issue's experiments.
    2000
}

/// Salt for the moment fits' streams, so they differ from the chains' streams.
const FIT_SALT: u64 = 0xF5_617D;

/// Where a Laplace surrogate expands its shard's local posterior.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Center {
    /// At the shard's own MAP θ̂_s (the FSGLD paper's construction; no communication
    /// before the fit).
    LocalMap,
    /// At the full posterior's MAP θ̂ (Newton on the whole data: each step one
    /// gradient and one Hessian pass over every shard, i.e. one round of
    /// communication of d + d² floats per shard): ∇log q_s is then first-order exact
    /// where the chains are, however far θ̂_s is from θ̂ (label-skewed shards).
    /// The default: on the label-skewed logistic regression of `sampo-bench figure
    /// sgld-logistic` FSGLD's W2 stays at 0.059–0.060 for τ = 1…1000 with it, and
    /// grows from 0.061 to 0.40 with local-MAP surrogates (DSGLD: 0.080 to 1.35).
    #[default]
    GlobalMap,
}

/// Full or diagonal surrogate precision.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// The d × d precision (d² floats per shard, one matrix-vector product per step).
    #[default]
    Full,
    /// Its diagonal only.
    Diagonal,
}

/// How each shard's surrogate is fitted (module docs). TOML:
/// `surrogate = { kind = "laplace" }` (the default) or
/// `surrogate = { kind = "moments", steps = 2000, precision = "diagonal" }`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Surrogate {
    /// A Laplace approximation at the local MAP (needs the target's Hessian).
    Laplace {
        /// `"local-map"` or `"global-map"`.
        #[serde(default)]
        center: Center,
        /// `"full"` or `"diagonal"`.
        #[serde(default)]
        precision: Precision,
        /// φ ≥ 0 added to every variance before inversion.
        #[serde(default)]
        variance_floor: f64,
    },
    /// The moments of a local SGLD chain.
    Moments {
        /// Local SGLD steps per shard (≥ 2; the first half discarded).
        #[serde(default = "default_fit_steps")]
        steps: u64,
        /// `"full"` or `"diagonal"`.
        #[serde(default)]
        precision: Precision,
        /// φ ≥ 0 added to every variance before inversion.
        #[serde(default)]
        variance_floor: f64,
    },
}

impl Default for Surrogate {
    fn default() -> Self {
        Surrogate::Laplace {
            center: Center::GlobalMap,
            precision: Precision::Full,
            variance_floor: 0.0,
        }
    }
}

impl Surrogate {
    /// Checks the fields (names as in TOML: `surrogate.steps`, …).
    pub fn validate(&self) -> Result<(), CoreError> {
        let floor = match *self {
            Surrogate::Laplace { variance_floor, .. } => variance_floor,
            Surrogate::Moments {
                steps,
                variance_floor,
                ..
            } => {
                if steps < 2 {
                    return Err(CoreError::invalid(
                        "surrogate.steps",
                        steps,
                        "must be >= 2 (the first half is discarded)",
                    ));
                }
                variance_floor
            }
        };
        validate::non_negative("surrogate.variance_floor", floor).map(|_| ())
    }

    fn precision(&self) -> Precision {
        match *self {
            Surrogate::Laplace { precision, .. } | Surrogate::Moments { precision, .. } => {
                precision
            }
        }
    }

    fn floor(&self) -> f64 {
        match *self {
            Surrogate::Laplace { variance_floor, .. }
            | Surrogate::Moments { variance_floor, .. } => variance_floor,
        }
    }
}

/// One shard's surrogate `∇log q_s(θ) = b − Λθ` (Λ row-major d × d; a diagonal
/// surrogate has zeros off the diagonal).
#[derive(Clone, Debug, PartialEq)]
pub struct Gaussian {
    /// b.
    pub b: Vec<f64>,
    /// Λ, row-major.
    pub precision: Vec<f64>,
}

impl Gaussian {
    /// `∇log q(θ) = b − Λθ` into `out`.
    pub fn grad(&self, theta: &[f64], out: &mut [f64]) {
        let d = theta.len();
        for i in 0..d {
            let row = &self.precision[i * d..(i + 1) * d];
            out[i] = self.b[i] - row.iter().zip(theta).map(|(a, t)| a * t).sum::<f64>();
        }
    }
}

/// What the sampler needs to fit surrogates: its step, batch and the run's seed (for
/// the moment fits' streams).
#[derive(Clone, Copy, Debug)]
pub struct FitSettings {
    /// The local SGLD step of a moment fit.
    pub step_size: f64,
    /// Its batch size.
    pub batch_size: usize,
    /// The run's seed.
    pub seed: u64,
}

/// Fits every shard's surrogate (module docs); `ranges` are the shards' terms. Every
/// data term touched is counted by a counted `t`. All shards in this process:
/// [`fit_over`] on an [`InProcess`] network.
pub fn fit<T: FiniteSumTarget + ?Sized>(
    t: &T,
    ranges: &[(usize, usize)],
    surrogate: &Surrogate,
    settings: FitSettings,
) -> Result<Vec<Gaussian>, CoreError> {
    let mut net = InProcess::new(Routes::new(vec![Vec::new(); ranges.len()]));
    fit_over(t, ranges, surrogate, settings, &mut net)
}

/// [`fit`] with shard s on the network's agent s: each process fits the shards of
/// its agents (the global mode, for `center = "global-map"`, by Newton steps whose
/// gradients and Hessians are sums of the shards' terms, gathered once per step),
/// then the surrogates are gathered, so that every process returns all S of them,
/// the same on every process and as in process. A fit that fails on one process
/// fails on every process, naming the shard.
pub fn fit_over<T: FiniteSumTarget + ?Sized>(
    t: &T,
    ranges: &[(usize, usize)],
    surrogate: &Surrogate,
    settings: FitSettings,
    net: &mut dyn Network,
) -> Result<Vec<Gaussian>, CoreError> {
    surrogate.validate()?;
    let d = t.dim();
    let shards = local_posteriors(ranges);
    // The global MAP, for centre = "global-map" on a non-quadratic target.
    let global = match *surrogate {
        Surrogate::Laplace {
            center: Center::GlobalMap,
            ..
        } if !t.is_quadratic() => Some(crate::mode::global_map(t, &shards, net)?),
        _ => None,
    };
    // A row per shard: a status flag (1 fitted, 0 failed here), b, then Λ.
    let m = 1 + d + d * d;
    let local = net.local();
    let mut rows = vec![0.0; local.len() * m];
    let mut failure = None;
    for (row, s) in rows.chunks_exact_mut(m).zip(local.clone()) {
        let fitted = match *surrogate {
            Surrogate::Laplace { .. } => laplace(t, &shards[s], s, d, global.as_deref()),
            Surrogate::Moments { steps, .. } => moments(t, &shards[s], s, d, steps, settings),
        }
        .and_then(|(b, precision)| finish(b, precision, surrogate, s, d));
        match fitted {
            Ok(q) => {
                row[0] = 1.0;
                row[1..1 + d].copy_from_slice(&q.b);
                row[1 + d..].copy_from_slice(&q.precision);
            }
            Err(e) => {
                failure.get_or_insert(e);
            }
        }
    }
    let mut all = vec![0.0; ranges.len() * m];
    net.gather(m, &rows, &mut all)?;
    if let Some(e) = failure {
        return Err(e);
    }
    all.chunks_exact(m)
        .enumerate()
        .map(|(s, row)| {
            if row[0] != 1.0 {
                return Err(CoreError::invalid(
                    "surrogate",
                    format!("shard {s}"),
                    "its fit failed on another process (that process reports why)",
                ));
            }
            Ok(Gaussian {
                b: row[1..1 + d].to_vec(),
                precision: row[1 + d..].to_vec(),
            })
        })
        .collect()
}

/// The shards' local posteriors: terms `ranges[s]` and a 1/S share of the prior.
fn local_posteriors(ranges: &[(usize, usize)]) -> Vec<Shard> {
    let weight = 1.0 / ranges.len() as f64;
    ranges
        .iter()
        .map(|&(lo, hi)| Shard {
            terms: lo..hi,
            prior_weight: weight,
        })
        .collect()
}

/// The Laplace fit in (b, Λ) form, before the floor and the diagonal ([`finish`]):
/// `Λ = −∇²log π_s(c)`, `b = ∇log π_s(c) + Λc` at the centre c: the local MAP, or
/// `global` when given.
fn laplace<T: FiniteSumTarget + ?Sized>(
    t: &T,
    shard: &Shard,
    s: usize,
    d: usize,
    global: Option<&[f64]>,
) -> Result<(Vec<f64>, Vec<f64>), CoreError> {
    let what = format!("shard {s}");
    if t.is_quadratic() {
        // f_s = ½xᵀAx − bᵀx + const (two passes over the shard): ∇log π_s = b − Ax is
        // its own expansion, at any point.
        return shard
            .quadratic(t, d)
            .map(|(a, b)| (b, a))
            .map_err(crate::mode::named("surrogate", "laplace", &what));
    }
    let x = match global {
        Some(g) => g.to_vec(),
        None => crate::mode::map(t, shard, "surrogate", "laplace", &what)?,
    };
    // f_s = −log π_s: ∇log π_s = −∇f_s, Λ = ∇²f_s.
    let mut grad = vec![0.0; d];
    shard.value_grad(t, &x, &mut grad);
    let mut hess = vec![0.0; d * d];
    shard
        .hessian(t, &x, &mut hess)
        .map_err(crate::mode::named("surrogate", "laplace", &what))?;
    let b = (0..d)
        .map(|i| -grad[i] + (0..d).map(|j| hess[i * d + j] * x[j]).sum::<f64>())
        .collect();
    Ok((b, hess))
}

/// The mean and covariance (m, C) of a local SGLD chain on π_s from 0 (stream
/// (seed ⊕ salt, s)); [`finish`] floors and inverts C.
fn moments<T: FiniteSumTarget + ?Sized>(
    t: &T,
    shard: &Shard,
    s: usize,
    d: usize,
    steps: u64,
    settings: FitSettings,
) -> Result<(Vec<f64>, Vec<f64>), CoreError> {
    let mut rng: StreamRng = rng::stream(settings.seed ^ FIT_SALT, s as u64);
    let (lo, hi) = (shard.terms.start, shard.terms.end);
    let n = settings.batch_size.min(hi - lo);
    let h = settings.step_size;
    let big_n = t.n_terms() as f64;
    // The local posterior's estimator: (1/S)∇log p + (N_s/n) Σ_B ∇log p(y_i | θ),
    // from the target's N/n-scaled minibatch gradient g and the prior gradient p:
    // (1/S) p + (N_s/N)(g − p).
    let c = (hi - lo) as f64 / big_n;
    let (mut x, mut g, mut p, mut z) = (vec![0.0; d], vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    let mut batch = Vec::with_capacity(n);
    let (mut mean, mut m2) = (vec![0.0; d], vec![0.0; d * d]);
    let burn = steps / 2;
    let sd = (2.0 * h).sqrt();
    for k in 0..steps {
        batch.clear();
        batch.extend((0..n).map(|_| rng.random_range(lo..hi)));
        t.minibatch_log_density_grad(&x, &batch, &mut g, &mut z);
        t.log_prior_grad(&x, &mut p);
        rng::fill_standard_normal(&mut rng, &mut z);
        for j in 0..d {
            let drift = shard.prior_weight * p[j] + c * (g[j] - p[j]);
            x[j] += h * drift + sd * z[j];
        }
        if let Some(j) = x.iter().position(|v| !v.is_finite()) {
            return Err(CoreError::invalid(
                "surrogate",
                "moments",
                format!(
                    "shard {s}'s local SGLD chain diverged at step {k} (x[{j}] = {}): \
                     lower step_size",
                    x[j]
                ),
            ));
        }
        if k >= burn {
            // Welford's update of the mean and the co-moment matrix.
            let count = (k - burn + 1) as f64;
            for j in 0..d {
                z[j] = x[j] - mean[j];
                mean[j] += z[j] / count;
            }
            for i in 0..d {
                for j in 0..d {
                    m2[i * d + j] += z[i] * (x[j] - mean[j]);
                }
            }
        }
    }
    let kept = (steps - burn) as f64;
    let cov = m2.iter().map(|v| v / (kept - 1.0).max(1.0)).collect();
    Ok((mean, cov))
}

/// Applies the floor and the diagonal form: for `laplace`, `(b, Λ)` in; for `moments`,
/// `(m, C)` in. Returns the surrogate in (b, Λ) form.
fn finish(
    first: Vec<f64>,
    second: Vec<f64>,
    surrogate: &Surrogate,
    s: usize,
    d: usize,
) -> Result<Gaussian, CoreError> {
    let floor = surrogate.floor();
    let diagonal = surrogate.precision() == Precision::Diagonal;
    let bad = |why: String| CoreError::invalid("surrogate", format!("shard {s}"), why);
    match surrogate {
        Surrogate::Laplace { .. } => {
            let (b, mut lam) = (first, second);
            // The mode θ̂ = Λ⁻¹ b of the unfloored Gaussian is kept when the floor or
            // the diagonal changes Λ: b' = Λ' θ̂.
            if floor == 0.0 && !diagonal {
                return Ok(Gaussian { b, precision: lam });
            }
            let chol = Cholesky::new("the local posterior's Hessian", &lam, d)
                .map_err(|e| bad(format!("{e} (the local MAP is not a strict maximum)")))?;
            let mut mode = b;
            chol.solve_in_place(&mut mode);
            if diagonal {
                for i in 0..d {
                    for j in 0..d {
                        if i != j {
                            lam[i * d + j] = 0.0;
                        } else {
                            lam[i * d + i] = 1.0 / (1.0 / lam[i * d + i] + floor);
                        }
                    }
                }
            } else {
                let mut cov = chol.inverse();
                for i in 0..d {
                    cov[i * d + i] += floor;
                }
                lam = Cholesky::new("the floored covariance", &cov, d)
                    .map_err(|e| bad(e.to_string()))?
                    .inverse();
            }
            Ok(natural(&mode, lam, d))
        }
        Surrogate::Moments { .. } => {
            let (mean, mut cov) = (first, second);
            for i in 0..d {
                cov[i * d + i] += floor;
            }
            let lam = if diagonal {
                let mut lam = vec![0.0; d * d];
                for i in 0..d {
                    if cov[i * d + i].is_nan() || cov[i * d + i] <= 0.0 {
                        return Err(bad(format!(
                            "the local chain's variance of x[{i}] is {}: set \
                             surrogate.variance_floor > 0",
                            cov[i * d + i]
                        )));
                    }
                    lam[i * d + i] = 1.0 / cov[i * d + i];
                }
                lam
            } else {
                Cholesky::new("the local chain's covariance", &cov, d)
                    .map_err(|e| {
                        bad(format!(
                            "{e}: run more surrogate.steps or set surrogate.variance_floor > 0"
                        ))
                    })?
                    .inverse()
            };
            Ok(natural(&mean, lam, d))
        }
    }
}

/// `(Λm, Λ)` for the Gaussian of mean m and precision Λ.
fn natural(mean: &[f64], precision: Vec<f64>, d: usize) -> Gaussian {
    let b = (0..d)
        .map(|i| (0..d).map(|j| precision[i * d + j] * mean[j]).sum())
        .collect();
    Gaussian { b, precision }
}

/// The conducive terms `c_s(θ) = k_s − K_s θ` of every shard (module docs), with K_s
/// stored diagonal when every surrogate is.
#[derive(Clone, Debug)]
pub struct Conducive {
    d: usize,
    diagonal: bool,
    /// k_s, shard-major (S × d).
    k: Vec<f64>,
    /// K_s, shard-major (S × d, or S × d² when full).
    m: Vec<f64>,
}

impl Conducive {
    /// The terms from the shards' surrogates (at least one, all of dimension d;
    /// `diagonal` when they are).
    pub fn new(surrogates: &[Gaussian], diagonal: bool) -> Self {
        let big_s = surrogates.len() as f64;
        let d = surrogates[0].b.len();
        let mut sum_b = vec![0.0; d];
        let mut sum_l = vec![0.0; d * d];
        for q in surrogates {
            sum_b.iter_mut().zip(&q.b).for_each(|(a, v)| *a += v);
            sum_l
                .iter_mut()
                .zip(&q.precision)
                .for_each(|(a, v)| *a += v);
        }
        let mut k = Vec::with_capacity(surrogates.len() * d);
        let mut m = Vec::new();
        for q in surrogates {
            k.extend((0..d).map(|i| sum_b[i] - big_s * q.b[i]));
            if diagonal {
                m.extend((0..d).map(|i| sum_l[i * d + i] - big_s * q.precision[i * d + i]));
            } else {
                m.extend((0..d * d).map(|i| sum_l[i] - big_s * q.precision[i]));
            }
        }
        Conducive { d, diagonal, k, m }
    }

    /// Shards.
    pub fn shards(&self) -> usize {
        self.k.len() / self.d
    }

    /// Adds `c_s(θ)` to `out`.
    #[inline]
    pub fn add(&self, s: usize, theta: &[f64], out: &mut [f64]) {
        let d = self.d;
        let k = &self.k[s * d..(s + 1) * d];
        if self.diagonal {
            let m = &self.m[s * d..(s + 1) * d];
            for i in 0..d {
                out[i] += k[i] - m[i] * theta[i];
            }
        } else {
            let m = &self.m[s * d * d..(s + 1) * d * d];
            for i in 0..d {
                let row = &m[i * d..(i + 1) * d];
                out[i] += k[i] - row.iter().zip(theta).map(|(a, t)| a * t).sum::<f64>();
            }
        }
    }
}

/// Whether `surrogate` gives diagonal precisions.
pub fn is_diagonal(surrogate: &Surrogate) -> bool {
    surrogate.precision() == Precision::Diagonal
}
