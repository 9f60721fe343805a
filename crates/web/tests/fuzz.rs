//! Generated input for every route of the authorization table, sent in process (no sockets)
//! to the whole application: path parameters, query strings, form bodies, FHIR JSON bodies
//! and headers, as an anonymous visitor, a patient, a clinic's staff member, the operator or a
//! FHIR client. Every answer must be below 500 (a panic in a handler counts as a failure
//! too), and a refused request (4xx) must leave the database's fingerprint as it was (see
//! `common::fingerprint`).
//!
//! Generation is a small seeded generator (SplitMix64) rather than `proptest`: the cases run
//! one after another against one database whose state the successful ones change, so
//! shrinking one case alone would not reproduce it; what reproduces a failure is the seed
//! and the case's number, and the failing request is printed whole. The same seed gives the
//! same sequence of requests.
//!
//! - `TIMEBOK_FUZZ_SEED`: the seed (decimal or `0x…`); a fixed one by default, so CI runs
//!   the same cases every time.
//! - `TIMEBOK_FUZZ_CASES`: how many requests (default 3,000).
//! - `TIMEBOK_FUZZ_FINGERPRINT_EVERY`: check the fingerprint around every n-th case
//!   (default 2: every other case, which is still about a thousand refusals).
//!
//! A short hand-written corpus (`corpus`: FHIR dates at the ends of the timestamp range) is
//! sent first, every run, before the generated cases.

#![allow(
    clippy::too_many_lines,
    reason = "the generator reads best as one table of inputs per kind"
)]

mod common;

use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use common::fhir::{BOOKER, BOUND, BOUND_BOOKER, FODSELSNUMMER, READER};
use common::fingerprint::Fingerprinter;
use common::{Options, Portal, portal_with};
use serde_json::{Value, json};
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use timebok_web::authorization::{Audience, Rule};
use tower::ServiceExt;

const DEFAULT_SEED: u64 = 0x7469_6d65_626f_6b21;
const DEFAULT_CASES: usize = 3_000;

// ---------------------------------------------------------------------------------------
// The generator.

/// SplitMix64: small, fast, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).expect("n")).expect("index")
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Texts that have broken parsers and pages before: empty, long, control characters,
/// unusual Unicode, markup, numbers at and past the edges of their types.
fn nasty_text(rng: &mut Rng) -> Vec<u8> {
    const TEXTS: &[&str] = &[
        "",
        " ",
        "\t",
        "0",
        "-1",
        "1",
        "2",
        "1e30",
        "-1e30",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "99999999999999999999999999999999",
        "NaN",
        "inf",
        "1.5",
        "0x10",
        "+1",
        " 1 ",
        "٣",
        "１",
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "' OR '1'='1",
        "'; DROP TABLE appointment; --",
        "\u{0}",
        "a\u{0}b",
        "\u{1}\u{7}\u{1b}[31m",
        "\r\n",
        "line\nbreak",
        "\u{7f}",
        "\u{feff}",
        "\u{200b}",
        "\u{202e}abc",
        "\u{2066}x\u{2069}",
        "\u{fdd0}",
        "\u{ffff}",
        "\u{10ffff}",
        "\u{e000}",
        "e\u{301}\u{301}\u{301}",
        "😀👩‍👩‍👧",
        "æøå ÆØÅ",
        "%",
        "%%",
        "&",
        "=",
        "+",
        ";",
        ",",
        "../../etc/passwd",
        "//evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "{}",
        "[]",
        "null",
        "true",
        "Slot/1",
        "hold-1",
        "W/\"1\"",
        "{{ x }}",
        "${x}",
        "{ $x }",
    ];
    match rng.below(20) {
        0 => "a"
            .repeat(*rng.pick(&[199, 200, 201, 1000, 4001, 5001]))
            .into_bytes(),
        // Longer than this and a URI cannot carry it (the HTTP types' limit is 64 KiB).
        1 => "ø".repeat(*rng.pick(&[100, 2000, 8_000])).into_bytes(),
        2 => "9".repeat(*rng.pick(&[19, 20, 40, 400])).into_bytes(),
        3 => rng
            .pick::<&[u8]>(&[
                b"\xff\xfe",
                b"\xc3",
                b"\xed\xa0\x80",
                b"a\x80b",
                b"\xf4\x90\x80\x80",
            ])
            .to_vec(),
        4 => nasty_date(rng).into_bytes(),
        5 => {
            let mut text = String::new();
            for _ in 0..rng.below(12) {
                text.push(char::from_u32(rng.next() as u32 % 0x11_0000).unwrap_or('?'));
            }
            text.into_bytes()
        }
        _ => rng.pick(TEXTS).as_bytes().to_vec(),
    }
}

/// Dates and instants at the edges of what the calendar and the types can hold.
fn nasty_date(rng: &mut Rng) -> String {
    const DATES: &[&str] = &[
        "9999-12-31",
        "9999-12-30",
        "-9999-01-02",
        "-0001-01-01",
        "0000-01-01",
        "0000-00-00",
        "+10000-01-01",
        "-9999-01-01",
        "2025-02-30",
        "2025-13-01",
        "2025-12",
        "2025",
        "1970-01-01",
        "2025-01-01T00:00:00Z",
        "2025-01-01T00:00:00",
        "2025-01-01T25:00:00Z",
        "2025-01-01T23:59:60Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59+14:00",
        "-009999-01-01T00:00:00Z",
        // The first and last instants a timestamp can hold, and their neighbours.
        "-009999-01-02T01:59:59Z",
        "-009999-01-02T02:00:00Z",
        "9999-12-30T22:00:00.999999999Z",
        "9999-12-30T21:59:59Z",
        "0001-01-01T00:00:00-14:00",
        "2025-03-30T02:30:00+01:00",
        "2025-01-01T00:00:00.999999999+01:00",
        "2025-01-01T00:00:00+99:00",
        "08:00",
        "24:00",
        "23:59:60",
        "-1:00",
    ];
    let date = (*rng.pick(DATES)).to_owned();
    if rng.chance(30) {
        format!(
            "{}{date}",
            rng.pick(&["ge", "gt", "le", "lt", "eq", "ne", "sa"])
        )
    } else {
        date
    }
}

/// Percent-encodes for a query string or a form body (space as `+`).
fn form_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Percent-encodes for one path segment.
fn path_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'+' | b'$' => {
                out.push(char::from(b));
            }
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// The objects of the test's world, so that generated ids sometimes name real things.
struct World {
    appointment: String,
    fhir_appointment: String,
    thread: String,
    message: String,
    device: String,
    /// Kari's calendar link, as its file name `<token>.ics`.
    calendar: String,
    timebooks: Vec<String>,
    slots: Vec<String>,
    resource: String,
    day: String,
    patients: Vec<String>,
}

