//! Posterior modes for the samplers that expand around one: FSGLD's Laplace
//! surrogates ([`crate::surrogate`]) and SGLD's control variates.
//!
//! The mode of `exp(−f)`, f a shard's negative log density
//! ([`sampo_distributed::shard::Shard`]: its terms plus a share of the prior), by the
//! damped Newton method of D-ADMMS's proximal step
//! ([`sampo_distributed::prox::newton`]) from 0, each step one gradient and one
//! Hessian pass over the shard; a quadratic target's mode in closed form from two
//! passes. Not argmin: benchmarks/scripts/argmin_prox measures
//! argmin's Newton and L-BFGS against it on these regressions.

use sampo_core::{CoreError, FiniteSumTarget};
use sampo_distributed::DistributedError;
use sampo_distributed::network::Network;
use sampo_distributed::prox::{self, NewtonScratch};
use sampo_distributed::shard::Shard;

/// Newton steps allowed for a mode. The damped phase needs about
/// `(F(x₀) − F*)/0.05` steps and the quadratic phase a handful (Nesterov 2004,
/// §4.1.5); 100 is far above what the regressions here take (under 15).
const MAX_NEWTON_STEPS: usize = 100;

/// Maps a Hessian-less target's error to its fix, and any other to `what`'s mode;
/// `field = value` names the configuration that asked for it.
pub(crate) fn named<'a>(
    field: &'a str,
    value: &'a str,
    what: &'a str,
) -> impl Fn(DistributedError) -> CoreError + 'a {
    move |e| match e {
        DistributedError::Core(CoreError::Unsupported { .. }) => CoreError::invalid(
            field,
            value,
            match field {
                "surrogate" => {
                    "needs the target's Hessian (FiniteSumTarget::log_term_hessian_add), \
                     which this target does not provide: use surrogate = { kind = \"moments\" }"
                }
                _ => {
                    "needs the target's Hessian (FiniteSumTarget::log_term_hessian_add) to \
                     find the posterior mode, which this target does not provide"
                }
            },
        ),
        other => CoreError::invalid(field, value, format!("{what}'s mode: {other}")),
    }
}

/// The mode of `exp(−f_shard)` (module docs); errors name `field = value` and `what`.
pub(crate) fn map<T: FiniteSumTarget + ?Sized>(
    t: &T,
    shard: &Shard,
    field: &str,
    value: &str,
    what: &str,
) -> Result<Vec<f64>, CoreError> {
    let d = t.dim();
    if t.is_quadratic() {
        // f = ½xᵀAx − bᵀx + const: the mode A⁻¹b from two passes over the shard.
        let (a, mut b) = shard.quadratic(t, d).map_err(named(field, value, what))?;
        let chol = sampo_targets::linalg::Cholesky::new("the shard's Hessian", &a, d)
            .map_err(|e| CoreError::invalid(field, value, format!("{what}'s mode: {e}")))?;
        chol.solve_in_place(&mut b);
        return Ok(b);
    }
    let mut x = vec![0.0; d];
    let mut scratch = NewtonScratch::new(d);
    let zero = vec![0.0; d];
    let solve = prox::newton(
        shard,
        t,
        &zero,
        0.0,
        &zero,
        MAX_NEWTON_STEPS,
        &mut x,
        &mut scratch,
    )
    .map_err(named(field, value, what))?;
    converged(&solve, field, value, what)?;
    Ok(x)
}

/// The full posterior's mode from its shards (terms and prior shares summing to
/// `−log π̃`), each process evaluating the shards of its agents on `net`: every
/// damped Newton step gathers the shards' gradients and Hessians (d + d² floats each)
/// and sums them in shard order, so that every process takes the same steps, and
/// the same as in process.
pub(crate) fn global_map<T: FiniteSumTarget + ?Sized>(
    t: &T,
    shards: &[Shard],
    net: &mut dyn Network,
) -> Result<Vec<f64>, CoreError> {
    let (field, value, what) = ("surrogate", "laplace", "the posterior");
    let d = t.dim();
    let m = d + d * d;
    let local = net.local();
    let mut rows = vec![0.0; local.len() * m];
    let mut all = vec![0.0; shards.len() * m];
    let mut x = vec![0.0; d];
    let mut scratch = NewtonScratch::new(d);
    let solve = prox::newton_with(MAX_NEWTON_STEPS, &mut x, &mut scratch, |x, grad, hess| {
        for (row, s) in rows.chunks_exact_mut(m).zip(local.clone()) {
            let (g, h) = row.split_at_mut(d);
            shards[s].value_grad(t, x, g);
            // Every process has the same target, so a Hessian-less one fails here on
            // every process alike, before the gather.
            shards[s].hessian(t, x, h)?;
        }
        net.gather(m, &rows, &mut all)?;
        grad.iter_mut().for_each(|v| *v = 0.0);
        hess.iter_mut().for_each(|v| *v = 0.0);
        for row in all.chunks_exact(m) {
            grad.iter_mut().zip(&row[..d]).for_each(|(a, v)| *a += v);
            hess.iter_mut().zip(&row[d..]).for_each(|(a, v)| *a += v);
        }
        Ok(())
    })
    .map_err(named(field, value, what))?;
    converged(&solve, field, value, what)?;
    Ok(x)
}

/// The error when Newton's method stopped before its decrement fell below tolerance.
fn converged(solve: &prox::Solve, field: &str, value: &str, what: &str) -> Result<(), CoreError> {
    if solve.converged() {
        return Ok(());
    }
    Err(CoreError::invalid(
        field,
        value,
        format!(
            "{what}'s mode: Newton's method did not converge in {} steps \
             (decrement {:e}); the density may be improper or multimodal",
            solve.steps, solve.decrement
        ),
    ))
}
