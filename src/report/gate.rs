//! CI gating: turns a report into passed / failed / inconclusive for a pipeline. `check`'s exit
//! code and its JUnit file both come from here, so they always agree.

use super::model::{Check, Report, Status};

/// How an `inconclusive` prerequisite counts under `--require`. Inconclusive means the evidence
/// could not be gathered (bot wall, robots.txt, timeouts), so pipelines differ in what they want.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Inconclusive {
    /// Counts as not passing: the gate fails (exit 1).
    #[default]
    Fail,
    /// Counts as passing (JUnit shows it as skipped).
    Pass,
    /// Neither: the run ends with its own exit code (4) so a pipeline can retry or ask a human.
    Error,
}

impl Inconclusive {
    /// The flag value (`fail`, `pass`, `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Inconclusive::Fail => "fail",
            Inconclusive::Pass => "pass",
            Inconclusive::Error => "error",
        }
    }
}

impl std::str::FromStr for Inconclusive {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fail" => Ok(Inconclusive::Fail),
            "pass" => Ok(Inconclusive::Pass),
            "error" => Ok(Inconclusive::Error),
            other => Err(format!(
                "unknown value '{other}' (expected fail, pass or error)"
            )),
        }
    }
}

/// How one prerequisite counts for a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `pass`.
    Passed,
    /// `warn` or `fail`, or `inconclusive` under [`Inconclusive::Fail`].
    Failed,
    /// `inconclusive` under [`Inconclusive::Pass`].
    Skipped,
    /// `inconclusive` under [`Inconclusive::Error`].
    Errored,
}

/// What a pipeline asked for: checks that must pass, a minimum score, and how inconclusive counts.
#[derive(Debug, Clone, Default)]
pub struct Gate {
    /// Prerequisite ids that must pass; empty = no `--require` gate.
    pub require: Vec<String>,
    /// The overall score must be at least this.
    pub fail_under: Option<u32>,
    /// How `inconclusive` counts for `require`.
    pub inconclusive: Inconclusive,
}

/// The gate's answer. Empty lists = the gate passed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateResult {
    /// One short phrase per failure (`refund_policy is fail`, `score 40 is under 80`).
    pub failed: Vec<String>,
    /// Required prerequisites that were inconclusive under [`Inconclusive::Error`].
    pub inconclusive: Vec<String>,
}

impl GateResult {
    /// True when nothing failed and nothing was inconclusive-as-error.
    pub fn passed(&self) -> bool {
        self.failed.is_empty() && self.inconclusive.is_empty()
    }
}

impl Gate {
    /// True when the run asked for any gate at all.
    pub fn is_set(&self) -> bool {
        !self.require.is_empty() || self.fail_under.is_some()
    }

    /// How one check's status counts under this gate's inconclusive policy.
    pub fn outcome(&self, status: Status) -> Outcome {
        match status {
            Status::Pass => Outcome::Passed,
            Status::Warn | Status::Fail => Outcome::Failed,
            Status::Inconclusive => match self.inconclusive {
                Inconclusive::Fail => Outcome::Failed,
                Inconclusive::Pass => Outcome::Skipped,
                Inconclusive::Error => Outcome::Errored,
            },
        }
    }

    /// True when `check` is one the gate looks at: a prerequisite named by `require`, or any
    /// prerequisite when `require` is empty.
    pub fn covers(&self, check: &Check) -> bool {
        !check.advisory && (self.require.is_empty() || self.require.contains(&check.id))
    }

    /// Applies the gate to a report. A required id missing from the report counts as failed.
    pub fn evaluate(&self, report: &Report) -> GateResult {
        let mut out = GateResult::default();
        for id in &self.require {
            match report.checks.iter().find(|c| &c.id == id) {
                None => out.failed.push(format!("{id} is missing from the report")),
                Some(c) => match self.outcome(c.status) {
                    Outcome::Passed | Outcome::Skipped => {}
                    Outcome::Failed => out.failed.push(format!("{id} is {}", c.status)),
                    Outcome::Errored => out.inconclusive.push(id.clone()),
                },
            }
        }
        if let Some(n) = self.fail_under {
            if report.verdict.score < n {
                out.failed
                    .push(format!("score {} is under {n}", report.verdict.score));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inconclusive_policy_maps_status() {
        for (policy, want) in [
            (Inconclusive::Fail, Outcome::Failed),
            (Inconclusive::Pass, Outcome::Skipped),
            (Inconclusive::Error, Outcome::Errored),
        ] {
            let g = Gate {
                inconclusive: policy,
                ..Gate::default()
            };
            assert_eq!(g.outcome(Status::Inconclusive), want);
            assert_eq!(g.outcome(Status::Pass), Outcome::Passed);
            assert_eq!(g.outcome(Status::Warn), Outcome::Failed);
        }
        assert_eq!("ERROR".parse::<Inconclusive>(), Ok(Inconclusive::Error));
        assert!("maybe".parse::<Inconclusive>().is_err());
    }
}