impl World {
    /// Real ids for the placeholder, by the segment before it.
    fn ids(&self, previous: &str, placeholder: &str) -> Vec<String> {
        // Ids are handed out in order, so small numbers also name what earlier cases made.
        let small = || (1..=6).map(|n| n.to_string()).collect::<Vec<_>>();
        let mut ids = match (previous, placeholder) {
            (_, "{message}") => vec![self.message.clone()],
            (_, "{action}") => vec!["avpubliser".into(), "publiser".into(), "slett".into()],
            (_, "{flow}") => vec!["pasient".into(), "personale".into(), "drift".into()],
            (_, "{code}") => vec!["nb".into(), "nn".into(), "en".into(), "se".into()],
            ("timeavtaler" | "kvittering", _) => {
                vec![self.appointment.clone(), self.fhir_appointment.clone()]
            }
            ("Appointment", _) => vec![self.appointment.clone(), self.fhir_appointment.clone()],
            ("meldinger" | "innboks", _) => vec![self.thread.clone()],
            ("push", _) => vec![self.device.clone()],
            ("timeboker" | "bestill", _) | (_, "{timebook}") => self.timebooks.clone(),
            ("timer", _) => self.slots.clone(),
            ("kalender", _) => vec![self.calendar.clone()],
            _ => small(),
        };
        if !placeholder.contains("action")
            && !placeholder.contains("flow")
            && !placeholder.contains("code")
        {
            ids.extend(small());
        }
        ids
    }

    /// A plausible value for a field or parameter, so that some requests get past the
    /// first check and reach the deeper ones.
    fn plausible(&self, rng: &mut Rng, field: &str) -> String {
        match field {
            "fodselsnummer" | "national_id" | "patient" => rng.pick(&self.patients).clone(),
            "patient.identifier" => format!("{FODSELSNUMMER}|{}", rng.pick(&self.patients)),
            "slot" | "tid" | "time" => rng.pick(&self.slots).clone(),
            "hold" => rng.pick(&["1", "2", "3", "hold-1"]).to_string(),
            "sok" => rng.pick(&self.patients).clone(),
            "person" | "representant" => {
                if rng.chance(20) {
                    "meg".into()
                } else {
                    rng.pick(&self.patients).clone()
                }
            }
            "linjer" => format!(
                "{};{};{}",
                rng.pick(&self.patients),
                rng.pick(&self.patients),
                rng.pick(&["forelder", "fullmakt", "venn"])
            ),
            "endre" | "endret" => rng.pick(&["1", "2", "3"]).to_string(),
            "skjema" => rng.pick(&["pasient", "time"]).to_string(),
            "versjon" => rng.pick(&["1", "2"]).to_string(),
            "reason" | "hva" | "emne" | "melding" | "begrunnelse" | "informasjon" => {
                rng.pick(&["Hei", "Vaksine", "Legen er syk"]).to_string()
            }
            "utfall" => rng.pick(&["fulfilled", "no_show", "booked"]).to_string(),
            "type" | "tjeneste" | "service-type" => rng
                .pick(&["vaksine", "lab", "koronatest", "koronavaksine"])
                .to_string(),
            "varsel" | "horisont" | "frist" | "maks" | "lengde" | "plasser" | "side" => {
                rng.pick(&["0", "1", "15", "30", "42", "1440"]).to_string()
            }
            "bekreftelse" => rng.pick(&["ja", "on"]).to_string(),
            "mate" => rng.pick(&["slots", "requests", "both"]).to_string(),
            "svar" => "Ring oss i januar.".into(),
            "sendt" => "ja".into(),
            "paminnelser" => rng
                .pick(&["48 t, 2 t", "24 t", "", "5 min", "2 t, 120 min"])
                .to_string(),
            "navn" => "Influensa".into(),
            "beskrivelse" => "Vaksine".into(),
            "adresse" => "Influensaveien 3a, 1325 Lysaker".into(),
            "kanal" => rng.pick(&["sms", "epost", "push", "ingen"]).to_string(),
            "mobil" | "telefon" => "+47 912 34 567".into(),
            "epost" => "kari@example.no".into(),
            "sprak" => rng.pick(&["nb", "nn", "en"]).to_string(),
            "endpoint" => "https://push.example.net/kari".into(),
            "p256dh" => common::VAPID_PUBLIC_KEY.into(),
            "auth" => "EvcWjEgzr4rbvhfi3yds0A".into(),
            "device" => "Telefon".into(),
            "her" => rng.pick(&["1001", "1003", "0"]).to_string(),
            "org" => "123456785".into(),
            "fornavn" | "etternavn" => "Nordmann".into(),
            "user" => rng.pick(&["0", "1", "2", "3"]).to_string(),
            "timebook" | "timebok" => rng.pick(&self.timebooks).clone(),
            "ressurs" | "sted" => self.resource.clone(),
            "dag" if rng.chance(50) => rng.pick(&["1", "2", "5", "7"]).to_string(),
            "dag" | "uke" | "forste" | "siste" | "start" | "date" => self.day.clone(),
            "fra" => "08:00".into(),
            "til" => "09:00".into(),
            "forhandsvis" | "avbestilt" | "avslatt" | "lagret" | "provd" => "1".into(),
            "venteliste" => rng
                .pick(&["ny", "allerede", "forlatt", "avslatt"])
                .to_string(),
            "maned" => self.day.get(..7).unwrap_or_default().to_owned(),
            "tilbake" => rng
                .pick(&[
                    "/timeavtaler",
                    "/bestill",
                    "//evil.example",
                    "https://evil.example",
                ])
                .to_string(),
            "schedule" => rng.pick(&["Schedule/1", "1", "Schedule/2"]).to_string(),
            "status" => rng.pick(&["free", "busy"]).to_string(),
            "_count" => rng.pick(&["1", "10", "0", "1000"]).to_string(),
            "_include" => "Slot:schedule".into(),
            "_since" => "2025-01-01T00:00:00Z".into(),
            "actor" => rng
                .pick(&["Location/1", "Location/2", "Practitioner/1"])
                .to_string(),
            _ => "1".into(),
        }
    }
}

/// Fields and parameters that hold a date, a time or an instant.
const DATE_FIELDS: &[&str] = &[
    "start", "date", "_since", "dag", "uke", "maned", "forste", "siste", "fra", "til",
];

/// A value for `field`: plausible two times in five, otherwise nasty (for a date, an
/// extreme or malformed one half the time).
fn value(rng: &mut Rng, world: &World, field: &str) -> Vec<u8> {
    if DATE_FIELDS.contains(&field) && rng.chance(50) {
        nasty_date(rng).into_bytes()
    } else if rng.chance(40) {
        world.plausible(rng, field).into_bytes()
    } else {
        nasty_text(rng)
    }
}

