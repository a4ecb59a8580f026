//! Network simplex for the (dense, uncapacitated) transportation problem.
//!
//! # Problem
//!
//! Sources i = 0..m with supplies aᵢ ≥ 0, sinks j = 0..n with demands bⱼ ≥ 0,
//! Σ aᵢ = Σ bⱼ, and a cost c(i, j). The Kantorovich problem is
//!
//! ```text
//! minimize Σᵢⱼ πᵢⱼ c(i, j)   subject to   Σⱼ πᵢⱼ = aᵢ,  Σᵢ πᵢⱼ = bⱼ,  πᵢⱼ ≥ 0,
//! ```
//!
//! with dual: maximize Σ aᵢ uᵢ + Σ bⱼ vⱼ subject to uᵢ + vⱼ ≤ c(i, j). A feasible
//! plan π and feasible (u, v) are both optimal iff they are *complementary slack*:
//! uᵢ + vⱼ = c(i, j) wherever πᵢⱼ > 0. The solver returns (u, v) as the certificate.
//!
//! # Algorithm
//!
//! The primal network simplex of Dantzig/Cunningham as organised in LEMON and
//! used by Bonneel et al. (2011) and POT's `emd`, implemented here from the maths:
//!
//! * **Basis = spanning tree.** An extra root node is joined to every node by an
//!   artificial arc (source → root at cost 0, root → sink at cost `ART`); the
//!   initial tree is those m + n arcs, carrying aᵢ and bⱼ. `ART` = (m + n + 1) ×
//!   max c is larger than the cost of any simple path of real arcs, so every
//!   artificial arc is driven to zero flow when the problem is balanced (it is the
//!   classical "big M"). Artificial arcs never re-enter.
//! * **Potentials.** Node potentials p make every tree arc (s → t) tight:
//!   c + p_s − p_t = 0. A real arc's reduced cost is c(i, j) + pᵢ − p_{m+j}; the
//!   tree is optimal when none is negative (then uᵢ = −pᵢ, vⱼ = p_{m+j} is a
//!   feasible dual, complementary slack on the tree).
//! * **Pricing: block search over candidate arcs.** Candidate arcs are
//!   scanned cyclically in blocks of B = max(√(#candidates), 10) arcs (√ of the
//!   arc count is the block size of LEMON and POT: it balances the cost of
//!   pricing against the quality of the entering arc); the most negative
//!   reduced cost of the first block containing any negative one enters, and
//!   the scan resumes where it stopped. The candidate list starts with each
//!   source's [`CANDIDATES_PER_ROW`] cheapest sinks (optimal transport between
//!   nearby samples mostly uses short arcs), plus, when the caller gives an
//!   ordering of both samples ([`solve_cost_ordered`]; [`crate::ot::w2`]
//!   sorts both along the principal axis of the pooled points), the arcs of
//!   the north-west-corner plan of the two orderings (the 1-D optimal plan).
//!   When no candidate prices out, the potentials are recomputed from the
//!   tree and **every** arc is priced. A source with at most [`ADD_PER_ROW`]
//!   negative arcs keeps its list and gains them; a source with more gets
//!   its [`CANDIDATES_PER_ROW`] arcs of smallest *reduced* cost instead (the
//!   list in memory stays O(m · [`CANDIDATES_PER_ROW`])). Only a full pass
//!   with no negative reduced cost ends the solve, so the result is exactly
//!   optimal (up to the tolerance) whatever the list holds; the list only
//!   makes pricing cheap. Measured (bench data, uniform weights) against
//!   block search over all arcs: GMM40 2-D n = 2000 0.25 → 0.22 s (9–13 full
//!   passes), 10-D Gaussian n = 1000 0.37 → 0.06 s (3–5 full passes).
//! * **Far-apart samples** (a sampler stuck in one mode against a
//!   multimodal target, or a shifted cloud): every source's cheapest sinks
//!   then lie in the nearest mode while most mass must travel to the far
//!   ones, so lists by raw cost miss the arcs the optimum needs. With lists
//!   that only grew by 8 arcs per row per full pass the `far-zodmc-2d` bench
//!   case (n = 2000; N(0, [[1, .5], [.5, 1]]) vs the ZOD-MC 4-mode GMM at
//!   radius 26) took 2.09 M pivots, 111 full passes and a list of 1.8 M
//!   arcs (9 s, POT `emd2` 0.8 s). Refreshing crowded rows by reduced cost:
//!   426 k pivots, 65 passes (1.5 s); with the 1-D seed arcs and keeping the
//!   quiet rows' lists: 186 k pivots, 16 passes, list ≤ 144 k arcs (0.45 s).
//! * **Passes over all arcs, row by row.** The candidate selection and the
//!   full pricing passes read the cost one source row at a time through
//!   [`Cost::row`]; for the squared-Euclidean cost that is a loop over
//!   coordinate-major sink arrays that the compiler vectorizes, and the
//!   reduced costs of the row are formed and screened (in chunks of 8, with
//!   no branch per arc) the same way. Each row's cheapest sinks are found by
//!   a sampled threshold and a small selection (`k_smallest`) instead of a
//!   selection over the whole row. Measured on the bench data at n = 2000
//!   against arc-by-arc passes: GMM40 2-D 0.225 → 0.188 s, 10-D Gaussian
//!   0.204 → 0.156 s.
//! * **Pivot.** The entering arc closes a cycle with the tree through the apex
//!   (deepest common ancestor). The flow change δ is the smallest flow on the
//!   cycle's backward arcs. Among ties the leaving arc is the *last* blocking arc
//!   met when walking the cycle from the apex in the flow direction
//!   (Cunningham's rule): it keeps the tree *strongly feasible* (every zero-flow
//!   arc points away from the root), which rules out cycling under degeneracy.
//!   The cut-off subtree is re-hung from the entering arc (parent pointers along
//!   the path between the entering and leaving arcs are reversed) and its
//!   potentials shift by the entering arc's reduced cost.
//!
//! The tree stores parent, the arc to the parent and its flow, depth, and a
//! first-child/sibling list for subtree walks; non-tree arcs carry no flow (all
//! arcs are uncapacitated), so memory is O(m + n): arcs are never stored, costs
//! come from the [`Cost`] (a closure or a structured cost).
//!
//! Degenerate pivots and ties are handled by the strongly-feasible rule; a pivot
//! budget ([`Options::max_pivots`]) turns any remaining pathology into
//! [`MetricError::NotConverged`]. Recomputing the potentials before each full
//! pass removes the drift of the incremental subtree updates.
//!
//! References: W. H. Cunningham, "A network simplex method", *Math. Programming*
//! 11 (1976); A. Löbel / LEMON `NetworkSimplex` (Király & Kovács, "Efficient
//! implementations of minimum-cost flow algorithms", 2012); N. Bonneel, M. van de
//! Panne, S. Paris, W. Heidrich, "Displacement interpolation using Lagrangian
//! mass transport", *ACM TOG* 30(6), 2011.

