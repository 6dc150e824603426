//! Exit statuses, and how the problems of one run combine into one.
//!
//! | status | meaning |
//! |---|---|
//! | 0 | every input was read |
//! | 1 | some inputs failed; the output covers every other file |
//! | 2 | bad usage (unknown flag, bad value) |
//! | 3 | the output could not be written, or an unexpected error |
//! | 4 | an S3 location could not be read at all: credentials refused or missing, no such bucket, no answer from the endpoint; the output covers every other input |
//! | 6 | `findings --fail-on SEVERITY` listed a finding of at least that severity (and nothing worse than a failed file happened: 4, 2 and 3 win over it, 1 does not) |
//!
//! (5 is the Spark driver's, `spark/trailmask_spark.py`: a shard's trailmask could not run.)

/// The process's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitCode {
    Success,
    PartialFailure,
    /// `findings --fail-on` found what it was asked to fail on: more telling than a bad file
    /// (the findings of every other file stand), less than the causes below.
    Findings,
    /// More severe than a bad file (nothing of the location was read, and the cause is the
    /// setup, not the data), less than a usage mistake or a lost output.
    Unreachable,
    Usage,
    OutputFailure,
}

impl ExitCode {
    /// The number the process exits with.
    pub fn code(self) -> i32 {
        match self {
            ExitCode::Success => 0,
            ExitCode::PartialFailure => 1,
            ExitCode::Findings => 6,
            ExitCode::Unreachable => 4,
            ExitCode::Usage => 2,
            ExitCode::OutputFailure => 3,
        }
    }

    /// The more severe of two statuses.
    pub fn merge(self, other: ExitCode) -> ExitCode {
        self.max(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_the_most_severe() {
        use ExitCode::*;
        assert_eq!(Success.merge(PartialFailure), PartialFailure);
        assert_eq!(OutputFailure.merge(PartialFailure), OutputFailure);
        assert_eq!(Usage.merge(Success), Usage);
        assert_eq!(PartialFailure.merge(Unreachable), Unreachable);
        assert_eq!(Unreachable.merge(OutputFailure), OutputFailure);
        assert_eq!(PartialFailure.merge(Findings), Findings);
        assert_eq!(Findings.merge(Unreachable), Unreachable);
        assert_eq!(Usage.merge(Findings), Usage);
        assert_eq!(
            [
                Success,
                PartialFailure,
                Usage,
                OutputFailure,
                Unreachable,
                Findings
            ]
            .map(ExitCode::code),
            [0, 1, 2, 3, 4, 6]
        );
    }
}
