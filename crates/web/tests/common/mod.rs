//! A portal with two clinics on a fresh database, served over real HTTP, and a browser-like
//! client that keeps cookies.

#![allow(
    dead_code,
    reason = "each test binary uses a part of the common harness"
)]
#![allow(
    clippy::too_many_lines,
    reason = "the harness builds, in order, the one world every test starts from"
)]

pub mod fhir;
pub mod fingerprint;
pub mod keys;
pub mod provider;

use domain::{
    Actor, Address, BlockReason, BookingRules, Capacity, ClinicName, Description, HerId, InfoText,
    NationalId, PersonName, ResourceName, SlotLength, TimebookKind,
};
use jiff::Timestamp;
use jiff::civil::Date;
use std::sync::Arc;
use store::testing::TestDb;
use store::{NewSlot, Store, SystemClock};

pub struct Portal {
    pub base: String,
    pub store: Arc<dyn Store>,
    pub timebook: i64,
    pub lab_timebook: i64,
    pub other_timebook: i64,
    pub slots: Vec<i64>,
    /// «Influensa» of the Vaksine timebook.
    pub resource: i64,
    pub foreign_slot: i64,
    /// Starts in two hours: inside the 24-hour cancellation deadline.
    pub soon_slot: i64,
    pub day: Date,
    pub kari: NationalId,
    pub ola: NationalId,
    pub blocked: NationalId,
    pub db: TestDb,
    /// Every route and who it is for.
    pub rules: Vec<timebok_web::authorization::Rule>,
    pub state: timebok_web::AppState,
    pub clock: Arc<dyn store::Clock>,
}

pub fn person(n: u16) -> NationalId {
    NationalId::synthetic(jiff::civil::date(1980, 1, 1), n).expect("id")
}

/// A clinic with a Vaksine and a Lab timebook, three slots on one day three days from now,
/// and a second clinic whose slot nobody here may touch.
pub async fn portal(demo_login: bool) -> Portal {
    portal_with_limits(demo_login, timebok_web::limits::LimitSettings::default()).await
}

/// The portal with the given rate limits.
pub async fn portal_with_limits(
    demo_login: bool,
    limits: timebok_web::limits::LimitSettings,
) -> Portal {
    portal_with(Options {
        demo_login,
        limits,
        ..Options::default()
    })
    .await
}

/// How a test's portal differs from the usual one.
pub struct Options {
    pub demo_login: bool,
    pub limits: timebok_web::limits::LimitSettings,
    pub oidc: timebok_web::oidc::OidcSettings,
    pub clock: Arc<dyn store::Clock>,
    /// Where to serve, when the test must know the address before the portal is built.
    pub listener: Option<tokio::net::TcpListener>,
    pub fhir: timebok_web::fhir::FhirSettings,
    /// The database to use; a new SQLite file unless given.
    pub db: Option<TestDb>,
    /// The FHIR API's share of the server.
    pub api: timebok_web::ApiSettings,
    /// A configured public URL; without one, the server's own address stands in for it and
    /// forms are judged by the request's `Host`.
    pub public_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            demo_login: false,
            limits: timebok_web::limits::LimitSettings::default(),
            oidc: timebok_web::oidc::OidcSettings::default(),
            clock: Arc::new(SystemClock),
            listener: None,
            fhir: timebok_web::fhir::FhirSettings::default(),
            db: None,
            // Tests fire hundreds of requests at once to show bookings stay exact; the API's
            // budget has a test of its own.
            api: timebok_web::ApiSettings {
                max_concurrent_requests: 1_000,
                queue_wait_ms: 0,
            },
            public_url: None,
        }
    }
}

/// The key CSRF tokens are made with in the tests, as a configuration would give it.
pub const CSRF_KEY: &str = "the-tests-csrf-key-0123456789abcdef";

