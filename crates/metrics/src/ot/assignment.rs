//! Dense linear assignment by shortest augmenting paths (Jonker & Volgenant 1987).
//!
//! # Problem
//!
//! Given an n × n cost `c(i, j)`, find a permutation σ minimizing Σᵢ c(i, σ(i)).
//! Its LP dual is: maximize Σᵢ uᵢ + Σⱼ vⱼ subject to uᵢ + vⱼ ≤ c(i, j). A permutation
//! σ and potentials (u, v) are simultaneously optimal iff they are feasible and
//! *complementary slack*: uᵢ + v_σ(i) = c(i, σ(i)) for every row. That pair is the
//! certificate this solver returns ([`Assignment::u`], [`Assignment::v`]).
//!
//! # Algorithm (JV, "LAPJV")
//!
//! Only column potentials v are stored; a row's potential is implicit,
//! uᵢ = minⱼ (c(i, j) − vⱼ).
//!
//! 1. **Column reduction.** vⱼ = minᵢ c(i, j); each column's minimizing row takes
//!    it if still free. A row that won exactly one column gets *reduction
//!    transfer*: its slack to the second-best column is moved into v of its column,
//!    which makes later augmentations shorter.
//! 2. **Augmenting row reduction** (twice). A free row i takes its best column
//!    j₁ (reduced cost u₁), lowering v_{j₁} by the gap u₂ − u₁ to its second best
//!    column; the displaced row becomes free and, if the gap was positive, is
//!    processed at once. This is an auction-like phase that assigns most rows
//!    cheaply. It can ping-pong on ties, so it is capped at `current · n` steps
//!    per pass (as in JV's own code); leftover rows go to phase 3.
//! 3. **Augmentation.** For each remaining free row, Dijkstra on reduced costs
//!    c(i, j) − uᵢ − vⱼ ≥ 0 (dense, no heap: the "todo" columns are scanned
//!    linearly), stopping at the first free column reached; then the potentials
//!    of the columns finalized before the last distance level are raised by
//!    (their distance − the final distance), which keeps reduced costs ≥ 0 and
//!    makes the new path tight; finally the path is flipped.
//!
//! Phase 3 is exact by construction and always terminates (every scan removes a
//! column from the todo set, every augmentation matches one more row), so the
//! solver is exact for any initialization; phases 1–2 only make it fast.
//! Worst case O(n³); for point clouds it is far below that.
//!
//! Costs are supplied by a closure, so callers can compute them on the fly from
//! points (O(n) memory) or read them from a matrix.
//!
//! Floating point: a candidate distance that rounding puts *below* the current
//! Dijkstra level is clamped to the level (reduced costs are ≥ 0 in exact
//! arithmetic), which keeps the distance labels monotone.
//!
//! Reference: R. Jonker and A. Volgenant, "A shortest augmenting path algorithm
//! for dense and sparse linear assignment problems", *Computing* 38 (1987) 325–340.

#![allow(clippy::needless_range_loop)] // index-based, as in the paper

use crate::MetricError;

const NONE: usize = usize::MAX;

/// An optimal assignment and its dual certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// `row_to_col[i]` = σ(i).
    pub row_to_col: Vec<usize>,
    /// `col_to_row[j]` = σ⁻¹(j).
    pub col_to_row: Vec<usize>,
    /// Row potentials uᵢ = c(i, σ(i)) − v_σ(i).
    pub u: Vec<f64>,
    /// Column potentials vⱼ.
    pub v: Vec<f64>,
    /// Σᵢ c(i, σ(i)).
    pub cost: f64,
}

/// Solves the n × n assignment problem with cost `cost(i, j)` (finite values).
///
/// Returns [`MetricError::InvalidInput`] if a cost is not finite.
pub fn solve<C: Fn(usize, usize) -> f64>(n: usize, cost: C) -> Result<Assignment, MetricError> {
    if n == 0 {
        return Ok(Assignment {
            row_to_col: vec![],
            col_to_row: vec![],
            u: vec![],
            v: vec![],
            cost: 0.0,
        });
    }
    let mut x = vec![NONE; n]; // row -> column
    let mut y = vec![NONE; n]; // column -> row
    let mut v = vec![f64::INFINITY; n];

    // --- 1. Column reduction (row-wise scan: cache friendly for point costs).
    let mut argmin_row = vec![0usize; n];
    for i in 0..n {
        for j in 0..n {
            let c = cost(i, j);
            if !c.is_finite() {
                return Err(MetricError::invalid(
                    "cost",
                    format!("cost({i}, {j}) = {c} is not finite"),
                ));
            }
            if c < v[j] {
                v[j] = c;
                argmin_row[j] = i;
            }
        }
    }
    // Columns from the right take their minimizing row if it is still free; a
    // row wanted by several columns keeps the first and is not "unique".
    let mut unique = vec![true; n];
    for j in (0..n).rev() {
        let i = argmin_row[j];
        if x[i] == NONE {
            x[i] = j;
            y[j] = i;
        } else {
            unique[i] = false;
        }
    }
    let mut free: Vec<usize> = Vec::with_capacity(n);
    for i in 0..n {
        if x[i] == NONE {
            free.push(i);
        } else if unique[i] {
            // Reduction transfer: u_i becomes the second-best reduced cost μ ≥ 0
            // and v of the row's column drops by μ (the pair stays tight).
            let j1 = x[i];
            let mut mu = f64::INFINITY;
            for j in 0..n {
                if j != j1 {
                    mu = mu.min(cost(i, j) - v[j]);
                }
            }
            if mu.is_finite() {
                v[j1] -= mu;
            }
        }
    }

    // --- 2. Augmenting row reduction, two passes.
    for _ in 0..2 {
        if free.is_empty() {
            break;
        }
        augmenting_row_reduction(n, &cost, &mut free, &mut x, &mut y, &mut v);
    }

    // --- 3. Shortest augmenting paths.
    let mut d = vec![0.0f64; n];
    let mut pred = vec![0usize; n];
    let mut cols: Vec<usize> = (0..n).collect();
    for &f in &free {
        augment(
            n, &cost, f, &mut x, &mut y, &mut v, &mut d, &mut pred, &mut cols,
        );
    }

    // Certificate and cost.
    let mut u = vec![0.0; n];
    let mut total = 0.0;
    for i in 0..n {
        let j = x[i];
        if j == NONE || y[j] != i {
            return Err(MetricError::NotConverged {
                solver: "assignment (JV)".into(),
                iterations: 0,
                detail: format!("row {i} left unassigned"),
            });
        }
        let c = cost(i, j);
        u[i] = c - v[j];
        total += c;
    }
    Ok(Assignment {
        row_to_col: x,
        col_to_row: y,
        u,
        v,
        cost: total,
    })
}

