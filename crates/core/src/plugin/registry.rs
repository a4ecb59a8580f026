//! The registry of sampler kinds.
//!
//! **Building from a table.** A `[sampler]` table names its entry with `kind`. The
//! entry's default table is taken, every key of the user's table replaces the key
//! of the same name (a shallow overlay: `inner = { kind = "is" }` replaces the whole
//! `inner` table, whose own defaults then apply), and the entry's builder parses
//! the result with typed serde (`deny_unknown_fields`) and validates it. The built
//! sampler's [`Sampler::config`] is the full canonical table: written back with the
//! entry's `kind`, it builds the same sampler (the conformance suite checks this
//! round trip for every entry).

use super::{Control, Job, Needs, TargetRef};
use crate::{CoreError, CostUnit, EvalCounts, Outcome};

/// A sampler built from a validated configuration.
pub trait Sampler: Send + Sync {
    /// The full configuration as a TOML table, without `kind` (see the module docs).
    fn config(&self) -> toml::Table;

    /// What this configuration needs from a target.
    fn needs(&self) -> Needs;

    /// Evaluations per output sample when the configuration fixes them (rdMC's
    /// schedule and inner sample sizes), whatever the job's budget; `None` when the
    /// budget sets the cost. The harness reports a budget the sampler cannot honour.
    fn fixed_cost(&self, _dim: usize) -> Option<EvalCounts> {
        None
    }

    /// Evaluations a run spends once, before its first sample, when the
    /// configuration fixes them (a flow's training and its training data), on top
    /// of `fixed_cost × n`. Default: none.
    fn setup_cost(&self, _dim: usize) -> EvalCounts {
        EvalCounts::ZERO
    }

    /// [`Sampler::fixed_cost`] on a given target, for samplers whose fixed cost
    /// depends on more than the dimension (a distributed sampler's data terms per
    /// round are the target's N). Default: `fixed_cost(target.dim())`. The harness
    /// and the conformance suite call this one.
    fn fixed_cost_on(&self, target: &TargetRef<'_>) -> Option<EvalCounts> {
        self.fixed_cost(target.dim())
    }

    /// [`Sampler::setup_cost`] on a given target (as [`Sampler::fixed_cost_on`]).
    /// Default: `setup_cost(target.dim())`.
    fn setup_cost_on(&self, target: &TargetRef<'_>) -> EvalCounts {
        self.setup_cost(target.dim())
    }

    /// The unit a budget for this configuration is spent in: what its steps cost.
    /// Default: gradient evaluations when it needs a gradient, density evaluations
    /// otherwise; minibatch samplers spend data terms. The conformance suite gives
    /// every sampler its budget in this unit.
    fn budget_unit(&self) -> CostUnit {
        if self.needs().gradient {
            CostUnit::Gradient
        } else {
            CostUnit::Density
        }
    }

    /// Warnings about running this configuration on `target` (e.g. a method not
    /// validated in its dimension). Default: none.
    fn warnings(&self, _target: &TargetRef<'_>) -> Vec<String> {
        Vec::new()
    }

    /// Runs `job` on `target`: exactly `job.n` samples in a finished run.
    fn run(
        &self,
        target: TargetRef<'_>,
        job: &Job,
        control: Control<'_>,
    ) -> Result<Outcome, CoreError>;
}

/// One sampler kind a family contributes.
#[derive(Clone, Copy)]
pub struct SamplerEntry {
    /// The `kind` (e.g. `mala`, `mala-adapt`, `rdmc`).
    pub name: &'static str,
    /// One line for `sampo-bench list samplers`.
    pub description: &'static str,
    /// What the default configuration needs from a target.
    pub needs: Needs,
    /// The default configuration, as a full table without `kind`.
    pub defaults: fn() -> toml::Table,
    /// Parses and validates a full table (without `kind`).
    pub build: fn(&toml::Table) -> Result<Box<dyn Sampler>, CoreError>,
}

/// A built sampler with the entry it came from.
pub struct Built {
    /// The entry's name.
    pub kind: &'static str,
    /// The sampler.
    pub sampler: Box<dyn Sampler>,
}

impl Built {
    /// The canonical table including `kind`.
    pub fn table(&self) -> toml::Table {
        let mut t = toml::Table::new();
        t.insert("kind".into(), self.kind.into());
        t.extend(self.sampler.config());
        t
    }
}

/// Every sampler kind the harness knows.
#[derive(Clone, Default)]
pub struct Registry {
    entries: Vec<SamplerEntry>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds a family's entries (one line per family in the harness). Panics on a
    /// duplicate name: two families claiming one kind is a programming error.
    pub fn with(mut self, entries: impl IntoIterator<Item = SamplerEntry>) -> Self {
        for e in entries {
            assert!(
                self.get(e.name).is_none(),
                "sampler kind `{}` registered twice",
                e.name
            );
            self.entries.push(e);
        }
        self
    }

    /// Every entry, in registration order.
    pub fn entries(&self) -> &[SamplerEntry] {
        &self.entries
    }

    /// The entry called `name`.
    pub fn get(&self, name: &str) -> Option<&SamplerEntry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Valid names, comma-separated (for error messages).
    pub fn names(&self) -> String {
        self.entries
            .iter()
            .map(|e| e.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn entry(&self, kind: &str) -> Result<&SamplerEntry, CoreError> {
        self.get(kind).ok_or_else(|| CoreError::Config {
            message: format!("unknown sampler kind `{kind}`; valid: {}", self.names()),
        })
    }

    /// The merged table of a `[sampler]` table (its `kind` and the entry's defaults
    /// overlaid by its other keys), before building; see the module docs.
    pub fn merged(&self, table: &toml::Table) -> Result<(&SamplerEntry, toml::Table), CoreError> {
        let kind = match table.get("kind") {
            Some(toml::Value::String(k)) => k.as_str(),
            Some(other) => {
                return Err(CoreError::Config {
                    message: format!("`kind` must be a string, not {}", other.type_str()),
                });
            }
            None => {
                return Err(CoreError::Config {
                    message: format!("missing `kind`; valid: {}", self.names()),
                });
            }
        };
        let entry = self.entry(kind)?;
        let mut merged = (entry.defaults)();
        for (k, v) in table {
            if k != "kind" {
                merged.insert(k.clone(), v.clone());
            }
        }
        Ok((entry, merged))
    }

    /// Builds the sampler a `[sampler]` table describes.
    pub fn build(&self, table: &toml::Table) -> Result<Built, CoreError> {
        let (entry, merged) = self.merged(table)?;
        Ok(Built {
            kind: entry.name,
            sampler: (entry.build)(&merged)?,
        })
    }

    /// Builds the entry called `name` with its defaults.
    pub fn build_named(&self, name: &str) -> Result<Built, CoreError> {
        let mut t = toml::Table::new();
        t.insert("kind".into(), name.into());
        self.build(&t)
    }
}