/// The two clinics, each with a Vaksine and a Lab timebook and the place «Influensa».
async fn seed_clinics(
    store: &dyn Store,
    rules: BookingRules,
) -> Vec<(domain::Clinic, Vec<(domain::Timebook, domain::Resource)>)> {
    let system = Actor::System;
    let mut clinics = Vec::new();
    for (her, name) in [
        (1_001, "Helsenorge testlegekontor"),
        (1_002, "Et annet legekontor"),
    ] {
        let clinic = store
            .save_clinic(
                &system,
                HerId::new(her).expect("her"),
                &ClinicName::parse(name).expect("name"),
                &InfoText::parse("Velkommen til oss").expect("info"),
            )
            .await
            .expect("clinic");
        if her == 1_001 {
            store
                .set_phone(
                    &system,
                    clinic.id,
                    Some(&domain::PhoneNumber::parse("22 33 44 55").expect("phone")),
                )
                .await
                .expect("phone");
            store
                .set_municipality(
                    &system,
                    clinic.id,
                    Some(&domain::Municipality::parse("3201", "Bærum").expect("municipality")),
                )
                .await
                .expect("municipality");
        }
        let location = store
            .save_location(
                &system,
                clinic.id,
                &Address::parse("Influensaveien 3a, 1325 Lysaker").expect("addr"),
            )
            .await
            .expect("location");
        let mut books = Vec::new();
        for kind in [TimebookKind::Vaksine, TimebookKind::Lab] {
            let timebook = store
                .save_timebook(&system, clinic.id, kind, rules)
                .await
                .expect("timebook");
            let resource = store
                .save_resource(
                    &system,
                    timebook.id,
                    &store::NewPlace {
                        name: &ResourceName::parse("Influensa").expect("name"),
                        description: &Description::parse(
                            "Dette er en influensavaksine som vises på Helsenorge",
                        )
                        .expect("d"),
                        practitioner: None,
                    },
                    &location,
                )
                .await
                .expect("resource");
            books.push((timebook, resource));
        }
        clinics.push((clinic, books));
    }
    clinics
}

/// The application's settings for a test: the demo's logins for Kari and the clinics' staff.
fn app_settings(
    base: &str,
    public_url: Option<&str>,
    demo_login: bool,
    kari: &NationalId,
    clinics: &[(domain::Clinic, Vec<(domain::Timebook, domain::Resource)>)],
    (limits, oidc, fhir, api): (
        timebok_web::limits::LimitSettings,
        timebok_web::oidc::OidcSettings,
        timebok_web::fhir::FhirSettings,
        timebok_web::ApiSettings,
    ),
) -> timebok_web::AppSettings {
    timebok_web::AppSettings {
        public_url: timebok_web::PublicUrl::parse(public_url.unwrap_or(base)).expect("url"),
        public_url_configured: public_url.is_some(),
        csrf_key: timebok_web::CsrfKey::parse(CSRF_KEY).expect("key"),
        id_policy: domain::IdPolicy::TEST,
        demo_login,
        demo_patients: vec![("Kari Nordmann".into(), kari.clone())],
        demo_staff: vec![
            (
                "Resepsjonen".into(),
                Actor::Staff {
                    clinic_id: clinics[0].0.id,
                    user: "resepsjon".into(),
                },
            ),
            (
                "Et annet kontor".into(),
                Actor::Staff {
                    clinic_id: clinics[1].0.id,
                    user: "annen".into(),
                },
            ),
            (
                "Operatør".into(),
                Actor::Operator {
                    user: "drift".into(),
                },
            ),
        ],
        secure_cookies: false,
        hsts: true,
        push: Some(timebok_web::PushSettings {
            public_key: VAPID_PUBLIC_KEY.into(),
            // Any public host: the tests' endpoints are on push.example.net.
            targets: domain::PushTargetPolicy::any_public_host(),
        }),
        rate_limits: limits,
        client_address_header: Some("x-forwarded-for".into()),
        request_id_header: None,
        oidc,
        fhir,
        api,
    }
}

