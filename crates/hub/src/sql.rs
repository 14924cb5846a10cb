//! What the hub's hand-built queries share across both backends: which database a query is
//! written for, the values it binds, and their placeholders. The console's casework and
//! audit-log queries build their SQL once with these, and each backend binds the values.

/// The database a query is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite: `?1` placeholders.
    Sqlite,
    /// PostgreSQL: `$1` placeholders.
    Postgres,
}

impl Dialect {
    /// The placeholder of the `n`th parameter (from 1).
    pub fn mark(self, n: usize) -> String {
        match self {
            Self::Sqlite => format!("?{n}"),
            Self::Postgres => format!("${n}"),
        }
    }
}

/// A value to bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
}