#![allow(clippy::needless_range_loop)] // index-based tree code

use crate::MetricError;

const NONE: usize = usize::MAX;

/// A transport cost c(i, j), readable one arc at a time or one source row at a
/// time.
///
/// Every closure `Fn(usize, usize) -> f64` is a `Cost` (its rows are filled
/// arc by arc). A cost with structure overrides [`Cost::row`] with a loop the
/// compiler can vectorize: the solver reads whole rows in its two passes over
/// all m · n arcs (the candidate selection and each full pricing pass), which
/// are most of its arithmetic, and reads single arcs elsewhere.
pub trait Cost {
    /// c(i, j).
    fn cost(&self, i: usize, j: usize) -> f64;
    /// Writes c(i, j) to `out[j]` for every sink j (`out.len()` = n). It must
    /// give the same bits as [`Cost::cost`]: the pricing passes and the pivots
    /// must see one cost, or potentials and reduced costs disagree by rounding.
    fn row(&self, i: usize, out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = self.cost(i, j);
        }
    }
}

impl<F: Fn(usize, usize) -> f64> Cost for F {
    #[inline]
    fn cost(&self, i: usize, j: usize) -> f64 {
        self(i, j)
    }
}

/// Default number of cheapest sinks per source in the initial candidate list.
/// For samples of the same law the optimal partner of a point is almost always
/// among its few nearest neighbours; arcs outside the list that are still needed
/// are found by the full scans. 64 was the fastest of 8/16/32/48/64 on the
/// bench's GMM40 and Gaussian samples at n = 1000–2000 (more candidates: fewer
/// pivots and full passes; the list costs 8 bytes per arc).
pub const CANDIDATES_PER_ROW: usize = 64;

/// A full pricing pass appends a source's negative arcs to its candidate
/// list when it has at most this many; with more, the source's list is
/// replaced by its [`CANDIDATES_PER_ROW`] arcs of smallest reduced cost.
pub const ADD_PER_ROW: usize = 8;

/// Solver options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Pivot budget; exceeding it returns [`MetricError::NotConverged`].
    pub max_pivots: u64,
    /// Reduced costs above `−tolerance · max c` count as non-negative.
    pub tolerance: f64,
    /// Initial candidate arcs: each source's this many cheapest sinks (see the
    /// module docs on pricing). 0 starts from an empty list.
    pub candidates_per_row: usize,
}

