//! Prints the figures, each throughput also as a fraction of the pgbench ceiling.

use crate::scenario::{Figures, Phase};
use std::time::Duration;

fn percentile(latencies: &[Duration], pct: usize) -> f64 {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let index = (sorted.len() * pct / 100).min(sorted.len().saturating_sub(1));
    sorted.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn share(per_second: f64, ceiling: Option<f64>) -> String {
    ceiling.map_or(String::new(), |c| {
        format!(" ({:.0}% of the pgbench ceiling)", 100.0 * per_second / c)
    })
}

fn phase(name: &str, phase: &Phase, ceiling: Option<f64>) {
    let seconds = phase.elapsed.as_secs_f64();
    let bookings = phase.booked as f64 / seconds;
    let attempts = phase.attempts as f64 / seconds;
    println!(
        "{name}: {} attempts, {} booked, {} told «taken» in {seconds:.2} s\n  \
         {bookings:.0} bookings/s{}, {attempts:.0} attempts/s{}\n  latency p50 {:.1} ms, p99 {:.1} ms",
        phase.attempts,
        phase.booked,
        phase.taken,
        share(bookings, ceiling),
        share(attempts, ceiling),
        percentile(&phase.latencies, 50),
        percentile(&phase.latencies, 99),
    );
}

pub fn print(figures: &Figures, ceiling: Option<f64>) {
    println!("== {}", figures.backend);
    if let Some(tps) = ceiling {
        println!("pgbench ceiling (one conditional UPDATE of a slot row): {tps:.0} tps");
    }
    phase(
        "booking rush (2,000 patients, 500 slots)",
        &figures.rush,
        ceiling,
    );
    phase(
        "distinct slots (2,000 patients, four rounds of one new slot each)",
        &figures.distinct,
        ceiling,
    );
    let q = &figures.queries;
    println!(
        "month of free slots ({} published, {} per answer): one client p50 {:.2} ms, p99 {:.2} ms; \
         {} clients {:.0} queries/s{}",
        q.published,
        q.rows_per_answer,
        percentile(&q.one_client, 50),
        percentile(&q.one_client, 99),
        crate::scenario::QUERY_CLIENTS,
        q.concurrent_per_second,
        share(q.concurrent_per_second, ceiling),
    );
    if let Some(tps) = ceiling {
        let bookings = figures.distinct.booked as f64 / figures.distinct.elapsed.as_secs_f64();
        let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
        println!(
            "targets: bookings/s ≥ 25% of ceiling: {}; month query p99 < 5 ms: {}",
            verdict(bookings >= 0.25 * tps),
            verdict(percentile(&q.one_client, 99) < 5.0)
        );
    }
    println!("double-booked slots: {}", figures.double_booked);
}

/// The process's peak resident set (VmHWM), in MiB; 0 where /proc is not available.
pub fn peak_rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map_or(0, |kib| kib / 1024)
}
