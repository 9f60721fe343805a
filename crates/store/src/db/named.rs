//! Statements that name their parameters `:name`, and the values bound to them.
//!
//! Store code writes `:slot` or `:now` instead of `$3`, so that one statement (and one rule
//! composed into many statements) reads the same wherever it is used; each dialect turns the
//! names into its own form: `$1`, `$2`, … for sqlx on both databases, `p_slot` inside a
//! PostgreSQL function.

use std::collections::HashMap;
use std::sync::Arc;

/// The SQL type of an input or variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Int,
    Text,
    Bool,
}

impl Type {
    pub fn postgres(self) -> &'static str {
        match self {
            Self::Int => "BIGINT",
            Self::Text => "TEXT",
            Self::Bool => "BOOLEAN",
        }
    }

    /// NULL of this type: what an input the caller left unset is, on both databases.
    pub fn null(self) -> Value {
        match self {
            Self::Int => Value::Int(None),
            Self::Text => Value::Text(None),
            Self::Bool => Value::Bool(None),
        }
    }
}

/// A value for a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(Option<bool>),
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        Self::Int(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Self::Text(Some(value.to_owned()))
    }
}

impl From<Option<&str>> for Value {
    fn from(value: Option<&str>) -> Self {
        Self::Text(value.map(str::to_owned))
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Self::Text(Some(value))
    }
}

impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        Self::Text(value)
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Self::Bool(Some(value))
    }
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Int(None) | Self::Text(None) | Self::Bool(None))
    }
}

/// Named values, for a program's inputs or a query's parameters.
#[derive(Debug, Clone, Default)]
pub struct Env(HashMap<&'static str, Value>);

impl Env {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.0.insert(name, value.into());
        self
    }

    pub fn set(&mut self, name: &'static str, value: Value) {
        self.0.insert(name, value);
    }

    /// The value of a name; an unset name is NULL, which every rule treats as a refusal.
    pub fn get(&self, name: &str) -> Value {
        self.0.get(name).cloned().unwrap_or(Value::Int(None))
    }

    /// Sets each of a program's inputs the caller left unset to NULL of its type, so that the
    /// steps bind what the PostgreSQL function is called with (see [`Env::take`]).
    pub fn fill(&mut self, inputs: &[(&'static str, Type)]) {
        for &(name, kind) in inputs {
            self.0.entry(name).or_insert_with(|| kind.null());
        }
    }

    /// Takes the value of a name of a known type out; an unset name is NULL of that type.
    pub fn take(&mut self, name: &str, kind: Type) -> Value {
        self.0.remove(name).unwrap_or_else(|| kind.null())
    }
}

/// A statement with its `:names` replaced by `$1`, `$2`, … in order of first use, and the
/// names to bind in that order. Both SQLite and PostgreSQL take `$n` from sqlx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Positional {
    pub sql: Arc<str>,
    pub names: Vec<String>,
}

impl Positional {
    pub fn new(sql: &str) -> Self {
        let mut names: Vec<String> = Vec::new();
        let sql = rename(sql, |name| {
            let index = match names.iter().position(|n| n == name) {
                Some(index) => index,
                None => {
                    names.push(name.to_owned());
                    names.len() - 1
                }
            };
            format!("${}", index + 1)
        });
        Self {
            sql: sql.into(),
            names,
        }
    }
}

/// The `:names` a statement uses, in order, each once.
#[cfg(test)]
pub(crate) fn names(sql: &str) -> Vec<String> {
    Positional::new(sql).names
}

/// Replaces each `:name` outside quoted text with what `with` gives for it. A name starts
/// with a lower-case letter and goes on with letters, digits and `_`; `::` (a cast) is left.
pub(crate) fn rename(sql: &str, mut with: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.char_indices().peekable();
    let mut quoted = false;
    while let Some((at, c)) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
            out.push(c);
            continue;
        }
        let starts_name = !quoted
            && c == ':'
            && !sql[..at].ends_with(':')
            && chars.peek().is_some_and(|(_, n)| n.is_ascii_lowercase());
        if !starts_name {
            out.push(c);
            continue;
        }
        let mut name = String::new();
        while let Some((_, n)) = chars.peek() {
            if n.is_ascii_alphanumeric() || *n == '_' {
                name.push(*n);
                chars.next();
            } else {
                break;
            }
        }
        out.push_str(&with(&name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_positions_in_order_of_first_use() {
        let p = Positional::new(
            "SELECT 'a:b', x::TEXT FROM t WHERE a = :slot AND b = :now AND c = :slot || ':x'",
        );
        assert_eq!(
            &*p.sql,
            "SELECT 'a:b', x::TEXT FROM t WHERE a = $1 AND b = $2 AND c = $1 || ':x'"
        );
        assert_eq!(p.names, ["slot", "now"]);
    }
}
