//! Reference sampling and log Z of 2-D densities without closed forms (Müller–Brown,
//! Wolfe–Quapp) by numerical integration on a fine grid.
//!
//! * **The box.** Starting from a box around the minima, each side grows by half the
//!   box's width until the log density on the box's edge (on a 256 × 256 node scan)
//!   is at least [`EDGE_DROP`] below its maximum; the potentials here are confining,
//!   so the mass outside is then below e^{−EDGE_DROP} relative to the peak.
//! * **log Z** by composite Gauss–Legendre on the box ([`crate::quadrature`],
//!   [`LOG_Z_PANELS`]² panels of 20² nodes), exact to rounding on these smooth
//!   integrands.
//! * **Checked**: the midpoint sum over the cells must agree with log Z within
//!   [`MAX_GRID_GAP`], else there is no grid (a surface too cold for the cells, such
//!   as Müller–Brown at T = 10⁻⁴, has no exact sampler and no log Z rather than
//!   wrong ones).
//! * **Samples**: a cell of a [`CELLS`]² grid drawn with probability ∝ its midpoint
//!   density, then a uniform point in the cell. This is exact up to the grid error:
//!   the cell probabilities are off by O(h²) (midpoint rule) and the within-cell
//!   shape is flattened, which moves a sample by at most one cell, h ≈ 0.005 on
//!   Müller–Brown, far below the W2 noise floor at n = 2000 (≈ 0.05 there).

use crate::TargetError;
use crate::quadrature::integrate_2d;
use sampo_core::rng::{StreamRng, uniform};

/// How far (in log density) the edge must sit below the peak: e^{−36} ≈ 2·10⁻¹⁶.
pub const EDGE_DROP: f64 = 36.0;
/// Cells per axis of the sampling grid (1024² cells, 8 MiB of cumulative masses).
pub const CELLS: usize = 1024;
/// Gauss–Legendre panels per axis for log Z.
pub const LOG_Z_PANELS: usize = 96;
/// Largest accepted |log Z_quadrature − log Z_grid|: a relative mass error of 10⁻³
/// (the presets are at 10⁻⁵, tested).
pub const MAX_GRID_GAP: f64 = 1e-3;
/// Nodes per axis of the scan that sizes the box.
const SCAN: usize = 256;
/// Growth rounds before giving up (the box is then 2^20 times wider).
const MAX_GROWTH: usize = 40;

/// A 2-D density tabulated for sampling, with its log normalizing constant.
pub struct Grid2d {
    x: (f64, f64),
    y: (f64, f64),
    /// Cumulative cell masses, row-major (cell (i, j) at i·CELLS + j, i along x).
    cdf: Vec<f64>,
    /// The scan's largest log density; the cell masses are e^{f − peak}.
    peak: f64,
    log_z: f64,
}

impl std::fmt::Debug for Grid2d {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grid2d")
            .field("x", &self.x)
            .field("y", &self.y)
            .field("log_z", &self.log_z)
            .finish_non_exhaustive()
    }
}

/// The largest value of `f` over a `SCAN`² node scan of the box, and over its edge.
fn scan(f: &dyn Fn(f64, f64) -> f64, x: (f64, f64), y: (f64, f64)) -> (f64, f64) {
    let (mut all, mut edge) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for i in 0..=SCAN {
        for j in 0..=SCAN {
            let px = x.0 + (x.1 - x.0) * i as f64 / SCAN as f64;
            let py = y.0 + (y.1 - y.0) * j as f64 / SCAN as f64;
            let v = f(px, py);
            all = all.max(v);
            if i == 0 || j == 0 || i == SCAN || j == SCAN {
                edge = edge.max(v);
            }
        }
    }
    (all, edge)
}