/// The query parameters each GET route's handler reads.
fn query_names(path: &str) -> &'static [&'static str] {
    match path {
        "/sprak/{code}" => &["tilbake"],
        "/innlogging/{flow}/svar" => &["code", "state", "error", "iss"],
        "/timeavtaler" => &["avbestilt", "venteliste"],
        "/timeavtaler/kalender" => &["avslatt"],
        "/bestill/{timebook}/venteliste" => &["sted"],
        "/klinikk/venteliste" => &["timebok"],
        "/timeonsker/{id}" => &["sendt"],
        "/klinikk/timeonsker/{id}" => &["sted", "dag"],
        "/bestill" | "/klinikk" | "/klinikk/timeboker" | "/klinikk/sperring" | "/register" => {
            &["melding"]
        }
        "/klinikk/innkalling" => &[
            "timebok", "melding", "sendt", "paminnet", "avvist", "avviste",
        ],
        "/bestill/{timebook}" => &["sted", "maned", "dag", "melding", "tid", "endre"],
        "/bestill/{timebook}/se-gjennom" => &["time", "hold", "endre"],
        "/bestill/kvittering/{id}" => &["endret"],
        "/varslinger" => &["lagret"],
        "/klinikk/publisering" => &[
            "ressurs",
            "dag",
            "fra",
            "til",
            "lengde",
            "plasser",
            "forste",
            "siste",
            "forhandsvis",
            "melding",
        ],
        "/klinikk/uke" => &["sted", "uke"],
        "/klinikk/bestill" => &["time"],
        "/klinikk/timeavtaler/{id}" => &["melding", "sted", "dag"],
        "/klinikk/bruk" | "/klinikk/bruk.csv" => &["timebok", "sted", "fra", "til"],
        "/register/klinikker/{id}" => &[
            "melding",
            "side",
            "lagt_til",
            "oppdatert",
            "uendret",
            "antall",
        ],
        "/register/varsler" => &["provd"],
        "/register/representasjon" => &["side", "melding", "antall"],
        "/fhir/Schedule" => &["actor", "service-type", "_count"],
        "/fhir/Slot" => &[
            "schedule", "status", "start", "_count", "_include", "_cursor",
        ],
        "/fhir/Appointment" => &["patient.identifier", "date"],
        p if p.starts_with("/fhir/$bulk-publish") || p.starts_with("/fhir/bulk") => &["_since"],
        p if p.starts_with("/fhir/") => &["_since", "_format"],
        _ => &["melding"],
    }
}

/// The form fields each POST route's handler reads.
fn form_fields(path: &str) -> &'static [&'static str] {
    match path {
        "/logg-inn" => &["patient", "national_id"],
        "/personale/logg-inn" => &["user"],
        "/bestill" => &["timebook"],
        "/bestill/{timebook}/hold" => &["slot", "endre"],
        "/bestill/{timebook}/send" => &["slot", "hold", "reason", "endre"],
        "/bestill/{timebook}/venteliste" => {
            &["sted", "dag", "dag", "fra", "til", "forste", "siste"]
        }
        "/venteliste/tilbud/{id}/bestill" => &["reason"],
        "/bestill/{timebook}/onske" => &["reason", "dag", "dag", "fra", "til", "forste", "siste"],
        "/klinikk/timeonsker/{id}/time" => &["time", "sted", "dag"],
        "/klinikk/timeonsker/{id}/svar" => &["svar"],
        "/klinikk/timeboker/{id}/bestillingsmate" => &["mate"],
        "/varslinger" => &["kanal", "mobil", "epost", "sprak"],
        "/varslinger/push" => &["endpoint", "p256dh", "auth", "device"],
        "/varslinger/push/slett" => &["endpoint"],
        "/meldinger/ny" => &["emne", "melding"],
        "/meldinger/{id}/svar" | "/klinikk/innboks/{id}/svar" => &["melding"],
        "/klinikk/timeavtaler/{id}/avlys" => &["begrunnelse", "tilbake"],
        "/klinikk/timeavtaler/{id}/utfall" => &["utfall"],
        "/klinikk/timeavtaler/{id}/flytt" => &["time", "versjon"],
        "/klinikk/pasienter" => &["sok"],
        "/klinikk/pasienter/velg" => &["fodselsnummer", "sted", "dag"],
        "/klinikk/bestill" => &["fodselsnummer", "time", "hva", "sted", "dag", "skjema"],
        "/klinikk/timeboker" => &["type"],
        "/klinikk/timeboker/info" => &["informasjon"],
        "/klinikk/timeboker/{id}/regler" => &["varsel", "horisont", "frist", "maks"],
        "/klinikk/timeboker/{id}/steder" => &["navn", "beskrivelse", "adresse"],
        "/klinikk/timeboker/{id}/varsler" => &["bekreftelse", "paminnelser"],
        "/klinikk/sperring" => &["fodselsnummer", "begrunnelse"],
        "/klinikk/innkalling" => &["timebok", "fra", "til", "melding", "fodselsnumre"],
        "/klinikk/sperring/opphev"
        | "/register/klinikker/{id}/pasienter/fjern"
        | "/register/logg" => &["fodselsnummer"],
        "/klinikk/publisering" => &[
            "ressurs",
            "dag",
            "dag",
            "fra",
            "til",
            "lengde",
            "plasser",
            "forste",
            "siste",
            "forhandsvis",
        ],
        "/register/klinikker" => &["her", "navn", "org", "telefon"],
        "/bytt-person" => &["person"],
        "/register/representasjon" => &["linjer"],
        "/register/representasjon/fjern" => &["representant", "person"],
        "/register/klinikker/{id}/tjenester" => &["tjeneste", "tjeneste"],
        "/register/klinikker/{id}/pasienter" => &["fodselsnummer", "fornavn", "etternavn"],
        "/register/klinikker/{id}/fastleger" => &["hpr", "fornavn", "etternavn"],
        "/register/klinikker/{id}/fastleger/liste" => &["fastlege", "pasienter"],
        _ => &[],
    }
}

/// Every name any handler reads, for parameters sent where they do not belong.
const ALL_NAMES: &[&str] = &[
    "melding",
    "tilbake",
    "code",
    "state",
    "slot",
    "hold",
    "time",
    "tid",
    "dag",
    "maned",
    "csrf",
    "fodselsnummer",
    "_since",
    "_count",
    "start",
    "date",
    "patient.identifier",
    "schedule",
    "side",
    "sok",
    "hva",
    "uke",
    "versjon",
    "skjema",
    "endre",
    "person",
    "linjer",
    "antall",
    "representant",
    "bekreftelse",
    "paminnelser",
    "avslatt",
    "venteliste",
    "sted",
    "hpr",
    "fastlege",
    "pasienter",
    "mate",
    "svar",
    "sendt",
];

/// Who sends a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Patient,
    Staff,
    Operator,
    Client,
}

const EVERYONE: [Who; 5] = [
    Who::Anonymous,
    Who::Patient,
    Who::Staff,
    Who::Operator,
    Who::Client,
];

/// One generated request.
struct Case {
    who: Who,
    rule: usize,
    method: Method,
    uri: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Vec<u8>,
}

impl Case {
    /// The request, as a failure message shows it.
    fn describe(&self) -> String {
        let mut text = format!("  as {:?}: {} {}\n", self.who, self.method, self.uri);
        for (name, value) in &self.headers {
            let shown = String::from_utf8_lossy(value.as_bytes());
            let shown = if shown.len() > 300 {
                format!(
                    "{}… ({} bytes)",
                    &shown[..shown.floor_char_boundary(300)],
                    shown.len()
                )
            } else {
                shown.into_owned()
            };
            let _ = writeln!(text, "  {name}: {shown:?}");
        }
        let body = String::from_utf8_lossy(&self.body);
        if body.len() > 2_000 {
            let _ = write!(
                text,
                "  body ({} bytes): {:?}…",
                self.body.len(),
                &body[..body.floor_char_boundary(2_000)]
            );
        } else {
            let _ = write!(text, "  body: {body:?}");
        }
        text
    }
}