impl Options {
    /// Defaults for an m × n problem: 10⁷ pivots or 1000 (m + n), whichever is
    /// larger (POT's users pass `numItermax = 1e7`), and a relative reduced-cost
    /// tolerance of 1e-12: potentials are sums of costs along tree paths, so
    /// their rounding error grows like (path length) · ε · max c; a tolerance
    /// below that noise let float-weighted 10-D problems pivot forever on
    /// rounding-level reduced costs. The optimality gap is at most
    /// tolerance · max c · (total mass).
    pub fn for_size(m: usize, n: usize) -> Self {
        Options {
            max_pivots: (1000 * (m + n) as u64).max(10_000_000),
            tolerance: 1e-12,
            candidates_per_row: CANDIDATES_PER_ROW,
        }
    }
}

/// An optimal transport plan with its dual certificate.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportPlan {
    /// Σ πᵢⱼ c(i, j).
    pub cost: f64,
    /// The non-zero entries (i, j, πᵢⱼ) (at most m + n − 1 of them).
    pub plan: Vec<(usize, usize, f64)>,
    /// Source potentials uᵢ (0 for zero-supply sources is not guaranteed tight).
    pub u: Vec<f64>,
    /// Sink potentials vⱼ; uᵢ + vⱼ ≤ c(i, j) up to the tolerance, with equality
    /// on the plan.
    pub v: Vec<f64>,
    /// Pivots performed.
    pub pivots: u64,
}

/// Solves the transportation problem (supplies `a`, demands `b`, cost closure).
///
/// Entries of `a` and `b` must be finite and ≥ 0 with equal positive totals (to
/// relative 1e-9); zero entries are dropped before solving. Costs must be
/// finite and ≥ 0 (add a constant otherwise: it shifts the cost by that constant
/// times the total mass).
pub fn solve<C: Fn(usize, usize) -> f64>(
    a: &[f64],
    b: &[f64],
    cost: C,
    opts: Options,
) -> Result<TransportPlan, MetricError> {
    solve_cost(a, b, cost, opts)
}

/// [`solve`] for any [`Cost`] (one with a vectorized [`Cost::row`] makes the
/// passes over all arcs faster).
pub fn solve_cost<C: Cost>(
    a: &[f64],
    b: &[f64],
    cost: C,
    opts: Options,
) -> Result<TransportPlan, MetricError> {
    solve_cost_ordered(a, b, cost, opts, None)
}

/// [`solve_cost`] with a hint: an ordering of the sources and one of the
/// sinks (permutations of 0..m and 0..n, e.g. both samples sorted along one
/// direction). The arcs of the north-west-corner plan of the two orderings
/// (the 1-D optimal transport when the orders are those of a projection)
/// join the initial candidate list, so that the first pivots already join
/// every sink to the sources the ordering pairs it with, however far apart
/// the clouds are. The hint changes the work, never the optimum.
pub fn solve_cost_ordered<C: Cost>(
    a: &[f64],
    b: &[f64],
    cost: C,
    opts: Options,
    order: Option<(&[usize], &[usize])>,
) -> Result<TransportPlan, MetricError> {
    check_masses("a", a)?;
    check_masses("b", b)?;
    let sa: f64 = a.iter().sum();
    let sb: f64 = b.iter().sum();
    if (sa - sb).abs() > 1e-9 * sa.max(sb) {
        return Err(MetricError::invalid(
            "b",
            format!("total demand {sb} differs from total supply {sa}"),
        ));
    }
    let rows: Vec<usize> = (0..a.len()).filter(|&i| a[i] > 0.0).collect();
    let cols: Vec<usize> = (0..b.len()).filter(|&j| b[j] > 0.0).collect();
    let ar: Vec<f64> = rows.iter().map(|&i| a[i]).collect();
    let br: Vec<f64> = cols.iter().map(|&j| b[j]).collect();
    if let Some((so, to)) = order {
        let perm = |o: &[usize], len: usize| {
            let mut seen = vec![false; len];
            o.len() == len
                && o.iter()
                    .all(|&k| k < len && !std::mem::replace(&mut seen[k], true))
        };
        if !perm(so, a.len()) || !perm(to, b.len()) {
            return Err(MetricError::invalid(
                "order",
                "must be permutations of the sources and of the sinks",
            ));
        }
    }
    // The orderings restricted to the kept points, in kept indices.
    let reindex = |o: &[usize], keep: &[usize], len: usize| -> Vec<usize> {
        let mut pos = vec![usize::MAX; len];
        for (k, &x) in keep.iter().enumerate() {
            pos[x] = k;
        }
        o.iter()
            .map(|&x| pos[x])
            .filter(|&k| k != usize::MAX)
            .collect()
    };
    let kept_order =
        order.map(|(so, to)| (reindex(so, &rows, a.len()), reindex(to, &cols, b.len())));
    let kept_order = kept_order.as_ref().map(|(so, to)| (&so[..], &to[..]));
    let (ns, mut plan, total, pivots) = if rows.len() == a.len() && cols.len() == b.len() {
        solve_positive(&ar, &br, &cost, opts, kept_order)?
    } else {
        let mapped = |i: usize, j: usize| cost.cost(rows[i], cols[j]);
        let (ns, mut plan, total, pivots) = solve_positive(&ar, &br, &mapped, opts, kept_order)?;
        for p in &mut plan {
            *p = (rows[p.0], cols[p.1], p.2);
        }
        (ns, plan, total, pivots)
    };
    let m = rows.len();
    plan.sort_by_key(|p| (p.0, p.1));
    let mut uu = vec![0.0; a.len()];
    let mut vv = vec![0.0; b.len()];
    for (k, &i) in rows.iter().enumerate() {
        uu[i] = -ns.potential(k);
    }
    for (k, &j) in cols.iter().enumerate() {
        vv[j] = ns.potential(m + k);
    }
    // Dropped (zero-mass) points: any potential making them dual feasible.
    for i in 0..a.len() {
        if a[i] == 0.0 {
            uu[i] = (0..cols.len())
                .map(|k| cost.cost(i, cols[k]) - ns.potential(m + k))
                .fold(f64::INFINITY, f64::min);
        }
    }
    for j in 0..b.len() {
        if b[j] == 0.0 {
            vv[j] = (0..rows.len())
                .map(|k| cost.cost(rows[k], j) + ns.potential(k))
                .fold(f64::INFINITY, f64::min);
        }
    }
    Ok(TransportPlan {
        cost: total,
        plan,
        u: uu,
        v: vv,
        pivots,
    })
}