/// One pass of JV's augmenting row reduction over the free rows; leaves the rows
/// still free in `free`.
fn augmenting_row_reduction<C: Fn(usize, usize) -> f64>(
    n: usize,
    cost: &C,
    free: &mut Vec<usize>,
    x: &mut [usize],
    y: &mut [usize],
    v: &mut [f64],
) {
    let num_free = free.len();
    let mut current = 0usize;
    let mut new_free = 0usize;
    let mut steps = 0usize;
    while current < num_free {
        steps += 1;
        let i = free[current];
        current += 1;
        // Best (u1, j1) and second best (u2, j2) reduced costs of row i.
        let (mut u1, mut j1) = (cost(i, 0) - v[0], 0usize);
        let (mut u2, mut j2) = (f64::INFINITY, NONE);
        for j in 1..n {
            let h = cost(i, j) - v[j];
            if h < u2 {
                if h >= u1 {
                    u2 = h;
                    j2 = j;
                } else {
                    u2 = u1;
                    j2 = j1;
                    u1 = h;
                    j1 = j;
                }
            }
        }
        let mut i0 = y[j1];
        let v1_new = v[j1] - (u2 - u1);
        let lowers = v1_new < v[j1];
        // JV's guard against ping-pong on (near-)ties: at most current·n steps.
        if steps < current * n {
            if lowers {
                v[j1] = v1_new;
            } else if i0 != NONE && j2 != NONE {
                // Tie: take the second-best column instead (its row is displaced).
                j1 = j2;
                i0 = y[j2];
            }
            if i0 != NONE {
                if lowers {
                    // Reprocess the displaced row immediately.
                    current -= 1;
                    free[current] = i0;
                } else {
                    free[new_free] = i0;
                    new_free += 1;
                }
            }
        } else if i0 != NONE {
            free[new_free] = i0;
            new_free += 1;
        }
        if i0 != NONE {
            x[i0] = NONE;
        }
        x[i] = j1;
        y[j1] = i;
    }
    free.truncate(new_free);
}

/// Dijkstra from free row `f` on reduced costs, then path flip. `cols` is a
/// permutation of the columns partitioned as [ready | scan | todo].
#[allow(clippy::too_many_arguments)]
fn augment<C: Fn(usize, usize) -> f64>(
    n: usize,
    cost: &C,
    f: usize,
    x: &mut [usize],
    y: &mut [usize],
    v: &mut [f64],
    d: &mut [f64],
    pred: &mut [usize],
    cols: &mut [usize],
) {
    for j in 0..n {
        d[j] = cost(f, j) - v[j];
        pred[j] = f;
    }
    // cols[..lo] ready (distance final, scanned), cols[lo..hi] at the current
    // minimum level waiting to be scanned, cols[hi..] todo.
    let mut lo = 0usize;
    let mut hi = 0usize;
    let mut n_ready = 0usize;
    let mut mind = 0.0f64;
    let last = 'search: loop {
        if lo == hi {
            // Collect every todo column at the minimum distance.
            n_ready = lo;
            hi = lo + 1;
            mind = d[cols[lo]];
            for k in lo + 1..n {
                let j = cols[k];
                let dj = d[j];
                if dj <= mind {
                    if dj < mind {
                        hi = lo;
                        mind = dj;
                    }
                    cols[k] = cols[hi];
                    cols[hi] = j;
                    hi += 1;
                }
            }
            for &j in &cols[lo..hi] {
                if y[j] == NONE {
                    break 'search j;
                }
            }
        }
        // Scan one column of the current level: relax through its row.
        let j = cols[lo];
        lo += 1;
        let i = y[j];
        let h = cost(i, j) - v[j] - mind;
        let mut k = hi;
        while k < n {
            let jj = cols[k];
            let cand = cost(i, jj) - v[jj] - h;
            if cand < d[jj] {
                pred[jj] = i;
                if cand <= mind {
                    d[jj] = mind;
                    if y[jj] == NONE {
                        break 'search jj;
                    }
                    cols[k] = cols[hi];
                    cols[hi] = jj;
                    hi += 1;
                } else {
                    d[jj] = cand;
                }
            }
            k += 1;
        }
    };
    // Raise potentials of the finalized columns.
    for &j in &cols[..n_ready] {
        v[j] += d[j] - mind;
    }
    // Flip the path.
    let mut j = last;
    loop {
        let i = pred[j];
        y[j] = i;
        std::mem::swap(&mut x[i], &mut j);
        if i == f {
            break;
        }
    }
}
