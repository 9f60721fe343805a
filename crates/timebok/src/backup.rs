//! `timebok backup FILE` and `timebok restore FILE`, for the embedded SQLite database. The
//! backup is taken while Timebok serves: one consistent copy, as of one moment. PostgreSQL is
//! backed up and restored with its own tools (README, «Backup and restore»).

use std::path::{Path, PathBuf};
use store::Store;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already: a backup is written to a new file")]
    Exists(PathBuf),
    #[error("{0} does not exist")]
    Missing(PathBuf),
    #[error(
        "timebok restore restores an SQLite database; on PostgreSQL, restore with pg_restore \
         (README, «Backup and restore»)"
    )]
    NotSqlite,
    #[error("{file} is not a Timebok database that passes its checks: {reason}")]
    NotABackup { file: PathBuf, reason: String },
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("database: {0}")]
    Store(#[from] store::StoreError),
}

/// Writes a backup of `store` to the new file `to`.
pub async fn backup(store: &dyn Store, to: &Path) -> Result<(), BackupError> {
    if to.exists() {
        return Err(BackupError::Exists(to.to_owned()));
    }
    store.backup(to).await?;
    Ok(())
}

/// The SQLite file a `sqlite://` URL names.
fn sqlite_file(database_url: &str) -> Option<PathBuf> {
    let path = database_url.strip_prefix("sqlite://")?;
    let path = path.split('?').next().unwrap_or(path);
    Some(PathBuf::from(path))
}

/// Puts the backup `from` in place of the database `database_url` names. Every Timebok
/// process on that database must be stopped first. The backup is checked before anything is
/// replaced, and copied beside the database and renamed over it, so the database is either
/// the old one or the backup, never half of each.
pub async fn restore(database_url: &str, from: &Path) -> Result<(), BackupError> {
    let target = sqlite_file(database_url).ok_or(BackupError::NotSqlite)?;
    if !from.exists() {
        return Err(BackupError::Missing(from.to_owned()));
    }
    check(from).await?;
    let staging = target.with_extension("restoring");
    std::fs::copy(from, &staging).map_err(|e| BackupError::Io(staging.clone(), e))?;
    std::fs::File::open(&staging)
        .and_then(|file| file.sync_all())
        .map_err(|e| BackupError::Io(staging.clone(), e))?;
    // The old database's write-ahead log must not be replayed into the restored one.
    for suffix in ["-wal", "-shm"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(BackupError::Io(PathBuf::from(side), error)),
        }
    }
    std::fs::rename(&staging, &target).map_err(|e| BackupError::Io(target.clone(), e))?;
    Ok(())
}

/// The backup is an SQLite database that passes SQLite's own check and was written by
/// Timebok (it has Timebok's migrations). It is opened read-only: checking it changes nothing.
async fn check(file: &Path) -> Result<(), BackupError> {
    use sqlx::Connection as _;
    let not_a_backup = |reason: String| BackupError::NotABackup {
        file: file.to_owned(),
        reason,
    };
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .read_only(true);
    let mut connection = sqlx::SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| not_a_backup(e.to_string()))?;
    let checked: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut connection)
        .await
        .map_err(|e| not_a_backup(e.to_string()))?;
    if checked != "ok" {
        return Err(not_a_backup(checked));
    }
    let migrations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut connection)
        .await
        .map_err(|_| not_a_backup("it has no Timebok schema".into()))?;
    if migrations == 0 {
        return Err(not_a_backup("it has no Timebok schema".into()));
    }
    connection
        .close()
        .await
        .map_err(|e| not_a_backup(e.to_string()))?;
    Ok(())
}