type Solved = (Simplex, Vec<(usize, usize, f64)>, f64, u64);

/// The solver proper, for strictly positive masses.
fn solve_positive<C: Cost>(
    a: &[f64],
    b: &[f64],
    c: &C,
    opts: Options,
    order: Option<(&[usize], &[usize])>,
) -> Result<Solved, MetricError> {
    let (m, n) = (a.len(), b.len());
    // North-west-corner cells of the two orderings, grouped by source.
    let mut seeds: Vec<(u32, u32)> = match order {
        Some((so, to)) => north_west(a, b, so, to),
        None => Vec::new(),
    };
    seeds.sort_unstable();
    let mut next_seed = 0usize;
    // One pass over all arcs: validate, find the cost scale (for ART and the
    // tolerance) and each source's `candidates_per_row` cheapest sinks.
    let k = opts.candidates_per_row.min(n);
    let mut cand: Vec<Cand> = Vec::with_capacity(m * k);
    let mut buf = vec![0.0; n];
    let mut sel: Vec<(f64, u32)> = Vec::with_capacity(n);
    let mut sample: Vec<f64> = Vec::with_capacity(SAMPLE);
    let mut max_c = 0.0f64;
    for i in 0..m {
        c.row(i, &mut buf);
        // Validate and take the maximum without branches (vectorizes); find
        // the offending entry only on failure.
        let (ok, mx) = buf.iter().fold((true, 0.0f64), |(ok, mx), &x| {
            (ok & (x.is_finite() & (x >= 0.0)), mx.max(x))
        });
        if !ok {
            let j = buf.iter().position(|x| !(x.is_finite() && *x >= 0.0));
            let j = j.expect("a bad entry");
            return Err(MetricError::invalid(
                "cost",
                format!(
                    "cost({i}, {j}) = {} must be finite and >= 0 (indices after dropping zero masses)",
                    buf[j]
                ),
            ));
        }
        max_c = max_c.max(mx);
        if k > 0 {
            k_smallest(&buf, k, &mut sel, &mut sample);
            cand.extend(sel.iter().map(|&(c, j)| Cand { c, i: i as u32, j }));
        }
        while next_seed < seeds.len() && seeds[next_seed].0 as usize == i {
            let j = seeds[next_seed].1;
            cand.push(Cand {
                c: buf[j as usize],
                i: i as u32,
                j,
            });
            next_seed += 1;
        }
    }
    let mut ns = Simplex::new(a, b, max_c, cand);
    let pivots = ns.run(c, max_c, opts)?;
    let mut plan = Vec::with_capacity(m + n);
    let mut total = 0.0;
    for u in 0..m + n {
        let arc = ns.pred[u];
        if arc < m * n && ns.flow[u] > 0.0 {
            let (i, j) = (arc / n, arc % n);
            total += ns.flow[u] * c.cost(i, j);
            plan.push((i, j, ns.flow[u]));
        }
    }
    Ok((ns, plan, total, pivots))
}

