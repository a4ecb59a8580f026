//! Small analytic test targets with exact samplers, written here so the kernel
//! tests do not depend on the targets crate.
#![allow(dead_code)]

use sampo_core::rng::{self, StreamRng};
use sampo_core::{GradTarget, Particles, Target};

/// N(mean, diag(sd²)).
pub struct DiagGaussian {
    pub mean: Vec<f64>,
    pub sd: Vec<f64>,
}

impl Target for DiagGaussian {
    fn dim(&self) -> usize {
        self.mean.len()
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let mut g = vec![0.0; x.len()];
        self.log_density_grad(x, &mut g)
    }
}

impl GradTarget for DiagGaussian {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let mut lp = 0.0;
        for i in 0..x.len() {
            let z = (x[i] - self.mean[i]) / self.sd[i];
            lp -= 0.5 * z * z;
            grad[i] = -z / self.sd[i];
        }
        lp
    }
}

/// Bivariate normal, zero mean, unit variances, correlation ρ.
pub struct Correlated2 {
    pub rho: f64,
}

impl Target for Correlated2 {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let mut g = [0.0; 2];
        self.log_density_grad(x, &mut g)
    }
}

impl GradTarget for Correlated2 {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        // Σ⁻¹ = [[1, −ρ], [−ρ, 1]] / (1 − ρ²).
        let c = 1.0 / (1.0 - self.rho * self.rho);
        let p0 = c * (x[0] - self.rho * x[1]);
        let p1 = c * (x[1] - self.rho * x[0]);
        grad[0] = -p0;
        grad[1] = -p1;
        -0.5 * (x[0] * p0 + x[1] * p1)
    }
}

/// Mixture of isotropic Gaussians Σ_k w_k N(m_k, s_k² I) in R^d.
pub struct IsoMixture {
    pub weights: Vec<f64>,
    pub means: Vec<Vec<f64>>,
    pub sds: Vec<f64>,
}

impl IsoMixture {
    /// Exact draw: a component by its weight, then mean + sd · N(0, I).
    pub fn sample(&self, rng: &mut StreamRng, out: &mut [f64]) {
        let u = rng::uniform(rng);
        let mut k = 0;
        let mut acc = self.weights[0];
        while u >= acc && k + 1 < self.weights.len() {
            k += 1;
            acc += self.weights[k];
        }
        for (o, m) in out.iter_mut().zip(&self.means[k]) {
            *o = m + self.sds[k] * rng::standard_normal(rng);
        }
    }

    /// `n` exact draws, draw `i` from stream `(seed, i)`.
    pub fn sample_n(&self, n: usize, seed: u64) -> Particles {
        let d = self.means[0].len();
        let mut p = Particles::zeros(n, d);
        for (i, row) in p.as_mut_slice().chunks_exact_mut(d).enumerate() {
            self.sample(&mut rng::stream(seed, i as u64), row);
        }
        p
    }

    /// Index of the nearest mean.
    pub fn nearest(&self, x: &[f64]) -> usize {
        let d2 = |m: &Vec<f64>| x.iter().zip(m).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
        (0..self.means.len())
            .min_by(|&a, &b| d2(&self.means[a]).total_cmp(&d2(&self.means[b])))
            .unwrap()
    }
}

impl Target for IsoMixture {
    fn dim(&self) -> usize {
        self.means[0].len()
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let mut g = vec![0.0; x.len()];
        self.log_density_grad(x, &mut g)
    }
}

impl GradTarget for IsoMixture {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        // log Σ_k exp(l_k), l_k = log w_k − d log s_k − |x − m_k|²/(2 s_k²); ∇ = Σ r_k (m_k − x)/s_k².
        let d = x.len() as f64;
        let l: Vec<f64> = (0..self.weights.len())
            .map(|k| {
                let r2: f64 = x
                    .iter()
                    .zip(&self.means[k])
                    .map(|(a, b)| (a - b).powi(2))
                    .sum();
                self.weights[k].ln() - d * self.sds[k].ln() - 0.5 * r2 / (self.sds[k] * self.sds[k])
            })
            .collect();
        let max = l.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = l.iter().map(|v| (v - max).exp()).sum();
        grad.iter_mut().for_each(|g| *g = 0.0);
        for (k, lk) in l.iter().enumerate() {
            let r = (lk - max).exp() / sum;
            let s2 = self.sds[k] * self.sds[k];
            for (g, (a, m)) in grad.iter_mut().zip(x.iter().zip(&self.means[k])) {
                *g += r * (m - a) / s2;
            }
        }
        max + sum.ln()
    }
}

/// log π(x) = −Σ x_i⁴: gradient grows cubically, so a large step explodes.
pub struct Quartic {
    pub d: usize,
}

impl Target for Quartic {
    fn dim(&self) -> usize {
        self.d
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        -x.iter().map(|v| v.powi(4)).sum::<f64>()
    }
}

impl GradTarget for Quartic {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        for (g, v) in grad.iter_mut().zip(x) {
            *g = -4.0 * v.powi(3);
        }
        self.log_density(x)
    }
}

/// N(0, 1) in 1-D whose log density is `outside` (NaN or −∞) for x > `edge`.
pub struct Truncated {
    pub edge: f64,
    pub outside: f64,
}

impl Target for Truncated {
    fn dim(&self) -> usize {
        1
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        if x[0] > self.edge {
            self.outside
        } else {
            -0.5 * x[0] * x[0]
        }
    }
}

impl GradTarget for Truncated {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        grad[0] = if x[0] > self.edge {
            self.outside
        } else {
            -x[0]
        };
        self.log_density(x)
    }
}

/// Every `step`-th value of a chain's column, as the series the ESS is computed on.
pub fn columns(run: &sampo_core::Run, j: usize, f: impl Fn(f64) -> f64) -> Vec<Vec<f64>> {
    (0..run.chains)
        .map(|c| run.chain_column(c, j).into_iter().map(&f).collect())
        .collect()
}

/// Asserts |est − truth| < 4·MCSE and that the naive value is excluded by ≫ 4·MCSE.
pub fn assert_within_4_mcse(what: &str, series: &[Vec<f64>], truth: f64) -> (f64, f64) {
    let (est, mcse) = sampo_metrics::ess::mcse_mean(series);
    eprintln!("{what}: {est:.5} vs {truth:.5}, MCSE {mcse:.5}");
    assert!(
        (est - truth).abs() < 4.0 * mcse,
        "{what}: estimate {est} vs exact {truth}, MCSE {mcse} (z = {:.2})",
        (est - truth) / mcse
    );
    (est, mcse)
}