/// What a visitor sends besides the request: its cookies and CSRF token, or its bearer
/// token.
#[derive(Clone, Default)]
struct Identity {
    cookies: BTreeMap<String, String>,
    csrf: String,
}

impl Identity {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take_cookies(&mut self, headers: &HeaderMap) {
        for value in headers.get_all("set-cookie") {
            let Some((pair, _)) = value
                .to_str()
                .ok()
                .map(|v| v.split_once(';').unwrap_or((v, "")))
            else {
                continue;
            };
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if value.is_empty() {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), value.to_owned());
            }
        }
    }
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// One request through the whole application, on a task of its own so that a panic is
/// caught and reported with its request.
async fn send(app: &axum::Router, request: Request<Body>) -> Result<Answer, String> {
    let app = app.clone();
    let task = tokio::spawn(async move {
        let response = app.oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|e| format!("body: {e}"))?;
        Ok::<_, String>(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    });
    match task.await {
        Ok(answer) => answer,
        Err(error) if error.is_panic() => {
            let payload = error.into_panic();
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Err(format!("panic: {message}"))
        }
        Err(error) => Err(format!("task: {error}")),
    }
}

fn request(method: Method, uri: &str, identity: &Identity, form: Option<String>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    if !identity.cookies.is_empty() {
        builder = builder.header("cookie", identity.cookie_header());
    }
    let body = match form {
        Some(form) => {
            builder = builder.header("content-type", "application/x-www-form-urlencoded");
            Body::from(form)
        }
        None => Body::empty(),
    };
    builder.body(body).expect("request")
}

/// A fresh visitor's cookies and CSRF token, then logged in by `form` at `path`.
async fn identity(app: &axum::Router, login: Option<(&str, &str, &str)>, home: &str) -> Identity {
    let mut id = Identity::default();
    let page = send(app, request(Method::GET, "/logg-inn", &id, None))
        .await
        .expect("login page");
    id.take_cookies(&page.headers);
    id.csrf = csrf_of(&page.body).expect("a CSRF token");
    if let Some((path, field, value)) = login {
        let form = format!("csrf={}&{field}={}", id.csrf, form_encode(value.as_bytes()));
        let answer = send(app, request(Method::POST, path, &id, Some(form)))
            .await
            .expect("login");
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "login at {path}");
        id.take_cookies(&answer.headers);
        let page = send(app, request(Method::GET, home, &id, None))
            .await
            .expect("home");
        assert_eq!(page.status, StatusCode::OK, "{home}");
        id.take_cookies(&page.headers);
        if let Some(csrf) = csrf_of(&page.body) {
            id.csrf = csrf;
        }
    }
    id
}

fn csrf_of(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let marker = "name=\"csrf\" value=\"";
    let start = text.find(marker)? + marker.len();
    text.get(start..start + 64).map(str::to_owned)
}

struct Identities {
    anonymous: Identity,
    patient: Identity,
    staff: Identity,
    operator: Identity,
    kari: String,
}

impl Identities {
    async fn log_in(app: &axum::Router, kari: &str) -> Self {
        Self {
            anonymous: identity(app, None, "/logg-inn").await,
            patient: identity(
                app,
                Some(("/logg-inn", "national_id", kari)),
                "/timeavtaler",
            )
            .await,
            staff: identity(app, Some(("/personale/logg-inn", "user", "0")), "/klinikk").await,
            operator: identity(app, Some(("/personale/logg-inn", "user", "2")), "/register").await,
            kari: kari.to_owned(),
        }
    }

    fn of(&self, who: Who) -> &Identity {
        match who {
            Who::Anonymous | Who::Client => &self.anonymous,
            Who::Patient => &self.patient,
            Who::Staff => &self.staff,
            Who::Operator => &self.operator,
        }
    }

    /// Logs `who` in again: a case at a login or logout route may have ended its session.
    async fn renew(&mut self, app: &axum::Router, who: Who) {
        match who {
            Who::Patient => {
                self.patient = identity(
                    app,
                    Some(("/logg-inn", "national_id", &self.kari)),
                    "/timeavtaler",
                )
                .await;
            }
            Who::Staff => {
                self.staff =
                    identity(app, Some(("/personale/logg-inn", "user", "0")), "/klinikk").await;
            }
            Who::Operator => {
                self.operator =
                    identity(app, Some(("/personale/logg-inn", "user", "2")), "/register").await;
            }
            Who::Anonymous | Who::Client => {}
        }
    }
}

/// Routes that open or end a session.
fn session_route(path: &str) -> bool {
    matches!(
        path,
        "/logg-inn" | "/logg-ut" | "/personale/logg-inn" | "/personale/logg-ut"
    )
}

fn header(name: &str, value: &[u8]) -> Option<(HeaderName, HeaderValue)> {
    // A header value cannot hold control characters; those become `?` (HTTP could not
    // carry them either).
    let cleaned: Vec<u8> = value
        .iter()
        .map(|&b| {
            if (b < 0x20 && b != b'\t') || b == 0x7f {
                b'?'
            } else {
                b
            }
        })
        .collect();
    Some((
        HeaderName::from_bytes(name.as_bytes()).ok()?,
        HeaderValue::from_bytes(&cleaned).ok()?,
    ))
}

/// The path with each `{…}` filled in: a real id half the time, otherwise a nasty one.
fn path(rng: &mut Rng, world: &World, template: &str) -> String {
    const SEGMENTS: &[&str] = &[
        "0",
        "-1",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "1e30",
        "99999999999999999999999999999",
        "1.5",
        "+1",
        "%2B1",
        "0x1",
        "abc",
        "%20",
        "%00",
        "%FF%FE",
        "%C3%A6%C3%B8%C3%A5",
        "%E2%80%AE1",
        "%EF%BF%BF",
        "..",
        "%2E%2E",
        "%2F",
        "a%2Fb",
        "%25",
        "%",
        "%G1",
        "hold-1",
        "Slot%2F1",
        "$hold",
        "metadata",
        "1;2",
        "1,2",
        "%0D%0A",
        "",
    ];
    let mut out = Vec::new();
    let mut previous = "";
    for segment in template.split('/') {
        if segment.starts_with('{') {
            let value = match rng.below(10) {
                0..=4 => rng.pick(&world.ids(previous, segment)).clone(),
                5 => path_encode(&nasty_text(rng)),
                6 => "1".repeat(*rng.pick(&[30, 1000, 9000])),
                _ => (*rng.pick(SEGMENTS)).to_owned(),
            };
            out.push(value);
        } else {
            out.push(segment.to_owned());
        }
        previous = segment;
    }
    let mut path = out.join("/");
    if rng.chance(3) {
        let tail: &&str = rng.pick(&["/", "//", "/..", "%2F", ";x=1"]);
        path.push_str(tail);
    }
    path
}