/// The cells (i, j) of the north-west-corner plan that ships the sources in
/// the order `so` to the sinks in the order `to` (at most m + n − 1 cells).
fn north_west(a: &[f64], b: &[f64], so: &[usize], to: &[usize]) -> Vec<(u32, u32)> {
    let mut cells = Vec::with_capacity(so.len() + to.len());
    let (mut p, mut q) = (0, 0);
    let (mut ra, mut rb) = (a[so[0]], b[to[0]]);
    loop {
        cells.push((so[p] as u32, to[q] as u32));
        let f = ra.min(rb);
        ra -= f;
        rb -= f;
        if ra <= 0.0 && p + 1 < so.len() {
            p += 1;
            ra = a[so[p]];
        } else if q + 1 < to.len() {
            q += 1;
            rb = b[to[q]];
        } else {
            break;
        }
    }
    cells
}

/// Size of the strided sample that estimates a row's selection threshold in
/// [`k_smallest`] (a few hundred values locate a quantile to a few percent).
const SAMPLE: usize = 256;

/// Puts the `k` smallest entries of `row` (value, index) into `sel`
/// (0 < k ≤ row.len(); ties broken arbitrarily).
///
/// A full `select_nth` over a row of n (value, index) pairs costs several
/// passes over 16-byte pairs; instead a strided sample of [`SAMPLE`] values
/// gives a threshold at about twice the k/n quantile (plus a margin of 8
/// sample ranks against sampling noise), one vectorizable pass keeps the
/// entries below it (about 2k of them), and `select_nth` runs on those. If the
/// threshold keeps fewer than k entries (unlucky sample, many ties), the whole
/// row is selected from, so the result is always exactly the k smallest.
pub(crate) fn k_smallest(row: &[f64], k: usize, sel: &mut Vec<(f64, u32)>, sample: &mut Vec<f64>) {
    let n = row.len();
    sel.clear();
    if n > 4 * SAMPLE && k * 8 < n {
        sample.clear();
        sample.extend((0..SAMPLE).map(|t| row[t * n / SAMPLE]));
        let rank = (2 * k * SAMPLE / n + 8).min(SAMPLE - 1);
        let (_, &mut thr, _) = sample.select_nth_unstable_by(rank, f64::total_cmp);
        sel.extend(
            row.iter()
                .enumerate()
                .filter(|&(_, &x)| x <= thr)
                .map(|(j, &x)| (x, j as u32)),
        );
        if sel.len() < k {
            sel.clear();
        }
    }
    if sel.is_empty() {
        sel.extend(row.iter().enumerate().map(|(j, &x)| (x, j as u32)));
    }
    if k < sel.len() {
        sel.select_nth_unstable_by(k - 1, |p, q| p.0.total_cmp(&q.0));
        sel.truncate(k);
    }
}

fn check_masses(name: &str, w: &[f64]) -> Result<(), MetricError> {
    if w.is_empty() {
        return Err(MetricError::invalid(name, "is empty"));
    }
    for (k, &x) in w.iter().enumerate() {
        if !(x.is_finite() && x >= 0.0) {
            return Err(MetricError::invalid(
                name,
                format!("entry {k} = {x} must be finite and >= 0"),
            ));
        }
    }
    if w.iter().sum::<f64>() <= 0.0 {
        return Err(MetricError::invalid(name, "has zero total mass"));
    }
    Ok(())
}

/// A candidate arc (i, j) with its cost c(i, j) (the bits [`Cost::row`] /
/// [`Cost::cost`] give), stored so that pricing streams 16-byte records in
/// list order instead of recomputing each cost from two randomly placed
/// points; the list is O(m · [`CANDIDATES_PER_ROW`]) either way. Measured on
/// the bench data at n = 2000: GMM40 2-D 0.185 → 0.155 s, 10-D Gaussian
/// 0.156 → 0.086 s (pricing is most of the run time).
#[derive(Clone, Copy)]
struct Cand {
    c: f64,
    i: u32,
    j: u32,
}

