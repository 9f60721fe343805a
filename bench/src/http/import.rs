//! Scenario 8: the register's CSV import of a clinic's patient list, by the operator through
//! the staff's test login, timed, with the audit rows it wrote.

use super::client::Client;
use super::seed::patient;
use super::{Bench, HttpError};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use std::time::{Duration, Instant};

const BOUNDARY: &str = "timebok-bench-boundary-7f3a9c";

/// The operator's session: the operator is the last user the staff's test login offers.
async fn operator(base: &str, timeout: Duration) -> Result<Client, HttpError> {
    let mut client = Client::with_timeout(base, timeout)?;
    let page = client.get("/personale/logg-inn").await?;
    let users = page.body.matches("name=\"user\"").count();
    let csrf = page.csrf().unwrap_or_default().to_owned();
    if page.status != StatusCode::OK || users == 0 {
        return Err(HttpError::Unexpected(format!(
            "the staff's test login answered {} with {users} users",
            page.status
        )));
    }
    let index = (users - 1).to_string();
    let answer = client
        .post_form("/personale/logg-inn", &[("csrf", &csrf), ("user", &index)])
        .await?;
    if answer.status != StatusCode::SEE_OTHER {
        return Err(HttpError::Unexpected(format!(
            "the operator's login answered {}",
            answer.status
        )));
    }
    Ok(client)
}

/// A multipart form with the CSRF token and the file.
fn form(csrf: &str, csv: &str) -> Vec<u8> {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"fil\"; filename=\"pasienter.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{BOUNDARY}--\r\n"
    )
    .into_bytes()
}

pub async fn register_import(bench: &mut Bench<'_>) -> Result<(), HttpError> {
    let count = bench.args.import_patients;
    let first = bench.clinic.patients.len();
    let mut csv = String::with_capacity(count * 26);
    for n in first..first + count {
        csv.push_str(patient(n)?.as_str());
        csv.push_str(";Ola;Nordmann\n");
    }
    let timeout = Duration::from_secs(bench.args.wait_seconds);
    let mut client = operator(&bench.server.base, timeout).await?;
    let path = format!("/register/klinikker/{}", bench.clinic.id);
    let page = client.get(&path).await?;
    let csrf = page.csrf().unwrap_or_default().to_owned();
    if page.status != StatusCode::OK || csrf.is_empty() {
        return Err(HttpError::Unexpected(format!(
            "the register's clinic page answered {}",
            page.status
        )));
    }
    let body = form(&csrf, &csv);
    let size = body.len();
    let audit_before = bench.direct.audit_rows().await?;
    let listed_before = bench.direct.listed_patients().await?;
    let content = HeaderValue::from_str(&format!("multipart/form-data; boundary={BOUNDARY}"))
        .map_err(|e| HttpError::Unexpected(e.to_string()))?;
    let cpu_before = bench.server.cpu_seconds();
    let started = Instant::now();
    let outcome = client
        .post(&format!("{path}/import"), &[(CONTENT_TYPE, content)], body)
        .await;
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = bench.server.cpu_seconds() - cpu_before;
    let audit = bench.direct.audit_rows().await? - audit_before;
    let listed = bench.direct.listed_patients().await? - listed_before;
    match outcome {
        Ok(answer) => {
            println!(
                "8. register import of {count} patients ({size} bytes of CSV): {} in {elapsed:.1} s, \
                 server CPU {cpu:.1} s, {listed} more patients listed, {audit} audit rows written",
                answer.status
            );
            let imported = usize::try_from(listed).is_ok_and(|listed| listed == count);
            if !imported {
                println!("  not every patient was listed");
                bench.failed = true;
            }
            if !answer.status.is_success() && !answer.status.is_redirection() {
                let detail: String = answer.body.chars().take(300).collect();
                println!("  answer: {detail}");
                bench.failed |= answer.status.is_server_error();
            }
        }
        Err(error) => {
            println!(
                "8. register import of {count} patients: FAILED after {elapsed:.1} s ({error}); \
                 {audit} audit rows written so far"
            );
            bench.failed = true;
        }
    }
    Ok(())
}