pub async fn portal_with(options: Options) -> Portal {
    let Options {
        demo_login,
        limits,
        oidc,
        clock,
        listener,
        fhir,
        db,
        api,
        public_url,
    } = options;
    let db = match db {
        Some(db) => db,
        None => TestDb::sqlite().await,
    };
    let store = db.open(clock.clone()).await;
    let system = Actor::System;
    let rules = BookingRules::new(0, 60, 24 * 60, 1).expect("rules");
    let clinics = seed_clinics(store.as_ref(), rules).await;
    let zone = domain::clinic_time_zone().expect("tz");
    let day = clock
        .now()
        .to_zoned_datetime(zone.clone())
        .date()
        .checked_add(jiff::Span::new().days(3))
        .expect("day");
    let at = |hour: i8, minute: i8| {
        zone.to_ambiguous_timestamp(day.at(hour, minute, 0, 0))
            .compatible()
            .expect("ts")
    };
    let mut slots = Vec::new();
    for (h, m) in [(8, 0), (8, 15), (8, 30)] {
        let slot = store
            .add_slot(
                &system,
                NewSlot {
                    resource_id: clinics[0].1[0].1.id,
                    start: at(h, m),
                    length: SlotLength::minutes(15).expect("len"),
                    capacity: Capacity::ONE,
                },
            )
            .await
            .expect("slot");
        slots.push(slot.id.0);
    }
    let foreign = store
        .add_slot(
            &system,
            NewSlot {
                resource_id: clinics[1].1[0].1.id,
                start: at(8, 0),
                length: SlotLength::minutes(15).expect("len"),
                capacity: Capacity::ONE,
            },
        )
        .await
        .expect("slot");
    let in_two_hours =
        Timestamp::from_second(clock.now().as_second() / 60 * 60 + 7200).expect("ts");
    let soon = store
        .add_slot(
            &system,
            NewSlot {
                resource_id: clinics[0].1[1].1.id,
                start: in_two_hours,
                length: SlotLength::minutes(15).expect("len"),
                capacity: Capacity::ONE,
            },
        )
        .await
        .expect("slot");
    let (kari, ola, blocked) = (person(1), person(2), person(3));
    for (id, first) in [(&kari, "Kari"), (&ola, "Ola"), (&blocked, "Per")] {
        store
            .list_patient(
                &system,
                clinics[0].0.id,
                id,
                &PersonName::parse(first).expect("n"),
                &PersonName::parse("Nordmann").expect("n"),
            )
            .await
            .expect("list");
    }
    store
        .block_patient(
            &system,
            clinics[0].0.id,
            &blocked,
            &BlockReason::parse("Misbruk").expect("r"),
        )
        .await
        .expect("block");

    let listener = match listener {
        Some(listener) => listener,
        None => tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind"),
    };
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let settings = app_settings(
        &base,
        public_url.as_deref(),
        demo_login,
        &kari,
        &clinics,
        (limits, oidc, fhir, api),
    );
    let state =
        timebok_web::AppState::build(store.clone(), clock.clone(), settings).expect("application");
    let rules = timebok_web::route_table(state.clone());
    tokio::spawn(timebok_web::serve(
        state.clone(),
        listener,
        std::future::pending(),
    ));
    Portal {
        base,
        store,
        timebook: clinics[0].1[0].0.id.0,
        lab_timebook: clinics[0].1[1].0.id.0,
        other_timebook: clinics[1].1[0].0.id.0,
        slots,
        resource: clinics[0].1[0].1.id.0,
        foreign_slot: foreign.id.0,
        soon_slot: soon.id.0,
        day,
        kari,
        ola,
        blocked,
        db,
        rules,
        state,
        clock,
    }
}

impl Portal {
    /// Another server on the same database with its own connections, as a second process
    /// would be; returns its base URL.
    pub async fn second_server(&self) -> String {
        self.second_server_with_store().await.0
    }

    /// Another server on the same database, with the store it serves from: its own pool,
    /// for what that server's background work would do (a worker's waitlist pass, say).
    pub async fn second_server_with_store(&self) -> (String, Arc<dyn Store>) {
        let store = self.db.open(self.clock.clone()).await;
        let state = self.state.on_store(store.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(timebok_web::serve(state, listener, std::future::pending()));
        (base, store)
    }
}

/// The first message of one of Kari's threads (its id as the path has it).
impl Portal {
    /// One number the SQLite database answers `statement` with, read behind the pages' back.
    pub async fn number(&self, statement: &str) -> i64 {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&self.db.url)
            .await
            .expect("connect");
        sqlx::query_scalar(sqlx::AssertSqlSafe(statement.to_owned()))
            .fetch_one(&mut conn)
            .await
            .expect(statement)
    }