/// Spanning-tree state. Nodes: sources 0..m, sinks m..m+n, root m+n. Arc ids:
/// real (i, j) = i·n + j; the artificial arc of node k = m·n + k.
struct Simplex {
    m: usize,
    n: usize,
    root: usize,
    parent: Vec<usize>,
    /// Arc joining a node to its parent.
    pred: Vec<usize>,
    /// True if that arc points from the node up to its parent.
    up: Vec<bool>,
    /// Flow on that arc.
    flow: Vec<f64>,
    /// Node potential = `pot + big`, split so that the big-M part cancels
    /// exactly: `big` is 0 or `art` (a node's root path holds one artificial
    /// arc), `pot` is a sum of real costs, O(max c) in size.
    pot: Vec<f64>,
    big: Vec<f64>,
    depth: Vec<u32>,
    first_child: Vec<usize>,
    next_sib: Vec<usize>,
    prev_sib: Vec<usize>,
    art: f64,
    /// Candidate arcs (source, sink) priced by block search.
    cand: Vec<Cand>,
    /// Block-search cursor into `cand`.
    cursor: usize,
}

impl Simplex {
    fn new(a: &[f64], b: &[f64], max_c: f64, cand: Vec<Cand>) -> Self {
        let (m, n) = (a.len(), b.len());
        let nn = m + n + 1;
        let root = m + n;
        // Larger than the cost of any simple path of real arcs (≤ m + n arcs).
        let art = (m + n + 1) as f64 * max_c.max(f64::MIN_POSITIVE);
        let mut s = Simplex {
            m,
            n,
            root,
            parent: vec![root; nn],
            pred: (0..nn).map(|k| m * n + k).collect(),
            up: vec![true; nn],
            flow: vec![0.0; nn],
            pot: vec![0.0; nn],
            big: vec![0.0; nn],
            depth: vec![1; nn],
            first_child: vec![NONE; nn],
            next_sib: vec![NONE; nn],
            prev_sib: vec![NONE; nn],
            art,
            cand,
            cursor: 0,
        };
        s.parent[root] = NONE;
        s.pred[root] = NONE;
        s.depth[root] = 0;
        for k in 0..m + n {
            if k < m {
                s.up[k] = true; // source -> root, cost 0
                s.flow[k] = a[k];
                s.pot[k] = 0.0;
            } else {
                s.up[k] = false; // root -> sink, cost ART
                s.flow[k] = b[k - m];
                s.big[k] = art;
            }
            s.add_child(root, k);
        }
        s
    }

    fn add_child(&mut self, p: usize, c: usize) {
        let f = self.first_child[p];
        self.next_sib[c] = f;
        self.prev_sib[c] = NONE;
        if f != NONE {
            self.prev_sib[f] = c;
        }
        self.first_child[p] = c;
    }

    fn remove_child(&mut self, p: usize, c: usize) {
        let (pv, nx) = (self.prev_sib[c], self.next_sib[c]);
        if pv == NONE {
            self.first_child[p] = nx;
        } else {
            self.next_sib[pv] = nx;
        }
        if nx != NONE {
            self.prev_sib[nx] = pv;
        }
        self.prev_sib[c] = NONE;
        self.next_sib[c] = NONE;
    }

    /// Block-search pricing over the candidate list: the arc with the most
    /// negative reduced cost in the first block that has one, as (i, j, rc).
    fn price(&mut self, tol: f64) -> Option<(usize, usize, f64)> {
        let total = self.cand.len();
        if total == 0 {
            return None;
        }
        let block = ((total as f64).sqrt().ceil() as usize).max(10);
        let (ps, pt) = self.pot.split_at(self.m);
        let (bs, bt) = self.big.split_at(self.m);
        let mut best = -tol;
        let mut best_k = NONE;
        let mut k = self.cursor;
        let mut seen = 0usize;
        while seen < total {
            let end = (k + block.min(total - seen)).min(total);
            for (kk, arc) in self.cand[k..end].iter().enumerate() {
                let (i, j) = (arc.i as usize, arc.j as usize);
                let rc = (arc.c + ps[i] - pt[j]) + (bs[i] - bt[j]);
                if rc < best {
                    best = rc;
                    best_k = k + kk;
                }
            }
            seen += end - k;
            k = if end == total { 0 } else { end };
            if best_k != NONE {
                break;
            }
        }
        self.cursor = k;
        if best_k == NONE {
            None
        } else {
            let arc = self.cand[best_k];
            Some((arc.i as usize, arc.j as usize, best))
        }
    }

