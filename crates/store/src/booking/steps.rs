//! Runs a booking program step by step inside one transaction: how SQLite runs every program,
//! cheap there with no network between the statements and exclusive because its write
//! transaction began `IMMEDIATE`. A program that ends early drops its transaction, which rolls
//! back.

use super::Answer;
use super::program::{Program, Step};
use crate::db::named::{Env, Positional, Type, Value};
use crate::db::{Statement, Transaction};
use crate::{Result, StoreError};
use domain::Refusal;

/// A program's statements with their parameters numbered, once.
#[derive(Debug)]
pub(crate) struct CompiledSteps {
    program: &'static Program,
    steps: Vec<(Positional, &'static Step)>,
}

fn refused(refusal: Refusal) -> Answer {
    Answer {
        outcome: refusal.code().to_owned(),
        id: None,
    }
}

impl CompiledSteps {
    pub fn new(program: &'static Program) -> Self {
        let steps = program
            .steps
            .iter()
            .filter(|step| !matches!(step, Step::Lock(_)))
            .map(|step| (Positional::new(step.sql()), step))
            .collect();
        Self { program, steps }
    }

    pub async fn run(&self, mut tx: impl Transaction, mut env: Env) -> Result<Answer> {
        let program = self.program;
        env.fill(&program.inputs);
        for (statement, step) in &self.steps {
            let step = match step {
                Step::IfGiven { input, step } => {
                    if env.get(input).is_null() {
                        continue;
                    }
                    step.as_ref()
                }
                step => step,
            };
            let query = Statement::named(statement, &env);
            match step {
                Step::Lock(_) | Step::IfGiven { .. } => {}
                Step::Read { into, missing, .. } => {
                    let kind = program
                        .vars
                        .iter()
                        .find(|(n, _)| n == into)
                        .map(|(_, t)| *t)
                        .ok_or(StoreError::Corrupt("booking program variable"))?;
                    let value = match kind {
                        Type::Int => tx
                            .fetch_optional::<(Option<i64>,)>(query)
                            .await?
                            .map(|(v,)| Value::Int(v)),
                        Type::Text => tx
                            .fetch_optional::<(Option<String>,)>(query)
                            .await?
                            .map(|(v,)| Value::Text(v)),
                        Type::Bool => tx
                            .fetch_optional::<(bool,)>(query)
                            .await?
                            .map(|(v,)| Value::Bool(Some(v))),
                    };
                    let Some(value) = value else {
                        return Ok(refused(*missing));
                    };
                    env.set(into, value);
                }
                Step::Decide { missing, .. } => {
                    match tx
                        .fetch_optional::<(Option<String>, Option<i64>)>(query)
                        .await?
                    {
                        None => {
                            if let Some(missing) = missing {
                                return Ok(refused(*missing));
                            }
                        }
                        Some((Some(outcome), id)) => return Ok(Answer { outcome, id }),
                        Some((None, _)) => {}
                    }
                }
                Step::Require { otherwise, .. } => {
                    if tx.execute(query).await? == 0 {
                        return Ok(refused(*otherwise));
                    }
                }
                Step::Write(_) => {
                    tx.execute(query).await?;
                }
                Step::WriteInto { into, .. } => {
                    let (id,) = tx.fetch_one::<(i64,)>(query).await?;
                    env.set(into, Value::Int(Some(id)));
                }
            }
        }
        tx.commit().await?;
        let id = match env.get(program.done.1) {
            Value::Int(id) => id,
            _ => None,
        };
        Ok(Answer {
            outcome: program.done.0.to_owned(),
            id,
        })
    }
}