    /// Changes the SQLite database behind the pages' back, as a test's set-up.
    pub async fn execute(&self, statement: &str) {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&self.db.url)
            .await
            .expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement.to_owned()))
            .execute(&mut conn)
            .await
            .expect(statement);
    }
}

/// A child born on 1 March `year`, on the portal's clinic's list as «Ola Nordmann», whose
/// parent the register says `parent` is.
pub async fn represented_child(portal: &Portal, parent: &NationalId, year: i16) -> NationalId {
    let child = NationalId::synthetic(
        jiff::civil::date(year, 3, 1),
        u16::try_from(year % 500).expect("individual number"),
    )
    .expect("child");
    let name = |text: &str| domain::PersonName::parse(text).expect("name");
    let clinic = portal
        .number(&format!(
            "SELECT clinic_id FROM timebook WHERE id = {}",
            portal.timebook
        ))
        .await;
    portal
        .store
        .list_patient(
            &domain::Actor::System,
            domain::ClinicId(clinic),
            &child,
            &name("Ola"),
            &name("Nordmann"),
        )
        .await
        .expect("listed");
    portal
        .store
        .import_relations(
            &domain::Actor::Operator {
                user: "register".into(),
            },
            &[store::NewRelation {
                representative: parent.clone(),
                person: child.clone(),
                kind: domain::RelationKind::Parent,
                last_day: None,
            }],
        )
        .await
        .expect("relation");
    child
}

pub async fn kari_first_message(portal: &Portal, thread: &str) -> String {
    portal
        .store
        .patient_thread(&portal.kari, domain::ThreadId(thread.parse().expect("n")))
        .await
        .expect("thread")
        .messages[0]
        .id
        .0
        .to_string()
}

/// A push device of Kari's, registered through the store; its id.
pub async fn kari_push_device(portal: &Portal) -> String {
    portal
        .store
        .add_push_subscription(
            &portal.kari,
            &domain::PushSubscription::parse(
                "https://push.example.net/kari",
                VAPID_PUBLIC_KEY,
                "EvcWjEgzr4rbvhfi3yds0A",
                &domain::PushTargetPolicy::any_public_host(),
            )
            .expect("subscription"),
            "Telefon",
        )
        .await
        .expect("device")
        .id
        .to_string()
}

/// A VAPID public key for the settings page; nothing is sent with it here.
pub const VAPID_PUBLIC_KEY: &str =
    "BGa4N1PI79lboMR_YrwCiCsgp35DRvedt7opHcf0yM3iOBTSoQYqQLwWxAfRKE6tsDnReWmhsImkhDF_DBdkNSU";

