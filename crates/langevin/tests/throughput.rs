//! Throughput check (ignored by default; run with
//! `cargo test --release -p sampo-langevin --test throughput -- --ignored --nocapture`):
//! particle-steps per second of ULA and MALA over 4096 chains on a 2-D GMM with 40
//! components, the benchmark's setting.

mod common;

use common::{DiagGaussian, IsoMixture};
use sampo_core::{GradTarget, RunConfig, Runner, Target};
use sampo_langevin::{Mala, MalaConfig, Ula, UlaConfig};
use std::time::Instant;

/// A 2-D isotropic GMM written allocation-free (one pass, online log-sum-exp), as a
/// benchmark target would be.
struct FastGmm {
    w_log: Vec<f64>,
    means: Vec<[f64; 2]>,
    inv_var: Vec<f64>,
}

impl Target for FastGmm {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let mut g = [0.0; 2];
        self.log_density_grad(x, &mut g)
    }
}

impl GradTarget for FastGmm {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let (mut m, mut s, mut g0, mut g1) = (f64::NEG_INFINITY, 0.0, 0.0, 0.0);
        for k in 0..self.means.len() {
            let d0 = self.means[k][0] - x[0];
            let d1 = self.means[k][1] - x[1];
            let l = self.w_log[k] - 0.5 * self.inv_var[k] * (d0 * d0 + d1 * d1);
            let (a0, a1) = (self.inv_var[k] * d0, self.inv_var[k] * d1);
            if l > m {
                let r = (m - l).exp();
                s = s * r + 1.0;
                g0 = g0 * r + a0;
                g1 = g1 * r + a1;
                m = l;
            } else {
                let e = (l - m).exp();
                s += e;
                g0 += e * a0;
                g1 += e * a1;
            }
        }
        grad[0] = g0 / s;
        grad[1] = g1 / s;
        m + s.ln()
    }
}

fn fast(t: &IsoMixture) -> FastGmm {
    FastGmm {
        w_log: t
            .weights
            .iter()
            .zip(&t.sds)
            .map(|(w, s)| w.ln() - 2.0 * s.ln())
            .collect(),
        means: t.means.iter().map(|m| [m[0], m[1]]).collect(),
        inv_var: t.sds.iter().map(|s| 1.0 / (s * s)).collect(),
    }
}

fn gmm40() -> IsoMixture {
    let means = (0..40)
        .map(|k| {
            let a = k as f64 * 0.7;
            vec![(k as f64 * 0.5) * a.cos(), (k as f64 * 0.5) * a.sin()]
        })
        .collect();
    IsoMixture {
        weights: vec![1.0 / 40.0; 40],
        means,
        sds: vec![1.0; 40],
    }
}

fn rate<K: sampo_core::Kernel>(k: &K, n: usize, steps: u64, init: &sampo_core::Particles) -> f64 {
    let cfg = RunConfig::new(n, 0, steps, 3);
    let t0 = Instant::now();
    Runner::new(k, cfg).unwrap().run(init).unwrap();
    (n as f64 * steps as f64) / t0.elapsed().as_secs_f64()
}

#[test]
#[ignore]
fn throughput_ula_mala_gmm40() {
    let slow = gmm40();
    let t = fast(&slow);
    // The fast target agrees with the reference one.
    let mut g1 = [0.0; 2];
    let mut g2 = [0.0; 2];
    for x in [[0.3, -0.2], [5.0, 7.0], [-12.0, 3.0]] {
        let a = t.log_density_grad(&x, &mut g1);
        let b = slow.log_density_grad(&x, &mut g2);
        assert!(
            (a - b).abs() < 1e-9 && (g1[0] - g2[0]).abs() < 1e-9 && (g1[1] - g2[1]).abs() < 1e-9
        );
    }
    let (n, steps) = (4096, 500u64);
    let init = slow.sample_n(n, 1);
    let ula = rate(
        &Ula::new(&t, UlaConfig::new(0.05)).unwrap(),
        n,
        steps,
        &init,
    );
    let mala = rate(
        &Mala::new(&t, MalaConfig::new(0.05)).unwrap(),
        n,
        steps,
        &init,
    );
    // Kernel overhead alone: the same on a trivial 2-D Gaussian.
    let gauss = DiagGaussian {
        mean: vec![0.0; 2],
        sd: vec![1.0; 2],
    };
    let ula_g = rate(
        &Ula::new(&gauss, UlaConfig::new(0.05)).unwrap(),
        n,
        steps,
        &init,
    );
    let mala_g = rate(
        &Mala::new(&gauss, MalaConfig::new(0.05)).unwrap(),
        n,
        steps,
        &init,
    );
    // The target alone, one thread.
    let t0 = Instant::now();
    let mut acc = 0.0;
    for i in 0..1_000_000 {
        acc += t.log_density_grad(&[0.3 + i as f64 * 1e-6, 0.1], &mut g1);
    }
    let eval = 1e6 / t0.elapsed().as_secs_f64();
    eprintln!(
        "threads {}: GMM-40: ULA {ula:.2e}, MALA {mala:.2e}; 2-D Gaussian: ULA {ula_g:.2e}, MALA {mala_g:.2e} particle-steps/s; GMM-40 target alone {eval:.2e} evals/s/thread ({acc:.1})",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
}
