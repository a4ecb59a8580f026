//! Communication graphs: who exchanges with whom, and the Metropolis–Hastings mixing
//! weights of the gradient baselines.
//!
//! In a config, `graph` is a name (`"complete"`, `"cycle"`, `"star"` (agent 0 the
//! hub), `"empty"`), or a table: `{ random-geometric = { radius = 0.4, seed = 1 } }`
//! (agents at uniform points of the unit square, from the stream `(seed, agent)`,
//! joined when closer than `radius`) or `{ edges = [[0, 1], [1, 2]] }` (undirected,
//! duplicates merged). Neighbour lists are sorted, so every backend iterates them in
//! one order.

use crate::DistributedError;
use sampo_core::rng;
use serde::{Deserialize, Serialize};

/// A graph as a config names it (module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GraphSpec {
    /// Every pair of agents.
    Complete,
    /// Agent i with i ± 1 (mod N).
    Cycle,
    /// Agent 0 with every other agent.
    Star,
    /// No edges.
    Empty,
    /// A random geometric graph in the unit square.
    RandomGeometric {
        /// Connection radius.
        radius: f64,
        /// Seed of the agents' positions.
        seed: u64,
    },
    /// A user-given undirected edge list.
    Edges(Vec<[usize; 2]>),
}

/// An undirected graph on N agents with sorted neighbour lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    adj: Vec<Vec<usize>>,
}

impl GraphSpec {
    /// Builds the graph on `n` agents; errors name the field (`graph`, `graph.edges[k]`).
    pub fn build(&self, n: usize) -> Result<Graph, DistributedError> {
        if n == 0 {
            return Err(DistributedError::invalid("agents", 0, "must be >= 1"));
        }
        let mut edges = Vec::new();
        match self {
            GraphSpec::Complete => {
                for i in 0..n {
                    for j in i + 1..n {
                        edges.push([i, j]);
                    }
                }
            }
            GraphSpec::Cycle => {
                // Two agents share one edge; one agent has none.
                for i in 0..n {
                    if n > 1 && (i + 1) % n != i {
                        edges.push([i, (i + 1) % n]);
                    }
                }
            }
            GraphSpec::Star => edges.extend((1..n).map(|j| [0, j])),
            GraphSpec::Empty => {}
            GraphSpec::RandomGeometric { radius, seed } => {
                if !(radius.is_finite() && *radius > 0.0) {
                    return Err(DistributedError::invalid(
                        "graph.random-geometric.radius",
                        radius,
                        "must be finite and > 0",
                    ));
                }
                let pts: Vec<[f64; 2]> = (0..n)
                    .map(|i| {
                        let mut r = rng::stream(*seed, i as u64);
                        [rng::uniform(&mut r), rng::uniform(&mut r)]
                    })
                    .collect();
                for i in 0..n {
                    for j in i + 1..n {
                        let (dx, dy) = (pts[i][0] - pts[j][0], pts[i][1] - pts[j][1]);
                        if dx * dx + dy * dy < radius * radius {
                            edges.push([i, j]);
                        }
                    }
                }
            }
            GraphSpec::Edges(list) => {
                for (k, &[a, b]) in list.iter().enumerate() {
                    if a >= n || b >= n {
                        return Err(DistributedError::invalid(
                            format!("graph.edges[{k}]"),
                            format!("[{a}, {b}]"),
                            format!("agents are numbered 0..{n}"),
                        ));
                    }
                    if a == b {
                        return Err(DistributedError::invalid(
                            format!("graph.edges[{k}]"),
                            format!("[{a}, {b}]"),
                            "an edge joins two different agents",
                        ));
                    }
                    edges.push([a, b]);
                }
            }
        }
        let mut adj = vec![Vec::new(); n];
        for [a, b] in edges {
            adj[a].push(b);
            adj[b].push(a);
        }
        for l in &mut adj {
            l.sort_unstable();
            l.dedup();
        }
        Ok(Graph { adj })
    }
}

impl Graph {
    /// The number of agents N.
    pub fn len(&self) -> usize {
        self.adj.len()
    }

    /// Whether the graph has no agents (never, for a built graph).
    pub fn is_empty(&self) -> bool {
        self.adj.is_empty()
    }

    /// The sorted neighbours of agent i.
    pub fn neighbours(&self, i: usize) -> &[usize] {
        &self.adj[i]
    }

    /// The degree d_i.
    pub fn degree(&self, i: usize) -> usize {
        self.adj[i].len()
    }

    /// The number of undirected edges.
    pub fn edges(&self) -> usize {
        self.adj.iter().map(Vec::len).sum::<usize>() / 2
    }

    /// Metropolis–Hastings mixing weights of agent i (samplers-b.md §3.4):
    /// `W_ij = 1/(max(d_i, d_j) + 1)` for each neighbour j (in neighbour order), and
    /// `W_ii = 1 − Σ_j W_ij`. W is symmetric and doubly stochastic.
    pub fn metropolis_weights(&self, i: usize) -> (f64, Vec<f64>) {
        let di = self.degree(i);
        let w: Vec<f64> = self.adj[i]
            .iter()
            .map(|&j| 1.0 / (di.max(self.degree(j)) + 1) as f64)
            .collect();
        (1.0 - w.iter().sum::<f64>(), w)
    }
}
