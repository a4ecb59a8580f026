//! An agent's share of a finite-sum posterior (samplers-b.md §3.2).
//!
//! Agent i of N owns a contiguous block of the data terms, in the target's order
//! (so a sorted data file gives non-IID shards), and a 1/N share of the prior:
//! `f_i(x) = −Σ_{n ∈ shard i} log p(y_n | x) − (1/N) log p(x)`, so that
//! `Σ_i f_i = −log π̃` and the network's target is the full posterior. Shards differ in
//! size by at most one term (the first `n mod N` agents hold one more).

use crate::DistributedError;
use sampo_core::FiniteSumTarget;
use sampo_targets::linalg::Cholesky;
use std::ops::Range;

/// Agent i's data terms and prior weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    /// The data terms it owns.
    pub terms: Range<usize>,
    /// Its share of the prior, 1/N.
    pub prior_weight: f64,
}

/// The shards of `n_terms` data terms over `agents` agents (module docs); every agent
/// must own at least one term.
pub fn shards(n_terms: usize, agents: usize) -> Result<Vec<Shard>, DistributedError> {
    if agents == 0 || agents > n_terms {
        return Err(DistributedError::invalid(
            "agents",
            agents,
            format!(
                "must be in 1..={n_terms} (the target's data terms: each agent owns at least one)"
            ),
        ));
    }
    let (base, extra) = (n_terms / agents, n_terms % agents);
    let mut start = 0;
    Ok((0..agents)
        .map(|i| {
            let len = base + usize::from(i < extra);
            let s = Shard {
                terms: start..start + len,
                prior_weight: 1.0 / agents as f64,
            };
            start += len;
            s
        })
        .collect())
}

impl Shard {
    /// Data terms in the shard.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether the shard has no terms (never, for [`shards`]).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Returns `f_i(x)` and writes `∇f_i(x)` into `grad` (one pass over the shard).
    pub fn value_grad<T: FiniteSumTarget + ?Sized>(
        &self,
        t: &T,
        x: &[f64],
        grad: &mut [f64],
    ) -> f64 {
        let lp = t.log_prior_grad(x, grad);
        grad.iter_mut().for_each(|g| *g *= self.prior_weight);
        let mut v = self.prior_weight * lp;
        for n in self.terms.clone() {
            v += t.log_term_grad_add(n, x, grad);
        }
        grad.iter_mut().for_each(|g| *g = -*g);
        -v
    }

    /// Writes `∇²f_i(x)` (row-major d × d) into `hess` (one pass over the shard);
    /// an error if the target has no analytic Hessian.
    pub fn hessian<T: FiniteSumTarget + ?Sized>(
        &self,
        t: &T,
        x: &[f64],
        hess: &mut [f64],
    ) -> Result<(), DistributedError> {
        hess.iter_mut().for_each(|h| *h = 0.0);
        let mut ok = t.log_prior_hessian_add(x, hess);
        hess.iter_mut().for_each(|h| *h *= self.prior_weight);
        for n in self.terms.clone() {
            ok &= t.log_term_hessian_add(n, x, hess);
        }
        if !ok {
            return Err(DistributedError::Core(sampo_core::CoreError::Unsupported {
                reason: "D-ADMMS's proximal step needs the target's Hessian \
                         (FiniteSumTarget::log_term_hessian_add); this target has none"
                    .into(),
            }));
        }
        hess.iter_mut().for_each(|h| *h = -*h);
        Ok(())
    }

    /// For a quadratic target ([`FiniteSumTarget::is_quadratic`]):
    /// `f_i(x) = ½ xᵀ A x − bᵀ x + const` with `A = ∇²f_i` and `b = −∇f_i(0)`
    /// (two passes over the shard, once per run).
    pub fn quadratic<T: FiniteSumTarget + ?Sized>(
        &self,
        t: &T,
        d: usize,
    ) -> Result<(Vec<f64>, Vec<f64>), DistributedError> {
        let zero = vec![0.0; d];
        let mut a = vec![0.0; d * d];
        self.hessian(t, &zero, &mut a)?;
        let mut b = vec![0.0; d];
        self.value_grad(t, &zero, &mut b);
        b.iter_mut().for_each(|v| *v = -*v);
        Ok((a, b))
    }
}

/// `A + c I` factorized, for an SPD A and c ≥ 0; the error names the agent.
pub fn factor_shifted(
    a: &[f64],
    c: f64,
    d: usize,
    agent: usize,
) -> Result<Cholesky, DistributedError> {
    let mut m = a.to_vec();
    for i in 0..d {
        m[i * d + i] += c;
    }
    Cholesky::new(&format!("agent {agent}'s proximal matrix"), &m, d)
        .map_err(|e| DistributedError::invalid("target", format!("agent {agent}"), e.to_string()))
}