    /// Prices every arc and returns how many have a negative reduced cost
    /// (0 = optimal). Otherwise the candidate list is rebuilt row by row: a
    /// source with at most [`ADD_PER_ROW`] negative arcs keeps its arcs and
    /// gains those; one with more (its list no longer holds the arcs the
    /// current potentials favour, typically when the clouds are far apart)
    /// gets its `keep` arcs of smallest reduced cost instead.
    fn full_scan<C: Cost>(&mut self, c: &C, tol: f64, keep: usize) -> usize {
        let (m, n) = (self.m, self.n);
        let keep = keep.clamp(1, n);
        let (ps, pt) = self.pot.split_at(m);
        let (bs, bt) = self.big.split_at(m);
        let (pt, bt) = (&pt[..n], &bt[..n]);
        // The list grouped by source (it is kept so: rebuilt in row order).
        let mut start = vec![0usize; m + 1];
        for a in &self.cand {
            start[a.i as usize + 1] += 1;
        }
        for i in 0..m {
            start[i + 1] += start[i];
        }
        debug_assert!(self.cand.windows(2).all(|w| w[0].i <= w[1].i));
        let mut new: Vec<Cand> = Vec::with_capacity(self.cand.len() + m * ADD_PER_ROW);
        let mut sel: Vec<(f64, u32)> = Vec::with_capacity(n);
        let mut sample: Vec<f64> = Vec::with_capacity(SAMPLE);
        let mut top: Vec<(f64, u32)> = Vec::with_capacity(ADD_PER_ROW + 1);
        let mut cb = vec![0.0; n];
        let mut rc = vec![0.0; n];
        let mut neg = 0usize;
        for i in 0..m {
            let (pi, bi) = (ps[i], bs[i]);
            // Reduced costs of the whole row, in the operation order of
            // `price` (so both see the same bits), as straight-line loops over
            // contiguous slices that the compiler vectorizes.
            c.row(i, &mut cb);
            for ((r, &cc), (&p, &q)) in rc.iter_mut().zip(&cb).zip(pt.iter().zip(bt)) {
                *r = (cc + pi - p) + (bi - q);
            }
            let row_neg = rc.iter().fold(0usize, |a, &r| a + (r < -tol) as usize);
            neg += row_neg;
            let mk = |j: u32| Cand {
                c: cb[j as usize],
                i: i as u32,
                j,
            };
            if row_neg > ADD_PER_ROW {
                k_smallest(&rc, keep.max(ADD_PER_ROW), &mut sel, &mut sample);
                new.extend(sel.iter().map(|&(_, j)| mk(j)));
                continue;
            }
            new.extend_from_slice(&self.cand[start[i]..start[i + 1]]);
            if row_neg > 0 {
                top.clear();
                // Negative reduced costs are rare here: test chunks of 8
                // without branches, look inside only the chunks with one.
                for (ch, chunk) in rc.chunks(8).enumerate() {
                    if chunk.iter().fold(false, |any, &r| any | (r < -tol)) {
                        for (t, &r) in chunk.iter().enumerate() {
                            if r < -tol {
                                top.push((r, (8 * ch + t) as u32));
                            }
                        }
                    }
                }
                new.extend(top.iter().map(|&(_, j)| mk(j)));
            }
        }
        if neg > 0 {
            self.cand = new;
            self.cursor = 0;
        }
        neg
    }

    /// Recomputes all potentials from the tree (root potential 0).
    fn recompute_potentials<C: Cost>(&mut self, c: &C) {
        let root = self.root;
        self.pot[root] = 0.0;
        self.big[root] = 0.0;
        let mn = self.m * self.n;
        let mut u = self.first_child[root];
        while u != NONE {
            let p = self.parent[u];
            let arc = self.pred[u];
            // tight: cost + p_tail − p_head = 0
            if arc < mn {
                let cost = c.cost(arc / self.n, arc % self.n);
                self.big[u] = self.big[p];
                self.pot[u] = if self.up[u] {
                    self.pot[p] - cost
                } else {
                    self.pot[p] + cost
                };
            } else {
                // Artificial arc to the root: source → root costs 0, root →
                // sink costs `art` (all of it in `big`).
                self.pot[u] = 0.0;
                self.big[u] = if self.up[u] { 0.0 } else { self.art };
            }
            u = self.next_preorder(u, root);
        }
    }

    /// The full potential of node `u`.
    fn potential(&self, u: usize) -> f64 {
        self.pot[u] + self.big[u]
    }

    /// The preorder successor of `u` within the subtree of `top` (NONE at the end).
    #[inline]
    fn next_preorder(&self, mut u: usize, top: usize) -> usize {
        if self.first_child[u] != NONE {
            return self.first_child[u];
        }
        while u != top {
            if self.next_sib[u] != NONE {
                return self.next_sib[u];
            }
            u = self.parent[u];
        }
        NONE
    }

