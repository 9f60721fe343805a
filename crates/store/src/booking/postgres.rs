//! Runs a booking program on PostgreSQL in one round trip: the program's steps compiled into
//! one PL/pgSQL function, installed at migration. In PL/pgSQL each statement reads a fresh
//! snapshot, so the checks after the patient's lock see everything committed before it, as on
//! SQLite; a program never refuses after it wrote (see `Program::check`), so a refusal
//! leaves nothing behind although the function commits with the call.
//!
//! A function's name carries a digest of its text. A changed program is a new function, so
//! processes of two versions running side by side during an upgrade each call their own.

use super::Answer;
use super::program::{Program, Step};
use crate::Result;
use crate::db::named::{Env, Type, rename};
use crate::db::postgres::PgDb;
use crate::db::{Database, Executor, Statement, Transaction, q};
use std::fmt::Write as _;

/// A program as a PostgreSQL function: the statement that creates it and the one that calls it.
#[derive(Debug)]
pub(crate) struct PgFunction {
    pub name: String,
    pub create: String,
    call: std::sync::Arc<str>,
    inputs: Vec<(&'static str, Type)>,
}

impl PgFunction {
    pub fn new(program: &Program) -> Self {
        let body = body(program);
        let params: Vec<String> = program
            .inputs
            .iter()
            .map(|(name, kind)| format!("p_{name} {}", kind.postgres()))
            .collect();
        let name = format!("timebok_{}_{:016x}", program.name, fnv(&body));
        let create = format!(
            "CREATE OR REPLACE FUNCTION {name}({}) \
             RETURNS TABLE (o_outcome TEXT, o_id BIGINT) LANGUAGE plpgsql AS $fn$\n{body}$fn$",
            params.join(", ")
        );
        let args: Vec<String> = (1..=program.inputs.len())
            .map(|i| format!("${i}"))
            .collect();
        let call = format!("SELECT o_outcome, o_id FROM {name}({})", args.join(", "));
        Self {
            name,
            create,
            call: call.into(),
            inputs: program.inputs.clone(),
        }
    }
}

/// FNV-1a: a stable digest for the function's name, not a secret.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A statement with its names as the function's parameters (`p_`) and variables (`v_`).
fn plpgsql(program: &Program, sql: &str) -> String {
    rename(sql, |name| {
        if program.is_input(name) {
            format!("p_{name}")
        } else {
            format!("v_{name}")
        }
    })
}

fn end_with(code: &str) -> String {
    format!("RETURN QUERY SELECT '{code}'::TEXT, NULL::BIGINT; RETURN;")
}

fn body(program: &Program) -> String {
    let mut text = String::from("DECLARE\n  v_outcome TEXT;\n  v_id BIGINT;\n");
    for (name, kind) in &program.vars {
        let _ = writeln!(text, "  v_{name} {};", kind.postgres());
    }
    text.push_str("BEGIN\n");
    for step in &program.steps {
        let _ = writeln!(text, "  {}", statement(program, step));
    }
    let (outcome, id) = program.done;
    let id = if program.is_input(id) {
        format!("p_{id}")
    } else {
        format!("v_{id}")
    };
    let _ = writeln!(text, "  RETURN QUERY SELECT '{outcome}'::TEXT, {id};\nEND;");
    text
}

/// One step in PL/pgSQL.
fn statement(program: &Program, step: &Step) -> String {
    match step {
        Step::IfGiven { input, step } => format!(
            "IF p_{input} IS NOT NULL THEN\n    {}\n  END IF;",
            statement(program, step)
        ),
        Step::Lock(sql) => {
            let sql = plpgsql(program, sql);
            let rest = sql.strip_prefix("SELECT ").unwrap_or(&sql);
            format!("PERFORM {rest};")
        }
        Step::Read { sql, into, missing } => format!(
            "{} INTO v_{into};\n  IF NOT FOUND THEN {} END IF;",
            plpgsql(program, sql),
            end_with(missing.code())
        ),
        Step::Decide { sql, lock, missing } => {
            let when_missing = missing
                .map(|m| format!("\n  IF NOT FOUND THEN {} END IF;", end_with(m.code())))
                .unwrap_or_default();
            format!(
                "{}{lock} INTO v_outcome, v_id;{when_missing}\n  \
                     IF v_outcome IS NOT NULL THEN RETURN QUERY SELECT v_outcome, v_id; RETURN; END IF;",
                plpgsql(program, sql)
            )
        }
        Step::Require { sql, otherwise } => format!(
            "{};\n  IF NOT FOUND THEN {} END IF;",
            plpgsql(program, sql),
            end_with(otherwise.code())
        ),
        Step::Write(sql) => format!("{};", plpgsql(program, sql)),
        Step::WriteInto { sql, into } => {
            format!("{} INTO v_{into};", plpgsql(program, sql))
        }
    }
}

/// Creates the functions, one process at a time: processes starting together would
/// otherwise race on the catalogue.
pub(crate) async fn install(db: &PgDb, functions: &[&PgFunction]) -> Result<()> {
    let mut tx = db.begin_write().await?;
    tx.execute(q("SELECT pg_advisory_xact_lock(7315020501)"))
        .await?;
    for function in functions {
        let (exists,): (bool,) = tx
            .fetch_one(
                q("SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = $1)")
                    .bind(function.name.as_str()),
            )
            .await?;
        if !exists {
            tx.execute(Statement::shared(function.create.as_str().into()))
                .await?;
        }
    }
    tx.commit().await
}

pub(crate) async fn call(db: &PgDb, function: &PgFunction, mut env: Env) -> Result<Answer> {
    let statement = function.inputs.iter().fold(
        Statement::shared(function.call.clone()),
        |q, (name, kind)| q.bind(env.take(name, *kind)),
    );
    let (outcome, id) = db
        .pool()
        .fetch_one::<(String, Option<i64>)>(statement)
        .await?;
    Ok(Answer { outcome, id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_is_named_by_its_text() {
        let book = PgFunction::new(&super::super::programs::BOOK);
        assert!(book.name.starts_with("timebok_book_"));
        assert!(book.create.contains("p_slot BIGINT"));
        assert!(
            book.create
                .contains("PERFORM 1 FROM slot s WHERE s.id = p_slot FOR UPDATE;")
        );
        assert!(book.create.contains("INTO v_outcome, v_id;"));
        assert!(!book.create.contains(":slot"));
        let again = PgFunction::new(&super::super::programs::BOOK);
        assert_eq!(book.name, again.name);
    }

    #[test]
    fn types_are_postgres_types() {
        assert_eq!(Type::Bool.postgres(), "BOOLEAN");
    }
}
