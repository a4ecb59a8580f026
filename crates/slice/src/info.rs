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