fn query(rng: &mut Rng, world: &World, template: &str) -> String {
    if rng.chance(30) {
        return String::new();
    }
    let names = query_names(template);
    let mut pairs = Vec::new();
    for _ in 0..=rng.below(5) {
        let name = match rng.below(10) {
            0..=6 => (*rng.pick(names)).to_owned(),
            7 | 8 => (*rng.pick(ALL_NAMES)).to_owned(),
            _ => form_encode(&nasty_text(rng)),
        };
        let value = match rng.below(20) {
            0 => "%".to_owned(),
            1 => "%G1%FF%C3".to_owned(),
            2 => form_encode(nasty_date(rng).as_bytes()),
            _ => form_encode(&value(rng, world, &name)),
        };
        let pair = match rng.below(20) {
            0 => name,
            1 => String::new(),
            _ => format!("{}={value}", form_encode(name.as_bytes())),
        };
        if rng.chance(10) {
            pairs.push(pair.clone());
        }
        pairs.push(pair);
    }
    format!("?{}", pairs.join("&"))
}

/// A form body with the route's fields, with or without the visitor's CSRF token.
fn form(rng: &mut Rng, world: &World, template: &str, csrf: &str) -> Vec<u8> {
    let mut pairs: Vec<Vec<u8>> = Vec::new();
    for field in form_fields(template) {
        if rng.chance(10) {
            continue;
        }
        let mut pair = form_encode(field.as_bytes()).into_bytes();
        pair.push(b'=');
        let value = if rng.chance(2) {
            "ø".repeat(40_000).into_bytes()
        } else {
            value(rng, world, field)
        };
        if rng.chance(5) {
            // Sent raw: bytes that are not UTF-8, a stray `%`.
            pair.extend(value);
        } else {
            pair.extend(form_encode(&value).into_bytes());
        }
        pairs.push(pair);
    }
    if rng.chance(10) {
        let name = form_encode(rng.pick(ALL_NAMES).as_bytes());
        pairs.push(format!("{name}={}", form_encode(&nasty_text(rng))).into_bytes());
    }
    if rng.chance(5) {
        pairs.push(
            rng.pick::<&[u8]>(&[b"%ZZ=1", b"novalue", b"=x", b"", b"a=%"])
                .to_vec(),
        );
    }
    let token = match rng.below(100) {
        0..=79 => Some(csrf.to_owned()),
        80..=84 => None,
        85..=89 => Some("forged".to_owned()),
        90..=94 => Some(form_encode(&nasty_text(rng))),
        _ => Some(format!("{csrf}&csrf=forged")),
    };
    if let Some(token) = token {
        let pair = format!("csrf={token}").into_bytes();
        if rng.chance(80) {
            pairs.insert(0, pair);
        } else {
            pairs.push(pair);
        }
    }
    pairs.join(&b'&')
}

/// A patient list as a file, for `…/import`.
fn import_body(rng: &mut Rng, world: &World, csrf: &str, boundary: &str) -> Vec<u8> {
    let mut body = Vec::new();
    if !rng.chance(10) {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            )
            .into_bytes(),
        );
    }
    let field = rng.pick(&["fil", "csv", "other", ""]);
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; \
             filename=\"liste.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .into_bytes(),
    );
    for _ in 0..rng.below(6) {
        let separator = rng.pick::<&[u8]>(&[b";", b",", b"\t", b";;"]);
        let mut line = value(rng, world, "fodselsnummer");
        line.extend(*separator);
        line.extend(value(rng, world, "fornavn"));
        line.extend(*separator);
        line.extend(value(rng, world, "etternavn"));
        line.extend(b"\r\n");
        body.extend(line);
    }
    if rng.chance(90) {
        body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    }
    body
}

/// A JSON value that is not what the field should hold.
fn nasty_json(rng: &mut Rng) -> Value {
    match rng.below(14) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(0),
        3 => json!(-1),
        4 => json!(1e308),
        5 => json!(i64::MAX),
        6 => json!(u64::MAX),
        7 => json!(1.5),
        8 => json!([]),
        9 => json!({}),
        10 => json!("x".repeat(*rng.pick(&[1_000, 100_000]))),
        11 => {
            let mut deep = json!("bunn");
            for _ in 0..*rng.pick(&[20, 127, 200]) {
                deep = json!([deep]);
            }
            deep
        }
        _ => Value::String(String::from_utf8_lossy(&nasty_text(rng)).into_owned()),
    }
}

/// Changes one node of `node`, up to `depth` levels down: replaced by something else,
/// removed, or given company.
fn mutate(rng: &mut Rng, node: &mut Value, depth: usize) {
    if depth > 0 {
        let child = match node {
            Value::Object(map) if !map.is_empty() => {
                let i = rng.below(map.len());
                map.values_mut().nth(i)
            }
            Value::Array(items) if !items.is_empty() => {
                let i = rng.below(items.len());
                items.get_mut(i)
            }
            _ => None,
        };
        if let Some(child) = child {
            return mutate(rng, child, depth - 1);
        }
    }
    let choice = rng.below(4);
    match (choice, node) {
        (0, Value::Object(map)) if !map.is_empty() => {
            let key = map.keys().nth(rng.below(map.len())).cloned().expect("key");
            map.remove(&key);
        }
        (1, Value::Object(map)) => {
            let key = rng
                .pick(&[
                    "resourceType",
                    "id",
                    "status",
                    "slot",
                    "participant",
                    "extra",
                    "meta",
                ])
                .to_string();
            map.insert(key, nasty_json(rng));
        }
        (2, Value::Array(items)) => {
            let copy = items.first().cloned().unwrap_or(Value::Null);
            items.push(copy);
        }
        (_, other) => *other = nasty_json(rng),
    }
}

/// A FHIR body for the route: an Appointment, a Parameters around one, a cancellation or a
/// JSON Patch, changed here and there, or not JSON at all.
fn fhir_body(rng: &mut Rng, world: &World, method: &Method, template: &str, id: &str) -> Vec<u8> {
    let slot = match rng.below(10) {
        0..=5 => format!("Slot/{}", rng.pick(&world.slots)),
        6 => format!(
            "https://timebok.example/fhir/Slot/{}",
            rng.pick(&world.slots)
        ),
        _ => format!("Slot/{}", String::from_utf8_lossy(&nasty_text(rng))),
    };
    let patient = if rng.chance(70) {
        rng.pick(&world.patients).clone()
    } else {
        String::from_utf8_lossy(&nasty_text(rng)).into_owned()
    };
    let system = if rng.chance(80) {
        FODSELSNUMMER.to_owned()
    } else {
        (*rng.pick(&["urn:oid:2.16.578.1.12.4.1.4.2", "", "urn:oid:1"])).to_owned()
    };
    let appointment = json!({
        "resourceType": "Appointment",
        "status": rng.pick(&["booked", "proposed", "pending", "cancelled", "fulfilled"]),
        "slot": [{ "reference": slot }],
        "participant": [{
            "actor": { "identifier": { "system": system, "value": patient } },
            "status": "accepted",
        }],
        "description": String::from_utf8_lossy(&value(rng, world, "reason")),
    });
    let mut body = if template == "/fhir/Appointment/{id}" && method == Method::PATCH {
        json!([
            { "op": "replace", "path": "/status", "value": "cancelled" },
            { "op": rng.pick(&["add", "replace", "remove", "test", "move"]), "path": "/cancelationReason",
              "value": { "text": String::from_utf8_lossy(&value(rng, world, "begrunnelse")) } },
        ])
    } else if template == "/fhir/Appointment/{id}" {
        let mut cancel = appointment;
        cancel["id"] = json!(id);
        cancel["status"] = json!("cancelled");
        cancel["cancelationReason"] =
            json!({ "text": String::from_utf8_lossy(&value(rng, world, "begrunnelse")) });
        cancel
    } else if template.ends_with("$hold") || template.ends_with("$book") {
        let mut inner = appointment;
        if template.ends_with("$book") {
            inner["id"] = json!(format!(
                "hold-{}",
                rng.pick(&["1", "2", "3", "0", "-1", "x"])
            ));
        }
        json!({
            "resourceType": "Parameters",
            "parameter": [{ "name": "appointment-resource", "resource": inner }],
        })
    } else {
        appointment
    };
    for _ in 0..rng.below(4) {
        let depth = rng.below(5);
        mutate(rng, &mut body, depth);
    }
    let mut text = body.to_string().into_bytes();
    match rng.below(20) {
        0 => text.truncate(rng.below(text.len())),
        1 => {
            text = rng
                .pick::<&[u8]>(&[
                    b"",
                    b"null",
                    b"[]",
                    b"{",
                    b"\xff\xfe{}",
                    b"1e999999",
                    b"\"\\ud800\"",
                    b"{\"resourceType\":\"Appointment\",\"resourceType\":\"Parameters\"}",
                    b"\xef\xbb\xbf{\"resourceType\":\"Appointment\"}",
                ])
                .to_vec();
        }
        2 => text = "[".repeat(100_000).into_bytes(),
        _ => {}
    }
    text
}

