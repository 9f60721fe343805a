//! The raw database ceiling: pgbench running one conditional UPDATE of a slot-like row, the
//! statement at the heart of a booking, on the same PostgreSQL in the same run.

use std::process::Command;
use store::testing::TestDb;

const SCRIPT: &str = "\\set id random(1, 10000)\n\
UPDATE bench_slot SET booked = booked + 1 WHERE id = :id AND booked < capacity;\n";

pub async fn ceiling(admin_url: &str, clients: u32, seconds: u32) -> Result<f64, String> {
    let db = TestDb::postgres_at(admin_url).await;
    let outcome = measure(&db.url, clients, seconds).await;
    db.finish().await;
    outcome
}

async fn measure(url: &str, clients: u32, seconds: u32) -> Result<f64, String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    for statement in [
        "CREATE TABLE bench_slot (id BIGINT PRIMARY KEY, capacity BIGINT NOT NULL, booked BIGINT NOT NULL, \
         CHECK (booked >= 0 AND booked <= capacity))",
        "INSERT INTO bench_slot SELECT g, 1000000000, 0 FROM generate_series(1, 10000) g",
        "VACUUM ANALYZE bench_slot",
    ] {
        sqlx::query(statement)
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    drop(conn);
    let dir = std::env::temp_dir().join(format!("timebok-pgbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let script = dir.join("book.sql");
    std::fs::write(&script, SCRIPT).map_err(|e| e.to_string())?;
    let output = Command::new("pgbench")
        .args([
            "-n",
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            "-f",
        ])
        .arg(&script)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run pgbench (Debian package postgresql-client): {e}"))?;
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "pgbench failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    stdout
        .lines()
        .find_map(|line| {
            line.strip_prefix("tps = ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .ok_or_else(|| format!("no tps in pgbench's output: {stdout}"))
}
