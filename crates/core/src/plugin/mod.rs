//! The plug-in contract: how a sampler family joins the harness.
//!
//! A family crate describes each of its sampler kinds with a [`SamplerEntry`]: a
//! name, a one-line description, what it [`Needs`] from a target (density,
//! gradient, finite sum, device), its default configuration as a TOML table, and a
//! builder from a TOML table (typed serde with `deny_unknown_fields` inside). The
//! harness puts every family's entries into one [`Registry`]; adding a family is
//! one registration line there, and no match arm anywhere.
//!
//! A built [`Sampler`] runs on a [`TargetRef`] (a counted view of an [`AnyTarget`]:
//! density, and gradient or finite sum where the target has them) for a [`Job`]
//! (n output samples at a [`Budget`] per sample, chains, seed, initial positions),
//! under a [`Control`] (observers, checkpoint, resume). It returns the runner's
//! [`crate::Outcome`]: a [`crate::Run`] with exactly n samples, or the partial run
//! of a stopped one.
//!
//! See `docs/writing-a-sampler.md` for a worked example and the checklist the
//! conformance suite enforces.

mod budget;
mod control;
mod needs;
mod registry;
mod table;
mod target_ref;

pub use budget::{Budget, Init, Job};
pub use control::Control;
pub use needs::Needs;
pub use registry::{Built, Registry, Sampler, SamplerEntry};
pub use table::{from_table, set_path, to_table};
pub use target_ref::{AnyTarget, DensityView, FiniteSumView, GradView, TargetRef};
/// The TOML table and value types configurations travel in (re-exported so that a
/// family crate needs no `toml` dependency of its own).
pub use toml::{Table, Value};
