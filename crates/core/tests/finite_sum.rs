//! `FiniteSumTarget`'s provided methods: the full sum and the unbiased minibatch
//! estimator (Welling & Teh 2011, eq. 4), checked exactly on a small regression.

use sampo_core::numdiff::check_gradient;
use sampo_core::{Counted, EvalCounts, EvalSource, FiniteSumTarget, GradTarget, Target};

/// y_i ~ N(a·t_i + b, 1), prior N(0, 10² I) on (a, b).
struct Regression {
    t: Vec<f64>,
    y: Vec<f64>,
}

impl Target for Regression {
    fn dim(&self) -> usize {
        2
    }
    fn log_density(&self, x: &[f64]) -> f64 {
        let mut g = [0.0; 2];
        self.full_log_density_grad(x, &mut g)
    }
    fn data_terms(&self) -> u64 {
        self.t.len() as u64
    }
}
impl GradTarget for Regression {
    fn log_density_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.full_log_density_grad(x, grad)
    }
}
impl FiniteSumTarget for Regression {
    fn n_terms(&self) -> usize {
        self.t.len()
    }
    fn log_prior_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        grad[0] = -x[0] / 100.0;
        grad[1] = -x[1] / 100.0;
        -(x[0] * x[0] + x[1] * x[1]) / 200.0
    }
    fn log_term_grad_add(&self, i: usize, x: &[f64], grad: &mut [f64]) -> f64 {
        let r = self.y[i] - (x[0] * self.t[i] + x[1]);
        grad[0] += r * self.t[i];
        grad[1] += r;
        -0.5 * r * r
    }
}

fn data() -> Regression {
    Regression {
        t: vec![-1.0, -0.3, 0.2, 0.9, 1.7, 2.5],
        y: vec![-1.1, 0.2, 0.8, 2.1, 3.0, 4.4],
    }
}

#[test]
fn full_sum_matches_terms_and_gradient_is_right() {
    let r = data();
    let x = [0.7, -0.2];
    let mut g = [0.0; 2];
    let v = r.full_log_density_grad(&x, &mut g);
    let mut expect = -(0.49 + 0.04) / 200.0;
    for i in 0..6 {
        let res = r.y[i] - (0.7 * r.t[i] - 0.2);
        expect -= 0.5 * res * res;
    }
    assert!((v - expect).abs() < 1e-12, "{v} vs {expect}");
    check_gradient(&r, &x, 1e-7).unwrap();
}

#[test]
fn minibatch_estimator_is_unbiased_over_all_batches() {
    // Averaging the estimator over every batch of size 2 (each term appears in the same
    // number of batches) gives the full value and gradient exactly.
    let r = data();
    let x = [1.3, 0.4];
    let mut full_g = [0.0; 2];
    let full = r.full_log_density_grad(&x, &mut full_g);
    let (mut sum, mut sum_g, mut count) = (0.0, [0.0; 2], 0.0);
    for i in 0..6 {
        for j in (i + 1)..6 {
            let mut g = [0.0; 2];
            sum += r.minibatch_log_density_grad(&x, &[i, j], &mut g, &mut [0.0; 2]);
            sum_g[0] += g[0];
            sum_g[1] += g[1];
            count += 1.0;
        }
    }
    assert!((sum / count - full).abs() < 1e-12);
    assert!((sum_g[0] / count - full_g[0]).abs() < 1e-12);
    assert!((sum_g[1] / count - full_g[1]).abs() < 1e-12);
    // The whole data set as one batch is the full value; an empty batch is the prior.
    let mut g = [0.0; 2];
    let all: Vec<usize> = (0..6).collect();
    assert!((r.minibatch_log_density_grad(&x, &all, &mut g, &mut [0.0; 2]) - full).abs() < 1e-12);
    let mut gp = [0.0; 2];
    let prior = r.log_prior_grad(&x, &mut gp);
    assert_eq!(
        r.minibatch_log_density_grad(&x, &[], &mut g, &mut [0.0; 2]),
        prior
    );
    assert_eq!(g, gp);
}

#[test]
fn counting_reports_data_terms_of_full_and_minibatch_evaluations() {
    // A full evaluation touches all N = 6 terms; a minibatch of 2 touches 2; the
    // prior touches none. Batch sizes and scratch reuse allocate nothing.
    let r = Counted::new(data());
    let x = [0.1, 0.2];
    let mut g = [0.0; 2];
    let mut scratch = [0.0; 2];
    r.log_density(&x);
    r.log_density_grad(&x, &mut g);
    r.minibatch_log_density_grad(&x, &[1, 4], &mut g, &mut scratch);
    r.log_prior_grad(&x, &mut g);
    assert_eq!(
        r.counts(),
        EvalCounts {
            density: 1,
            gradient: 1,
            data_terms: 6 + 6 + 2,
        }
    );
}