impl Grid2d {
    /// Tabulates `log_density` (module docs), starting from the box `x` × `y`. An
    /// error names `what` if the density is not finite somewhere on the scan or the
    /// box cannot be made to contain its mass.
    pub fn build(
        what: &str,
        log_density: &dyn Fn(f64, f64) -> f64,
        mut x: (f64, f64),
        mut y: (f64, f64),
    ) -> Result<Self, TargetError> {
        let mut peak = f64::NEG_INFINITY;
        for round in 0..=MAX_GROWTH {
            let (all, edge) = scan(log_density, x, y);
            if !all.is_finite() {
                return Err(TargetError::invalid(
                    what,
                    all,
                    "the log density is not finite on the reference grid",
                ));
            }
            peak = all;
            if edge < all - EDGE_DROP {
                break;
            }
            if round == MAX_GROWTH {
                return Err(TargetError::invalid(
                    what,
                    edge,
                    "the density does not decay: no box holds its mass (is the potential confining?)",
                ));
            }
            let (wx, wy) = (x.1 - x.0, y.1 - y.0);
            x = (x.0 - 0.5 * wx, x.1 + 0.5 * wx);
            y = (y.0 - 0.5 * wy, y.1 + 0.5 * wy);
        }
        let z = integrate_2d(
            |a, b| (log_density(a, b) - peak).exp(),
            x,
            y,
            LOG_Z_PANELS,
            LOG_Z_PANELS,
        );
        let (hx, hy) = ((x.1 - x.0) / CELLS as f64, (y.1 - y.0) / CELLS as f64);
        let mut cdf = Vec::with_capacity(CELLS * CELLS);
        let mut total = 0.0;
        for i in 0..CELLS {
            let px = x.0 + (i as f64 + 0.5) * hx;
            for j in 0..CELLS {
                let py = y.0 + (j as f64 + 0.5) * hy;
                total += (log_density(px, py) - peak).exp();
                cdf.push(total);
            }
        }
        if !(z > 0.0 && total > 0.0 && z.is_finite() && total.is_finite()) {
            return Err(TargetError::invalid(
                what,
                z,
                "the density's integral over the reference box is not a positive number",
            ));
        }
        let grid = Grid2d {
            x,
            y,
            cdf,
            peak,
            log_z: z.ln() + peak,
        };
        // The cells must resolve the wells: where the midpoint sum and the
        // Gauss–Legendre integral disagree, cell probabilities are wrong too (a
        // very cold or stiff surface). No reference beats a wrong one.
        let gap = (grid.log_z - grid.log_z_midpoint()).abs();
        if gap.is_nan() || gap > MAX_GRID_GAP {
            return Err(TargetError::invalid(
                what,
                gap,
                format!(
                    "the {CELLS}² reference grid does not resolve the wells (log Z by quadrature and by the grid differ by more than {MAX_GRID_GAP}): too cold or too stiff for a grid reference"
                ),
            ));
        }
        Ok(grid)
    }

    /// log ∫ π (Gauss–Legendre on the box).
    pub fn log_z(&self) -> f64 {
        self.log_z
    }

    /// log of the midpoint-rule integral on the sampling grid: differs from
    /// [`Grid2d::log_z`] by the grid's O(h²) error.
    pub fn log_z_midpoint(&self) -> f64 {
        let (hx, hy) = self.cell();
        let total = *self.cdf.last().expect("CELLS² > 0 cells");
        total.ln() + (hx * hy).ln() + self.peak
    }

    /// The box, ((x_lo, x_hi), (y_lo, y_hi)).
    pub fn bounds(&self) -> ((f64, f64), (f64, f64)) {
        (self.x, self.y)
    }

    fn cell(&self) -> (f64, f64) {
        (
            (self.x.1 - self.x.0) / CELLS as f64,
            (self.y.1 - self.y.0) / CELLS as f64,
        )
    }

    /// One draw: a cell by its mass, then a uniform point in it.
    pub fn sample(&self, rng: &mut StreamRng, out: &mut [f64]) {
        let total = *self.cdf.last().expect("CELLS² > 0 cells");
        let u = uniform(rng) * total;
        let k = self
            .cdf
            .partition_point(|c| *c <= u)
            .min(self.cdf.len() - 1);
        let (i, j) = (k / CELLS, k % CELLS);
        let (hx, hy) = self.cell();
        out[0] = self.x.0 + (i as f64 + uniform(rng)) * hx;
        out[1] = self.y.0 + (j as f64 + uniform(rng)) * hy;
    }
}

/// A [`Grid2d`] built on first use and shared by clones (the parameters of the
/// targets holding one never change after construction).
#[derive(Debug, Clone, Default)]
pub struct LazyGrid(std::sync::Arc<std::sync::OnceLock<Option<Grid2d>>>);

impl LazyGrid {
    /// The grid, built by `make` the first time; `None` if building failed.
    pub fn get(&self, make: impl FnOnce() -> Result<Grid2d, TargetError>) -> Option<&Grid2d> {
        self.0.get_or_init(|| make().ok()).as_ref()
    }
}
