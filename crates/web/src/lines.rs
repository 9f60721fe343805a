//! Lines pasted into a form or uploaded as a file, one record a line: each read on its own,
//! each bad one rejected with its number and the reason, the report of rejected lines in the
//! reader's language. The register's list import and the clinic's innkalling both read
//! their lines here.

use crate::failure::{Failure, Kind};
use crate::texts::T;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;

/// Rejected lines a report names; more are counted, not listed.
pub const REPORTED_LINES: usize = 100;

/// The lines of a text, read.
pub struct Lines<E> {
    /// Each good line's number, from 1, and what it says.
    pub entries: Vec<(usize, E)>,
    /// Each bad line's number, from 1, and the message key saying what is wrong with it.
    pub rejected: Vec<(usize, &'static str)>,
    /// Lines that were not blank.
    pub count: usize,
}

/// Reads every line that is not blank with `read`; blank lines keep their numbers.
pub fn read_lines<E>(text: &str, read: impl Fn(&str) -> Result<E, &'static str>) -> Lines<E> {
    let mut lines = Lines {
        entries: Vec::new(),
        rejected: Vec::new(),
        count: 0,
    };
    for (number, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        lines.count += 1;
        match read(line) {
            Ok(entry) => lines.entries.push((number + 1, entry)),
            Err(reason) => lines.rejected.push((number + 1, reason)),
        }
    }
    lines
}

/// A line of the report for each rejected line, up to [`REPORTED_LINES`], then how many more.
pub fn report(t: T, rejected: &[(usize, &'static str)]) -> Vec<String> {
    let mut report: Vec<String> = rejected
        .iter()
        .take(REPORTED_LINES)
        .map(|(line, reason)| {
            t.args(
                "register-import-rejected",
                &[("line", &line.to_string()), ("reason", &t.get(reason))],
            )
        })
        .collect();
    if rejected.len() > REPORTED_LINES {
        let more = (rejected.len() - REPORTED_LINES).to_string();
        report.push(t.arg("register-import-more", "count", &more));
    }
    report
}

/// Every field of a form, as text, whether it came as `multipart/form-data` (a form with a
/// file to upload; the file's content is its field's value) or URL-encoded (the same form
/// sent without a file). A file's byte order mark is dropped; a field that is not UTF-8 is a
/// bad request.
pub async fn form_fields<S: Send + Sync>(
    t: T,
    request: Request,
    state: &S,
) -> Result<Vec<(String, String)>, Failure> {
    let bad = || Failure::new(t, Kind::BadRequest);
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let axum::Form(fields) = axum::Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(|_| bad())?;
        return Ok(fields);
    }
    let form = Multipart::from_request(request, state)
        .await
        .map_err(|_| bad())?;
    multipart_fields(t, form).await
}

/// Every field of a `multipart/form-data` form, as text: a file's content is its field's
/// value, without a byte order mark. A field that is not UTF-8 is a bad request.
pub async fn multipart_fields(t: T, mut form: Multipart) -> Result<Vec<(String, String)>, Failure> {
    let bad = || Failure::new(t, Kind::BadRequest);
    let mut fields = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|_| bad())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
        fields.push((name, text.trim_start_matches('\u{feff}').to_owned()));
    }
    Ok(fields)
}

/// The values of the fields named `names`, in the order they came, one line after another.
pub fn joined(fields: &[(String, String)], names: &[&str]) -> String {
    let mut text = String::new();
    for (_, value) in fields.iter().filter(|(n, _)| names.contains(&n.as_str())) {
        text.push_str(value);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::{REPORTED_LINES, read_lines, report};
    use crate::texts::T;

    #[test]
    fn a_file_of_bad_lines_reports_the_first_hundred_and_counts_the_rest() {
        let text = "1;A;B\n\n".repeat(130);
        let lines = read_lines(&text, |_| Err::<(), _>("register-import-bad-id"));
        assert_eq!((lines.count, lines.rejected.len()), (130, 130));
        assert_eq!(lines.rejected[1].0, 3, "blank lines keep their numbers");
        let report = report(T(i18n::Lang::Nb), &lines.rejected);
        assert_eq!(report.len(), REPORTED_LINES + 1);
        assert_eq!(report[0], "Linje 1: ugyldig fødselsnummer");
        assert_eq!(report[REPORTED_LINES], "… og 30 linjer til");
    }

    #[test]
    fn good_lines_keep_their_numbers() {
        let lines = read_lines("a\n\nb\nx\n", |l| {
            if l == "x" {
                Err("register-import-bad-id")
            } else {
                Ok(l.to_owned())
            }
        });
        assert_eq!(
            lines.entries,
            vec![(1, "a".to_owned()), (3, "b".to_owned())]
        );
        assert_eq!(lines.rejected, vec![(4, "register-import-bad-id")]);
    }
}