    fn run<C: Cost>(&mut self, c: &C, max_c: f64, opts: Options) -> Result<u64, MetricError> {
        let tol = opts.tolerance * max_c;
        let mut pivots = 0u64;
        loop {
            let entering = match self.price(tol) {
                Some(e) => e,
                None => {
                    // No candidate prices out: remove potential drift, then
                    // price every arc; stop when none is negative.
                    self.recompute_potentials(c);
                    let keep = opts.candidates_per_row.max(ADD_PER_ROW);
                    if self.full_scan(c, tol, keep) == 0 {
                        return Ok(pivots);
                    }
                    continue;
                }
            };
            if pivots >= opts.max_pivots {
                return Err(MetricError::NotConverged {
                    solver: "network simplex".into(),
                    iterations: pivots,
                    detail: format!(
                        "an arc with reduced cost {:e} remains (Options::max_pivots)",
                        entering.2
                    ),
                });
            }
            self.pivot(
                entering.0,
                entering.1,
                entering.2,
                c.cost(entering.0, entering.1),
            )?;
            pivots += 1;
        }
    }

    fn pivot(&mut self, i: usize, j: usize, rc: f64, c_e: f64) -> Result<(), MetricError> {
        let s = i; // tail (source node)
        let t = self.m + j; // head (sink node)
        let arc = i * self.n + j;
        // Apex.
        let (mut x, mut y) = (s, t);
        while x != y {
            if self.depth[x] >= self.depth[y] {
                x = self.parent[x];
            } else {
                y = self.parent[y];
            }
        }
        let join = x;
        // Leaving arc (Cunningham): flow runs join → … → s → t → … → join.
        // s side is walked upward, so strict '<' keeps the blocking arc nearest s
        // (last in flow order); the t side is walked upward too and comes later in
        // flow order, so '<=' keeps the one nearest the apex and wins ties.
        let mut delta = f64::INFINITY;
        let mut u_out = NONE;
        let mut on_s_side = true;
        let mut u = s;
        while u != join {
            if self.up[u] && self.flow[u] < delta {
                delta = self.flow[u];
                u_out = u;
            }
            u = self.parent[u];
        }
        u = t;
        while u != join {
            if !self.up[u] && self.flow[u] <= delta {
                delta = self.flow[u];
                u_out = u;
                on_s_side = false;
            }
            u = self.parent[u];
        }
        if u_out == NONE {
            return Err(MetricError::NotConverged {
                solver: "network simplex".into(),
                iterations: 0,
                detail: "unbounded cycle (internal error)".into(),
            });
        }
        // Push δ around the cycle.
        if delta > 0.0 {
            let mut u = s;
            while u != join {
                if self.up[u] {
                    self.flow[u] -= delta;
                } else {
                    self.flow[u] += delta;
                }
                u = self.parent[u];
            }
            u = t;
            while u != join {
                if self.up[u] {
                    self.flow[u] += delta;
                } else {
                    self.flow[u] -= delta;
                }
                u = self.parent[u];
            }
            self.flow[u_out] = 0.0;
        }
        // Re-hang the subtree under u_out from the entering arc.
        let (u_in, v_in) = if on_s_side { (s, t) } else { (t, s) };
        let old_parent = self.parent[u_out];
        self.remove_child(old_parent, u_out);
        let mut child = u_in;
        let mut par = self.parent[u_in];
        let mut carc = self.pred[u_in];
        let mut cup = self.up[u_in];
        let mut cflow = self.flow[u_in];
        if u_in != u_out {
            self.remove_child(par, u_in);
        }
        // Invariant: `child` is detached from `par`; `par` is still attached to
        // its own parent unless it is u_out (detached above).
        while child != u_out {
            let (np, na, nu, nf) = (
                self.parent[par],
                self.pred[par],
                self.up[par],
                self.flow[par],
            );
            if par != u_out {
                self.remove_child(np, par);
            }
            self.add_child(child, par);
            self.parent[par] = child;
            self.pred[par] = carc;
            self.up[par] = !cup;
            self.flow[par] = cflow;
            child = par;
            par = np;
            carc = na;
            cup = nu;
            cflow = nf;
        }
        self.parent[u_in] = v_in;
        self.pred[u_in] = arc;
        self.up[u_in] = u_in == s;
        self.flow[u_in] = delta;
        self.add_child(v_in, u_in);
        // Depths and potentials of the moved subtree.
        // The entering arc's reduced cost, in its two parts (the big part is 0
        // or ±art exactly, so the shifted `big` stays exactly 0 or art).
        let rc_small = c_e + self.pot[s] - self.pot[t];
        let rc_big = self.big[s] - self.big[t];
        debug_assert!(rc_small + rc_big == rc);
        let (sig_s, sig_b) = if u_in == t {
            (rc_small, rc_big)
        } else {
            (-rc_small, -rc_big)
        };
        let mut u = u_in;
        while u != NONE {
            self.depth[u] = self.depth[self.parent[u]] + 1;
            self.pot[u] += sig_s;
            self.big[u] += sig_b;
            u = self.next_preorder(u, u_in);
        }
        Ok(())
    }
}
