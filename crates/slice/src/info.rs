//! What one slice-sampling iteration reports.

use sampo_core::{EvalCounts, StepInfo};

/// One iteration's cost and diagnostics.
#[derive(Debug, Clone, Copy)]
pub struct SliceInfo {
    /// Target density evaluations, as the GPSS paper counts them (§ "TDE/it").
    pub evaluations: EvalCounts,
    /// Proposals of the shrinkage and stepping-out loops.
    pub proposals: u64,
    /// ‖x_{n+1} − x_n‖₂, whose mean is the papers' "mean step size" (MSS).
    pub step_length: f64,
}

impl StepInfo for SliceInfo {
    fn evaluations(&self) -> EvalCounts {
        self.evaluations
    }

    /// `tde` (density evaluations per iteration; their mean is TDE/it),
    /// `proposals` and `step_length` (mean: MSS).
    fn stats(&self, visit: &mut dyn FnMut(&'static str, f64)) {
        visit("tde", self.evaluations.density as f64);
        visit("proposals", self.proposals as f64);
        visit("step_length", self.step_length);
    }
}

/// Euclidean distance between two points.
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// ‖x‖, summed in four interleaved lanes: a plain sum is one dependent chain of
/// additions, latency-bound, and with the target's own sum it was most of an
/// iteration's time in d = 200 (the GPSS direction step normalizes every
/// proposal). The lanes are fixed, so the result does not depend on the machine.
pub fn norm(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = x.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..4 {
            acc[k] += c[k] * c[k];
        }
    }
    for (k, v) in rest.iter().enumerate() {
        acc[k] += v * v;
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])).sqrt()
}