/// Headers anyone might send: languages, content types, forwarded addresses, garbage.
fn common_headers(rng: &mut Rng, headers: &mut Vec<(HeaderName, HeaderValue)>) {
    if rng.chance(20) {
        let value = match rng.below(6) {
            0 => b"nb".to_vec(),
            1 => b"en-US,en;q=0.9,nn;q=0.8".to_vec(),
            2 => b"*;q=abc,,,;".to_vec(),
            3 => "x".repeat(9_000).into_bytes(),
            4 => b"\xe6\xf8\xe5".to_vec(),
            _ => nasty_text(rng),
        };
        headers.extend(header("accept-language", &value));
    }
    if rng.chance(10) {
        let value = rng.pick::<&[u8]>(&[
            b"text/html",
            b"application/fhir+json",
            b"application/xml",
            b"*/*;q=x",
            b"",
        ]);
        headers.extend(header("accept", value));
    }
    if rng.chance(10) {
        let value = rng.pick::<&[u8]>(&[b"10.0.0.1", b"garbage", b"", b"1.2.3.4, ::1", b"\xff"]);
        headers.extend(header("x-forwarded-for", value));
    }
    if rng.chance(5) {
        let value = rng.pick::<&[u8]>(&[b"evil.example", b"", b"a:b:c", b"[::1]:99999"]);
        headers.extend(header("host", value));
    }
    if rng.chance(3) {
        headers.extend(header(
            "x-fuzz",
            &"a".repeat(*rng.pick(&[8_000, 64_000])).into_bytes(),
        ));
    }
}

/// The cookies sent: the identity's own, sometimes with garbage beside or instead of them.
fn cookie_header(rng: &mut Rng, identity: &Identity) -> Option<Vec<u8>> {
    let own = identity.cookie_header();
    if !rng.chance(15) {
        return (!own.is_empty()).then(|| own.into_bytes());
    }
    let garbage: Vec<u8> = match rng.below(8) {
        0 => [b"timebok_lang=".as_slice(), &nasty_text(rng)].concat(),
        1 => b"timebok_session=garbage; timebok_staff=garbage".to_vec(),
        2 => [b"timebok_return=".as_slice(), &nasty_text(rng)].concat(),
        3 => b"timebok_csrf=".to_vec(),
        4 => format!("timebok_session={}", "a".repeat(5_000)).into_bytes(),
        5 => b";;;=;".to_vec(),
        6 => b"timebok_lang=en; timebok_lang=nn".to_vec(),
        _ => nasty_text(rng),
    };
    Some(if rng.chance(50) || own.is_empty() {
        [garbage.as_slice(), b"; ", own.as_bytes()].concat()
    } else {
        [own.as_bytes(), b"; ", garbage.as_slice()].concat()
    })
}

/// Who sends a case for `rule`: mostly its own audience, sometimes anyone else.
fn who(rng: &mut Rng, rule: &Rule) -> Who {
    if rng.chance(30) {
        return *rng.pick(&EVERYONE);
    }
    match rule.audience {
        Audience::Anyone => *rng.pick(&EVERYONE),
        Audience::Patient | Audience::PatientMessages => Who::Patient,
        Audience::Staff => Who::Staff,
        Audience::Operator => Who::Operator,
        Audience::Client(_) | Audience::Feed | Audience::AnyClient => Who::Client,
    }
}

