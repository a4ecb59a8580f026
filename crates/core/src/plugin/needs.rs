//! What a sampler needs from a target, and what a target provides.

use serde::{Deserialize, Serialize};

/// Capabilities a sampler needs (or a target provides).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Needs {
    /// The log density.
    pub density: bool,
    /// The gradient of the log density.
    pub gradient: bool,
    /// A finite sum over data terms (minibatch gradients).
    pub finite_sum: bool,
    /// A GPU device.
    pub device: bool,
    /// Closed-form Gaussian smoothing (`crate::Smoothable`: Gaussians and Gaussian
    /// mixtures), for walk-jump's analytic smoothed scores.
    #[serde(default)]
    pub smoothing: bool,
}

impl Needs {
    /// Only the log density.
    pub const DENSITY: Needs = Needs {
        density: true,
        gradient: false,
        finite_sum: false,
        device: false,
        smoothing: false,
    };
    /// The log density and its gradient.
    pub const GRADIENT: Needs = Needs {
        density: true,
        gradient: true,
        finite_sum: false,
        device: false,
        smoothing: false,
    };
    /// A finite-sum posterior (with gradients).
    pub const FINITE_SUM: Needs = Needs {
        density: true,
        gradient: true,
        finite_sum: true,
        device: false,
        smoothing: false,
    };

    /// Closed-form smoothing only (walk-jump with analytic scores).
    pub const SMOOTHING: Needs = Needs {
        density: false,
        gradient: false,
        finite_sum: false,
        device: false,
        smoothing: true,
    };

    /// The needs not met by `provided`, named (empty when all are met).
    pub fn missing(&self, provided: &Needs) -> Vec<&'static str> {
        let mut m = Vec::new();
        if self.density && !provided.density {
            m.push("density");
        }
        if self.gradient && !provided.gradient {
            m.push("gradient");
        }
        if self.finite_sum && !provided.finite_sum {
            m.push("finite sum");
        }
        if self.device && !provided.device {
            m.push("device");
        }
        if self.smoothing && !provided.smoothing {
            m.push("closed-form Gaussian smoothing");
        }
        m
    }
}

impl std::fmt::Display for Needs {
    /// `density`, `density, gradient`, … (what `sampo-bench list samplers` prints).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = [
            (self.density, "density"),
            (self.gradient, "gradient"),
            (self.finite_sum, "finite sum"),
            (self.device, "device"),
            (self.smoothing, "smoothing"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        f.write_str(&names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_names_what_is_absent() {
        assert_eq!(Needs::GRADIENT.missing(&Needs::DENSITY), vec!["gradient"]);
        assert!(Needs::DENSITY.missing(&Needs::FINITE_SUM).is_empty());
        assert_eq!(Needs::GRADIENT.to_string(), "density, gradient");
        assert_eq!(Needs::DENSITY.to_string(), "density");
    }
}
