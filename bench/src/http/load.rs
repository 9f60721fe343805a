//! The load loop: N connections, each repeating one step (a request or a whole flow) until
//! the time is up, every latency recorded; and the figures printed from it.

use super::client::Answer;
use super::server::Server;
use std::future::Future;
use std::time::{Duration, Instant};

/// What one step came to.
pub enum Step {
    /// Done as expected.
    Ok,
    /// Answered with a status other than 2xx/3xx, or without what the page must show.
    Unexpected(String),
    /// A 5xx, a refused or broken connection, or a timeout.
    Error(String),
    /// Nothing left to do (no free places left for this connection): it stops.
    Exhausted,
}

impl Step {
    /// The step for one answer: 5xx is an error, other non-2xx/3xx unexpected.
    pub fn of(answer: &Answer) -> Self {
        if answer.status.is_server_error() {
            Self::Error(format!("{}", answer.status))
        } else if answer.fine() {
            Self::Ok
        } else {
            Self::Unexpected(format!("{}", answer.status))
        }
    }

    pub fn failed(error: &reqwest::Error) -> Self {
        Self::Error(error.to_string())
    }
}

pub struct Run {
    pub name: String,
    pub connections: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    pub unexpected: u64,
    pub errors: u64,
    pub first_problem: Option<String>,
    /// Server CPU seconds over the run.
    pub cpu: f64,
}

impl Run {
    pub fn completed(&self) -> usize {
        self.latencies.len()
    }

    pub fn per_second(&self) -> f64 {
        self.completed() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn percentile_ms(&self, pct: usize) -> f64 {
        percentile_ms(&self.latencies, pct)
    }

    /// Prints the run as one block; `unit` names what one step is (requests, bookings).
    pub fn print(&self, unit: &str, ceiling: Option<f64>) {
        let per_second = self.per_second();
        let done = self.completed();
        let cpu_each = if done == 0 {
            0.0
        } else {
            1000.0 * self.cpu / done as f64
        };
        println!(
            "{}: {} connections, {done} {unit} in {:.1} s\n  {per_second:.1} {unit}/s{}, p50 {:.1} ms, p99 {:.1} ms\n  \
             non-2xx/3xx {}, errors {}; server CPU {:.2} s, {cpu_each:.2} ms per {}",
            self.name,
            self.connections,
            self.elapsed.as_secs_f64(),
            share(per_second, ceiling),
            self.percentile_ms(50),
            self.percentile_ms(99),
            self.unexpected,
            self.errors,
            self.cpu,
            unit.trim_end_matches('s'),
        );
        if let Some(problem) = &self.first_problem {
            println!("  first problem: {problem}");
        }
    }
}

pub fn share(per_second: f64, ceiling: Option<f64>) -> String {
    ceiling.map_or(String::new(), |c| {
        format!(" ({:.0}% of the pgbench ceiling)", 100.0 * per_second / c)
    })
}

pub fn percentile_ms(latencies: &[Duration], pct: usize) -> f64 {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let index = (sorted.len() * pct / 100).min(sorted.len().saturating_sub(1));
    sorted.get(index).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Runs `step` on every connection's state until `duration` has passed. A step that has
/// begun finishes (each request has its own timeout), so a run ends at most that much late.
pub async fn run<S, F, Fut>(
    name: &str,
    server: &Server,
    states: Vec<S>,
    duration: Duration,
    step: F,
) -> Run
where
    S: Send + 'static,
    F: Fn(S) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = (S, Step)> + Send,
{
    let connections = states.len();
    let cpu_before = server.cpu_seconds();
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = states
        .into_iter()
        .map(|mut state| {
            let step = step.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let (mut unexpected, mut errors, mut problem) = (0, 0, None);
                while Instant::now() < deadline {
                    let began = Instant::now();
                    let (next, outcome) = step(state).await;
                    state = next;
                    match outcome {
                        Step::Ok => latencies.push(began.elapsed()),
                        Step::Unexpected(what) => {
                            unexpected += 1;
                            problem.get_or_insert(what);
                        }
                        Step::Error(what) => {
                            errors += 1;
                            problem.get_or_insert(what);
                        }
                        Step::Exhausted => break,
                    }
                }
                (latencies, unexpected, errors, problem)
            })
        })
        .collect();
    let mut run = Run {
        name: name.to_owned(),
        connections,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        unexpected: 0,
        errors: 0,
        first_problem: None,
        cpu: 0.0,
    };
    for worker in workers {
        match worker.await {
            Ok((latencies, unexpected, errors, problem)) => {
                run.latencies.extend(latencies);
                run.unexpected += unexpected;
                run.errors += errors;
                if run.first_problem.is_none() {
                    run.first_problem = problem;
                }
            }
            Err(error) => {
                run.errors += 1;
                run.first_problem.get_or_insert(error.to_string());
            }
        }
    }
    run.elapsed = started.elapsed();
    run.cpu = server.cpu_seconds() - cpu_before;
    run
}