fn generate(rng: &mut Rng, world: &World, rules: &[Rule], ids: &Identities) -> Case {
    let index = rng.below(rules.len());
    let rule = &rules[index];
    let who = who(rng, rule);
    let identity = ids.of(who);
    let method = match rng.below(40) {
        0 if rule.method == Method::GET => Method::HEAD,
        1 => rng
            .pick(&[Method::DELETE, Method::OPTIONS, Method::PUT, Method::POST])
            .clone(),
        _ => rule.method.clone(),
    };
    let path = path(rng, world, rule.path);
    let id = path.rsplit('/').next().unwrap_or_default().to_owned();
    let uri = format!("{path}{}", query(rng, world, rule.path));
    let mut headers = Vec::new();
    let mut body = Vec::new();
    let fhir = rule.path == "/fhir" || rule.path.starts_with("/fhir/");
    if fhir {
        if who == Who::Client || rng.chance(10) {
            let value = match rng.below(20) {
                0 => b"Bearer".to_vec(),
                1 => b"Basic cmVhZGVyOnNlY3JldA==".to_vec(),
                2 => format!("bearer {READER}").into_bytes(),
                3 => format!("Bearer {BOOKER} ").into_bytes(),
                4 => format!("Bearer {}", "x".repeat(5_000)).into_bytes(),
                5 => [b"Bearer ".as_slice(), &nasty_text(rng)].concat(),
                6..=8 => format!(
                    "Bearer {}",
                    rng.pick(&[READER, BOOKER, BOUND, BOUND_BOOKER])
                )
                .into_bytes(),
                _ => {
                    let token = match rule.audience {
                        Audience::Client(timebok_web::fhir::Scope::Book) => BOOKER,
                        _ => READER,
                    };
                    format!("Bearer {token}").into_bytes()
                }
            };
            headers.extend(header("authorization", &value));
        }
        if (method == Method::PUT || method == Method::PATCH || rng.chance(5)) && rng.chance(85) {
            let value = rng.pick::<&[u8]>(&[
                b"W/\"1\"",
                b"W/\"2\"",
                b"\"1\"",
                b"1",
                b"-1",
                b"W/\"99999999999999999999\"",
                b"W/\"abc\"",
                b"*",
                b"",
                b"W/",
            ]);
            headers.extend(header("if-match", value));
        }
        if rng.chance(15) {
            let value = rng.pick::<&[u8]>(&[b"*", b"W/\"1\"", b"\"abc\"", b"", b"\xff"]);
            headers.extend(header("if-none-match", value));
        }
        if method == Method::POST && rng.chance(50) {
            let value = match rng.below(6) {
                0 => "k".repeat(201).into_bytes(),
                1 => b"".to_vec(),
                2 => nasty_text(rng),
                _ => format!("key-{}", rng.below(8)).into_bytes(),
            };
            headers.extend(header("idempotency-key", &value));
        }
        if matches!(method, Method::POST | Method::PUT | Method::PATCH) || rng.chance(5) {
            let content_type: &[u8] = match rng.below(12) {
                0 => b"application/json",
                1 => b"application/json-patch+json",
                2 => b"text/plain",
                3 => b"application/fhir+json; charset=latin1",
                4 => b"APPLICATION/FHIR+JSON",
                5 => b";;",
                6 => b"",
                _ if method == Method::PATCH => b"application/json-patch+json",
                _ => b"application/fhir+json",
            };
            headers.extend(header("content-type", content_type));
            body = fhir_body(rng, world, &method, rule.path, &id);
        }
        if who != Who::Client && who != Who::Anonymous {
            headers.extend(header("cookie", identity.cookie_header().as_bytes()));
        }
    } else {
        headers.extend(cookie_header(rng, identity).and_then(|c| header("cookie", &c)));
        if method != Method::GET && method != Method::HEAD {
            if rule.path == "/register/klinikker/{id}/import" && rng.chance(80) {
                let boundary = "fuzzgrense";
                body = import_body(rng, world, &identity.csrf, boundary);
                headers.extend(header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}").as_bytes(),
                ));
            } else {
                body = form(rng, world, rule.path, &identity.csrf);
                let content_type: Option<&[u8]> = match rng.below(20) {
                    0 => Some(b"text/plain".as_slice()),
                    1 => Some(b"application/json".as_slice()),
                    2 => Some(b"multipart/form-data; boundary=x".as_slice()),
                    3 => Some(b"multipart/form-data".as_slice()),
                    4 => Some(b"application/x-www-form-urlencoded; charset=ISO-8859-1".as_slice()),
                    5 => None,
                    _ => Some(b"application/x-www-form-urlencoded".as_slice()),
                };
                headers.extend(content_type.and_then(|c| header("content-type", c)));
            }
        } else if rng.chance(3) {
            body = nasty_text(rng);
        }
    }
    common_headers(rng, &mut headers);
    Case {
        who,
        rule: index,
        method,
        uri,
        headers,
        body,
    }
}

fn build(case: &Case) -> Option<Request<Body>> {
    let mut builder = Request::builder()
        .method(case.method.clone())
        .uri(&case.uri)
        .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    for (name, value) in &case.headers {
        builder = builder.header(name, value);
    }
    builder.body(Body::from(case.body.clone())).ok()
}

// ---------------------------------------------------------------------------------------
// The run.

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
    .or_else(|| panic!("{name}={text} is not a number"))
}

/// The portal for the run: the demo logins, FHIR clients, and rate limits out of the way,
/// so that cases reach the handlers instead of the limiter.
async fn fuzz_portal(db: Option<store::testing::TestDb>) -> Portal {
    portal_with(Options {
        demo_login: true,
        fhir: common::fhir::settings(),
        limits: timebok_web::limits::LimitSettings {
            logins_per_minute: 1_000_000,
            bookings_per_minute_per_patient: 1_000_000,
            bookings_per_minute_per_address: 1_000_000,
            bookings_per_minute_per_client: 1_000_000,
            messages_per_hour: 1_000_000,
            calendar_link_misses_per_minute: 1_000_000,
        },
        db,
        ..Options::default()
    })
    .await
}

/// The world's objects: an appointment booked in the portal and one through FHIR, a
/// message thread, a push subscription.
async fn world(portal: &Portal, app: &axum::Router, ids: &Identities) -> World {
    let kari = &ids.patient;
    let timebook = portal.timebook;
    let slot = portal.slots[0];
    let held = send(
        app,
        request(
            Method::POST,
            &format!("/bestill/{timebook}/hold"),
            kari,
            Some(format!("csrf={}&slot={slot}", kari.csrf)),
        ),
    )
    .await
    .expect("hold");
    let review = held
        .headers
        .get("location")
        .expect("review")
        .to_str()
        .expect("text");
    let hold = common::hold_id(review);
    let sent = send(
        app,
        request(
            Method::POST,
            &format!("/bestill/{timebook}/send"),
            kari,
            Some(format!(
                "csrf={}&slot={slot}&hold={hold}&reason=Vaksine",
                kari.csrf
            )),
        ),
    )
    .await
    .expect("send");
    let appointment = sent
        .headers
        .get("location")
        .expect("receipt")
        .to_str()
        .expect("text");
    let appointment = appointment.rsplit('/').next().expect("id").to_owned();
    let thread = send(
        app,
        request(
            Method::POST,
            "/meldinger/ny",
            kari,
            Some(format!("csrf={}&emne=Hei&melding=Hallo", kari.csrf)),
        ),
    )
    .await
    .expect("message");
    let thread = thread
        .headers
        .get("location")
        .expect("thread")
        .to_str()
        .expect("text");
    let thread = thread.rsplit('/').next().expect("id").to_owned();
    let message = common::kari_first_message(portal, &thread).await;
    let device = common::kari_push_device(portal).await;
    let booked = send(
        app,
        Request::builder()
            .method(Method::POST)
            .uri("/fhir/Appointment")
            .header("authorization", format!("Bearer {BOOKER}"))
            .header("content-type", "application/fhir+json")
            .body(Body::from(
                common::fhir::appointment(portal.slots[1], &portal.ola, Some("Vaksine"))
                    .to_string(),
            ))
            .expect("request"),
    )
    .await
    .expect("FHIR booking");
    assert_eq!(booked.status, StatusCode::CREATED, "{:?}", booked.body);
    let fhir_appointment: Value = serde_json::from_slice(&booked.body).expect("JSON");
    let fhir_appointment = fhir_appointment["id"].as_str().expect("id").to_owned();
    let token = "c".repeat(64);
    let token_hash: String = sha2::Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    portal
        .store
        .open_calendar_link(
            &domain::Caller::patient(portal.kari.clone()),
            &token_hash,
            "nb",
        )
        .await
        .expect("calendar link");
    World {
        appointment,
        fhir_appointment,
        thread,
        message,
        device,
        calendar: format!("{token}.ics"),
        timebooks: [portal.timebook, portal.lab_timebook, portal.other_timebook]
            .iter()
            .map(ToString::to_string)
            .collect(),
        slots: portal
            .slots
            .iter()
            .chain([&portal.foreign_slot, &portal.soon_slot])
            .map(ToString::to_string)
            .collect(),
        resource: portal.resource.to_string(),
        day: portal.day.to_string(),
        patients: [
            &portal.kari,
            &portal.ola,
            &portal.blocked,
            &common::person(9),
        ]
        .iter()
        .map(|p| p.as_str().to_owned())
        .collect(),
    }
}