/// A browser-like client: keeps cookies, does not follow redirects so tests can see them.
pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl Browser {
    pub fn new(portal: &Portal) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            http,
            base: portal.base.clone(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(reqwest::Method::POST, path, form).await
    }

    /// Sends a form with any method, as a forged request might.
    pub async fn send(&self, method: reqwest::Method, path: &str, form: &[(&str, &str)]) -> Page {
        Self::page(
            self.http
                .request(method, format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    /// An answer as a page: its status, where it redirects, its body.
    pub async fn page(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Page {
            status,
            location,
            body: response.text().await.expect("body"),
        }
    }

    /// Posts a form with one file, as a browser sends `<input type="file">`.
    pub async fn post_file(
        &self,
        path: &str,
        csrf: &str,
        field: &'static str,
        content: &str,
    ) -> Page {
        let part = reqwest::multipart::Part::text(content.to_owned()).file_name("liste.csv");
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.to_owned())
            .part(field, part);
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .multipart(form)
            .send()
            .await
            .expect("POST");
        Self::page(response).await
    }

    /// The CSRF token of this browser, from whatever page it may read.
    pub async fn csrf_or_login_page(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        for path in [
            "/timeavtaler",
            "/klinikk",
            "/register",
            "/logg-inn",
            "/personale/logg-inn",
        ] {
            let page = self.get(path).await;
            if page.status == 200
                && let Some(start) = page.body.find(marker)
            {
                let start = start + marker.len();
                return page.body[start..start + 64].to_owned();
            }
        }
        panic!("no page with a CSRF token");
    }

    /// The CSRF token the portal put in its forms.
    pub async fn csrf(&self) -> String {
        let page = self.get("/timeavtaler").await;
        let page = if page.status == 200 {
            page
        } else {
            self.get("/logg-inn").await
        };
        let marker = "name=\"csrf\" value=\"";
        let start = page.body.find(marker).expect("a form with a CSRF token") + marker.len();
        page.body[start..start + 64].to_owned()
    }

    pub async fn log_in(&self, patient: &NationalId) {
        let csrf = self.csrf().await;
        let page = self
            .post(
                "/logg-inn",
                &[("csrf", &csrf), ("national_id", patient.as_str())],
            )
            .await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (303, Some("/timeavtaler")),
            "{}",
            page.body
        );
    }

    /// Logs in as `representative`, who lands on «Bytt person», and chooses `person`.
    pub async fn log_in_to_act_for(&self, representative: &NationalId, person: &NationalId) {
        let csrf = self.csrf().await;
        let page = self
            .post(
                "/logg-inn",
                &[("csrf", &csrf), ("national_id", representative.as_str())],
            )
            .await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (303, Some("/bytt-person")),
            "{}",
            page.body
        );
        let csrf = self.csrf().await;
        let chosen = self
            .post(
                "/bytt-person",
                &[("csrf", &csrf), ("person", person.as_str())],
            )
            .await;
        assert_eq!(
            (chosen.status, chosen.location.as_deref()),
            (303, Some("/timeavtaler")),
            "{}",
            chosen.body
        );
    }

    /// Logs in as the `index`th user of the staff's test login.
    pub async fn staff_log_in(&self, index: usize) {
        let csrf = self.csrf().await;
        let page = self
            .post(
                "/personale/logg-inn",
                &[("csrf", &csrf), ("user", &index.to_string())],
            )
            .await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (303, Some("/klinikk")),
            "{}",
            page.body
        );
    }

    /// Logs in as the register's operator.
    pub async fn operator_log_in(&self) {
        let csrf = self.csrf().await;
        let page = self
            .post("/personale/logg-inn", &[("csrf", &csrf), ("user", "2")])
            .await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (303, Some("/register")),
            "{}",
            page.body
        );
    }

    /// Holds a slot, sends «Hva gjelder det?» and returns the new appointment's id.
    pub async fn book(&self, timebook: i64, slot: i64, reason: &str) -> String {
        let receipt = self.book_with(timebook, slot, reason, &[]).await;
        receipt.rsplit('/').next().expect("id").to_owned()
    }

    /// Holds a slot with `extra` in the hold form (a slot finder's referral, say), sends the
    /// booking, and returns where it led: the receipt's path.
    pub async fn book_with(
        &self,
        timebook: i64,
        slot: i64,
        reason: &str,
        extra: &[(&str, &str)],
    ) -> String {
        let review = self
            .hold_with(timebook, slot, extra)
            .await
            .location
            .expect("review");
        let csrf = self.csrf().await;
        let form = [
            ("csrf", csrf.as_str()),
            ("slot", &slot.to_string()),
            ("hold", &hold_id(&review)),
            ("reason", reason),
        ];
        let sent = self.post(&format!("/bestill/{timebook}/send"), &form).await;
        sent.location.expect("receipt")
    }

    /// Holds a slot and returns the review page's path.
    pub async fn hold(&self, timebook: i64, slot: i64) -> Page {
        self.hold_with(timebook, slot, &[]).await
    }

    /// Holds a slot with `extra` in the hold form.
    pub async fn hold_with(&self, timebook: i64, slot: i64, extra: &[(&str, &str)]) -> Page {
        let csrf = self.csrf().await;
        let slot = slot.to_string();
        let mut form = vec![("csrf", csrf.as_str()), ("slot", slot.as_str())];
        form.extend_from_slice(extra);
        self.post(&format!("/bestill/{timebook}/hold"), &form).await
    }
}

pub fn hold_id(location: &str) -> String {
    let after = location.rsplit("hold=").next().expect("hold id");
    after.split('&').next().unwrap_or(after).to_owned()
}
