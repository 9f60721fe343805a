//! A booking operation written once, as data, for both databases.
//!
//! A [`Program`] is the ordered list of statements one operation (hold, book, move, cancel)
//! runs in one transaction, with the refusals it may end with. SQLite runs the steps one by
//! one in a `BEGIN IMMEDIATE` transaction (`sqlite.rs`); PostgreSQL gets the same steps
//! compiled into one database function (`postgres.rs`), so that a booking is one round trip
//! there. Neither side writes a rule of its own: every condition comes from `rules.rs`.
//!
//! Statements name their parameters `:name`. A name is an input of the program (bound by the
//! caller) or a variable a step before set. Each dialect turns names into its own form.

use crate::db::named::Type;
#[cfg(test)]
use crate::db::named::names;
use domain::Refusal;

/// One step of a program.
#[derive(Debug, Clone)]
pub enum Step {
    /// Locks rows on PostgreSQL, so that the next statements read every change committed
    /// before; SQLite's write transaction is exclusive already and skips it. Written as a
    /// `SELECT … FOR UPDATE`.
    Lock(String),
    /// Reads one value into a variable; without a row the program ends with `missing`.
    Read {
        sql: String,
        into: &'static str,
        missing: Refusal,
    },
    /// A query of two columns: when the first is not NULL, the program ends with that
    /// outcome and the second as its id. Without a row it ends with `missing`, if given.
    /// `lock` is PostgreSQL's row lock for the query (`FOR UPDATE OF s`).
    Decide {
        sql: String,
        lock: &'static str,
        missing: Option<Refusal>,
    },
    /// A write that must change a row, else the program ends with `otherwise`.
    Require { sql: String, otherwise: Refusal },
    /// A write.
    Write(String),
    /// A write returning one value (`RETURNING id`) into a variable.
    WriteInto { sql: String, into: &'static str },
    /// A step taken only when the input `input` is given (not NULL): a booking without an
    /// Idempotency-Key does not pay for its statements.
    IfGiven {
        input: &'static str,
        step: Box<Step>,
    },
}

impl Step {
    pub fn sql(&self) -> &str {
        match self {
            Self::IfGiven { step, .. } => step.sql(),
            Self::Lock(sql) | Self::Write(sql) => sql,
            Self::Read { sql, .. }
            | Self::Decide { sql, .. }
            | Self::Require { sql, .. }
            | Self::WriteInto { sql, .. } => sql,
        }
    }

    #[cfg(test)]
    fn writes(&self) -> bool {
        match self {
            Self::IfGiven { step, .. } => step.writes(),
            other => matches!(
                other,
                Self::Require { .. } | Self::Write(_) | Self::WriteInto { .. }
            ),
        }
    }

    #[cfg(test)]
    fn may_refuse(&self) -> bool {
        match self {
            Self::IfGiven { step, .. } => step.may_refuse(),
            other => matches!(
                other,
                Self::Read { .. } | Self::Decide { .. } | Self::Require { .. }
            ),
        }
    }

    /// The step, taken only when `input` is given.
    pub fn if_given(input: &'static str, step: Step) -> Self {
        Self::IfGiven {
            input,
            step: Box::new(step),
        }
    }
}

/// One booking operation.
#[derive(Debug, Clone)]
pub struct Program {
    pub name: &'static str,
    pub inputs: Vec<(&'static str, Type)>,
    pub vars: Vec<(&'static str, Type)>,
    pub steps: Vec<Step>,
    /// The outcome when every step passed, and the input or variable holding its id.
    pub done: (&'static str, &'static str),
}

/// Why a program cannot be used; found by the tests, never at a patient's request.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    #[error("program {program}: unknown parameter :{name}")]
    UnknownName { program: &'static str, name: String },
    #[error("program {program}: a refusal after the first write would keep that write")]
    RefusalAfterWrite { program: &'static str },
}

impl Program {
    #[cfg(test)]
    fn type_of(&self, name: &str) -> Option<Type> {
        self.inputs
            .iter()
            .chain(&self.vars)
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }

    /// Checks what both dialects rely on: every name is declared, and nothing can refuse
    /// after a write has changed a row — PostgreSQL's function commits what it wrote before
    /// it returns, so a refusal must come before the first change. A failed `Require` writes
    /// nothing, so it may be the first write.
    #[cfg(test)]
    pub fn check(&self) -> Result<(), ProgramError> {
        let mut wrote = false;
        for step in &self.steps {
            if wrote && step.may_refuse() {
                return Err(ProgramError::RefusalAfterWrite { program: self.name });
            }
            for name in names(step.sql()) {
                if self.type_of(&name).is_none() {
                    return Err(ProgramError::UnknownName {
                        program: self.name,
                        name,
                    });
                }
            }
            wrote |= step.writes();
        }
        Ok(())
    }

    /// Whether `name` is one of the program's inputs, as opposed to a variable.
    pub fn is_input(&self, name: &str) -> bool {
        self.inputs.iter().any(|(n, _)| *n == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(steps: Vec<Step>) -> Program {
        Program {
            name: "test",
            inputs: vec![("slot", Type::Int)],
            vars: vec![("id", Type::Int)],
            steps,
            done: ("done", "id"),
        }
    }

    #[test]
    fn a_program_names_only_what_it_declares() {
        let known = program(vec![Step::Write("DELETE FROM t WHERE a = :slot".into())]);
        assert_eq!(known.check(), Ok(()));
        let unknown = program(vec![Step::Write("DELETE FROM t WHERE a = :other".into())]);
        assert!(matches!(
            unknown.check(),
            Err(ProgramError::UnknownName { .. })
        ));
    }

    #[test]
    fn nothing_may_refuse_after_a_write() {
        let late = program(vec![
            Step::Write("DELETE FROM t".into()),
            Step::Require {
                sql: "UPDATE t SET a = 1".into(),
                otherwise: Refusal::Taken,
            },
        ]);
        assert!(matches!(
            late.check(),
            Err(ProgramError::RefusalAfterWrite { .. })
        ));
        let first = program(vec![
            Step::Require {
                sql: "UPDATE t SET a = 1".into(),
                otherwise: Refusal::Taken,
            },
            Step::Write("DELETE FROM t".into()),
        ]);
        assert_eq!(first.check(), Ok(()));
    }
}