/// Requests sent before the generated ones, every run: inputs at the edges that random
/// generation reaches only now and then.
fn corpus(world: &World) -> Vec<Case> {
    let kari = &world.patients[0];
    let read = |uri: String| Case {
        who: Who::Client,
        rule: usize::MAX,
        method: Method::GET,
        uri,
        headers: header("authorization", format!("Bearer {READER}").as_bytes())
            .into_iter()
            .collect(),
        body: Vec::new(),
    };
    let book = |uri: String| Case {
        headers: header("authorization", format!("Bearer {BOOKER}").as_bytes())
            .into_iter()
            .collect(),
        ..read(uri)
    };
    let mut cases = Vec::new();
    for start in [
        "9999-12-30",
        "gt9999-12-30T22:00:00.999999999Z",
        "le9999-12-30T22:00:00.999999999Z",
        "lt-009999-01-02T01:59:59Z",
        "-9999-01-02",
    ] {
        let start = form_encode(start.as_bytes());
        cases.push(read(format!(
            "/fhir/Slot?schedule=Schedule/1&start={start}"
        )));
        let patient = form_encode(format!("{FODSELSNUMMER}|{kari}").as_bytes());
        cases.push(book(format!(
            "/fhir/Appointment?patient.identifier={patient}&date={start}"
        )));
    }
    for since in [
        "-009999-01-02T01:59:59Z",
        "-009999-01-02T02:00:00Z",
        "9999-12-30T22:00:00.999999999Z",
    ] {
        let since = form_encode(since.as_bytes());
        cases.push(read(format!("/fhir/$bulk-publish?_since={since}")));
        cases.push(read(format!(
            "/fhir/$bulk-publish/Slot.ndjson?_since={since}"
        )));
    }
    cases
}

/// What a run found.
#[derive(Default)]
struct Report {
    sent: usize,
    /// Cases the HTTP types cannot even express (such as a URI they refuse).
    unbuildable: usize,
    statuses: BTreeMap<u16, usize>,
    fingerprinted: usize,
    failures: Vec<String>,
}

async fn run(db: Option<store::testing::TestDb>, seed: u64, cases: usize, every: usize) -> Report {
    let portal = fuzz_portal(db).await;
    let app = timebok_web::router(portal.state.clone());
    let mut ids = Identities::log_in(&app, portal.kari.as_str()).await;
    let world = world(&portal, &app, &ids).await;
    let mut prints = Fingerprinter::connect(&portal.db).await;
    let mut rng = Rng(seed);
    let mut report = Report::default();
    let mut fixed = corpus(&world).into_iter();
    for n in 0..cases {
        let case = match fixed.next() {
            Some(mut case) => {
                case.rule = rule_of(&portal.rules, &case);
                case
            }
            None => generate(&mut rng, &world, &portal.rules, &ids),
        };
        let Some(request) = build(&case) else {
            report.unbuildable += 1;
            continue;
        };
        let rule = &portal.rules[case.rule];
        let fingerprint = n % every.max(1) == 0;
        let before = if fingerprint {
            Some(prints.take().await)
        } else {
            None
        };
        let answer = send(&app, request).await;
        report.sent += 1;
        let failure = match &answer {
            Err(panic) => Some(panic.clone()),
            Ok(answer) if answer.status.is_server_error() => Some(format!(
                "{}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body[..answer.body.len().min(500)])
            )),
            Ok(answer) if answer.status.is_client_error() => match before {
                Some(before) => {
                    report.fingerprinted += 1;
                    let changes = before.changes(&prints.take().await);
                    (!changes.is_empty()).then(|| {
                        format!(
                            "{} changed the database: {}",
                            answer.status,
                            changes.join("; ")
                        )
                    })
                }
                None => None,
            },
            Ok(_) => None,
        };
        let failure = failure.or_else(|| answer.as_ref().ok().and_then(not_strict_fhir));
        if let Ok(answer) = &answer {
            *report.statuses.entry(answer.status.as_u16()).or_default() += 1;
        }
        if let Some(failure) = failure {
            report.failures.push(format!(
                "case {n} of seed {seed:#x} ({} {} for {:?}): {failure}\n{}",
                rule.method,
                rule.path,
                rule.audience,
                case.describe()
            ));
        }
        if session_route(rule.path) && case.who != Who::Anonymous {
            ids.renew(&app, case.who).await;
        }
    }
    portal.db.finish().await;
    report
}

/// The rule a hand-written case's path falls under.
fn rule_of(rules: &[Rule], case: &Case) -> usize {
    let path = case.uri.split('?').next().unwrap_or_default();
    rules
        .iter()
        .position(|rule| {
            rule.method == case.method && {
                let template: Vec<&str> = rule.path.split('/').collect();
                let actual: Vec<&str> = path.split('/').collect();
                template.len() == actual.len()
                    && template
                        .iter()
                        .zip(&actual)
                        .all(|(t, a)| t.starts_with('{') || t == a)
            }
        })
        .expect("a rule for the corpus case")
}

/// A FHIR JSON answer that breaks R4's JSON rules (an empty array, object or string, a
/// null), or that is not JSON; the others are captured for the validators, as the API tests'
/// answers are. A HEAD request's answer has no body to check.
fn not_strict_fhir(answer: &Answer) -> Option<String> {
    let fhir_json = answer
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/fhir+json"));
    if !fhir_json || answer.body.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&answer.body);
    match serde_json::from_str::<Value>(&text) {
        Ok(value) if common::fhir::is_strict(&value) => {
            common::fhir::capture_answer(&text, answer.status.as_u16());
            None
        }
        _ => Some(format!(
            "{}: not strict R4 JSON: {}",
            answer.status,
            &text[..text.floor_char_boundary(500)]
        )),
    }
}

fn settings() -> (u64, usize, usize) {
    let seed = env_number("TIMEBOK_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let cases = env_number("TIMEBOK_FUZZ_CASES")
        .map_or(DEFAULT_CASES, |n| usize::try_from(n).expect("cases"));
    let every = env_number("TIMEBOK_FUZZ_FINGERPRINT_EVERY")
        .map_or(2, |n| usize::try_from(n).expect("every"));
    (seed, cases, every)
}

fn conclude(name: &str, seed: u64, report: &Report) {
    eprintln!(
        "{name}: seed {seed:#x} (TIMEBOK_FUZZ_SEED), {} requests sent, {} not expressible, \
         {} refusals fingerprinted, statuses {:?}",
        report.sent, report.unbuildable, report.fingerprinted, report.statuses
    );
    assert!(
        report.failures.is_empty(),
        "{} failing cases (rerun with TIMEBOK_FUZZ_SEED={seed:#x}):\n\n{}",
        report.failures.len(),
        report.failures.join("\n\n")
    );
    assert!(
        report.fingerprinted > 0 || report.sent < 100,
        "no refusal was fingerprinted"
    );
}

#[tokio::test]
async fn generated_requests_get_no_server_error_and_refusals_change_nothing() {
    let (seed, cases, every) = settings();
    let report = run(None, seed, cases, every).await;
    conclude("SQLite", seed, &report);
}

/// A shorter run on PostgreSQL, where one is configured.
#[tokio::test]
async fn generated_requests_on_postgres() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let (seed, cases, every) = settings();
    let report = run(Some(db), seed ^ 1, cases / 4, every).await;
    conclude("PostgreSQL", seed ^ 1, &report);
}
