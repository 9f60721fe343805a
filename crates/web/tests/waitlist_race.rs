//! «Venteliste» raced over real HTTP: two servers on one PostgreSQL database, each with its own
//! connections and its own waitlist pass (as each server's notification worker runs it).
//! Round after round, at the same moment: patients cancel on both servers; patients who are
//! not waiting hold and book the freed places, two at one place at once, one on each server;
//! those offered a place accept or decline it on the other server than they joined on (one
//! of them presses both at once); and both servers' passes run.
//!
//! After each round the database must show at most one open offer per slot and per entry;
//! no offer of a place another patient holds, or that is booked; no slot over its capacity;
//! every accepted offer one booked appointment; nobody offered a slot twice; every free place
//! offered; and the line kept: nobody behind got a place while someone ahead, free to take
//! it, went without.

#![allow(
    clippy::too_many_lines,
    reason = "a test reads as one scenario, from its set-up to its last assertion"
)]

mod common;

use common::{Browser, Options, Page, Portal, person, portal_with};
use domain::{Actor, Caller, Capacity, NationalId, PersonName, Reason, SlotId, SlotLength};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use store::{BookRequest, NewSlot, Store};
use tokio::sync::Barrier;

/// The raced day's slots, a quarter of an hour apart; the first has two places.
const SLOTS: usize = 16;
/// Patients on the waitlist, all for any time of the raced day.
const WAITING: u16 = 8;
const ROUNDS: usize = 6;
const CANCELLED_PER_ROUND: usize = 4;
/// Patients who are not waiting and race for the earliest freed places each round: in pairs,
/// the two of a pair at one place at once, one on each server. The last pair only holds: it
/// is still reviewing when the round ends. Fewer pairs than places cancelled: the latest
/// place freed each round is one only the line goes for.
const PAIRS_PER_ROUND: usize = 3;

/// A patient with one cookie jar for both servers: logged in once, they act on either, as a
/// load balancer would send them.
struct Person {
    id: NationalId,
    http: reqwest::Client,
}

impl Person {
    async fn logged_in(id: NationalId, base: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let person = Self { id, http };
        person.on(base).log_in(&person.id).await;
        person
    }

    fn on(&self, base: &str) -> Browser {
        Browser {
            http: self.http.clone(),
            base: base.to_owned(),
        }
    }

    /// The browser on `base` with its CSRF token, fetched before the race starts.
    async fn ready(&self, base: &str) -> (Browser, String) {
        let browser = self.on(base);
        let csrf = browser.csrf().await;
        (browser, csrf)
    }
}

/// The two servers, their stores, and a connection of the test's own to read the database.
struct Race {
    portal: Portal,
    bases: [String; 2],
    stores: [Arc<dyn Store>; 2],
    db: sqlx::PgPool,
    slots: Vec<i64>,
}

impl Race {
    async fn number(&self, statement: &str) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(statement.to_owned()))
            .fetch_one(&self.db)
            .await
            .expect(statement)
    }

    fn now(&self) -> i64 {
        self.portal.clock.now().as_second()
    }

    fn our_slots(&self) -> String {
        self.slots
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One thing a patient does in a round.
enum Act {
    Cancel {
        browser: Browser,
        csrf: String,
        appointment: i64,
    },
    Answer {
        browser: Browser,
        csrf: String,
        offer: i64,
        accept: bool,
    },
    Intrude {
        patient: NationalId,
        browser: Browser,
        csrf: String,
        timebook: i64,
        slot: i64,
        book: bool,
    },
}

/// What it came to, as the pages answered.
#[derive(Debug)]
enum Outcome {
    Cancelled,
    /// «Bestill» on an offer: the appointment, or `None` when the offer no longer stood.
    Accepted {
        offer: i64,
        appointment: Option<i64>,
    },
    /// «Nei takk»: whether it declined, or found the offer no longer open.
    Declined {
        offer: i64,
        declined: bool,
    },
    /// A hold in «Velg time»: whether it was held, and the appointment it was booked as.
    Intruded {
        patient: NationalId,
        slot: i64,
        held: bool,
        appointment: Option<i64>,
    },
}

/// Where a 303 answer leads; anything else fails the test, a 500 above all.
fn redirect(page: &Page, what: &str) -> String {
    assert_eq!(page.status, 303, "{what}: {}", page.body);
    page.location.clone().expect("location")
}

fn appointment_in(receipt: &str) -> Option<i64> {
    receipt
        .strip_prefix("/bestill/kvittering/")
        .map(|id| id.parse().expect("appointment id"))
}

async fn act(act: Act) -> Outcome {
    match act {
        Act::Cancel {
            browser,
            csrf,
            appointment,
        } => {
            let page = browser
                .post(
                    &format!("/timeavtaler/{appointment}/avbestill"),
                    &[("csrf", &csrf)],
                )
                .await;
            assert_eq!(redirect(&page, "cancel"), "/timeavtaler?avbestilt=1");
            Outcome::Cancelled
        }
        Act::Answer {
            browser,
            csrf,
            offer,
            accept: true,
        } => {
            let page = browser
                .post(
                    &format!("/venteliste/tilbud/{offer}/bestill"),
                    &[("csrf", &csrf), ("reason", "Influensavaksine")],
                )
                .await;
            let location = redirect(&page, "Bestill");
            let appointment = appointment_in(&location);
            if appointment.is_none() {
                assert_eq!(location, format!("/venteliste/tilbud/{offer}"));
            }
            Outcome::Accepted { offer, appointment }
        }
        Act::Answer {
            browser,
            csrf,
            offer,
            accept: false,
        } => {
            let page = browser
                .post(
                    &format!("/venteliste/tilbud/{offer}/nei"),
                    &[("csrf", &csrf)],
                )
                .await;
            let location = redirect(&page, "Nei takk");
            let declined = location == "/timeavtaler?venteliste=avslatt#venteliste";
            if !declined {
                assert_eq!(location, format!("/venteliste/tilbud/{offer}"));
            }
            Outcome::Declined { offer, declined }
        }
        Act::Intrude {
            patient,
            browser,
            csrf,
            timebook,
            slot,
            book,
        } => {
            let page = browser
                .post(
                    &format!("/bestill/{timebook}/hold"),
                    &[("csrf", &csrf), ("slot", &slot.to_string())],
                )
                .await;
            let location = redirect(&page, "hold");
            if !location.starts_with(&format!("/bestill/{timebook}/se-gjennom?")) {
                // Lost: «Velg time» again, saying the time was taken.
                assert!(location.contains("melding=opptatt"), "{location}");
                return Outcome::Intruded {
                    patient,
                    slot,
                    held: false,
                    appointment: None,
                };
            }
            let appointment = if book {
                let hold = common::hold_id(&location);
                let sent = browser
                    .post(
                        &format!("/bestill/{timebook}/send"),
                        &[
                            ("csrf", &csrf),
                            ("slot", &slot.to_string()),
                            ("hold", &hold),
                            ("reason", "Influensavaksine"),
                        ],
                    )
                    .await;
                let receipt = redirect(&sent, "send");
                // Held is held: nobody, the waitlist included, took the place meanwhile.
                Some(appointment_in(&receipt).unwrap_or_else(|| {
                    panic!("a held place is booked, not {receipt}");
                }))
            } else {
                None
            };
            Outcome::Intruded {
                patient,
                slot,
                held: true,
                appointment,
            }
        }
    }
}

/// Runs every act at once, while each server's pass runs again and again until the last act
/// is answered.
async fn burst(race: &Race, acts: Vec<Act>) -> Vec<Outcome> {
    let barrier = Arc::new(Barrier::new(acts.len() + race.stores.len()));
    let busy = Arc::new(AtomicBool::new(true));
    let passes: Vec<_> = race
        .stores
        .iter()
        .map(|store| {
            let (store, barrier, busy) = (store.clone(), barrier.clone(), busy.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                let mut passes = 0;
                while busy.load(Ordering::SeqCst) || passes < 2 {
                    store.offer_freed_places().await.expect("pass");
                    passes += 1;
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    let acts: Vec<_> = acts
        .into_iter()
        .map(|a| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                act(a).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in acts {
        outcomes.push(task.await.expect("act"));
    }
    busy.store(false, Ordering::SeqCst);
    for task in passes {
        task.await.expect("passes");
    }
    outcomes
}

/// Both servers' passes, at once, until neither offers anything more: what the workers do in
/// the seconds after the round.
async fn settle(race: &Race) {
    for _ in 0..30 {
        let (first, second) = tokio::join!(
            race.stores[0].offer_freed_places(),
            race.stores[1].offer_freed_places()
        );
        if first.expect("pass").offered + second.expect("pass").offered == 0 {
            return;
        }
    }
    panic!("the passes kept offering");
}

/// What the database says before a round.
struct Before {
    /// The last offer made so far.
    last_offer: i64,
    /// Every (entry, slot) offered so far.
    offered: BTreeSet<(i64, i64)>,
    /// Entries waiting with no offer open: free to take a place all round.
    free: BTreeSet<i64>,
    /// Open offers: (offer, patient, slot).
    open: Vec<(i64, String, i64)>,
}

async fn before(race: &Race) -> Before {
    let last_offer = race
        .number("SELECT COALESCE(MAX(id), 0) FROM waitlist_offer")
        .await;
    let offered: Vec<(i64, i64)> = sqlx::query_as("SELECT entry_id, slot_id FROM waitlist_offer")
        .fetch_all(&race.db)
        .await
        .expect("offers");
    let free: Vec<(i64,)> = sqlx::query_as(
        "SELECT e.id FROM waitlist_entry e WHERE e.state = 'waiting' AND NOT EXISTS \
         (SELECT 1 FROM waitlist_offer o WHERE o.entry_id = e.id AND o.state = 'open')",
    )
    .fetch_all(&race.db)
    .await
    .expect("entries");
    let open: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, national_id, slot_id FROM waitlist_offer WHERE state = 'open' ORDER BY id",
    )
    .fetch_all(&race.db)
    .await
    .expect("open offers");
    Before {
        last_offer,
        offered: offered.into_iter().collect(),
        free: free.into_iter().map(|(id,)| id).collect(),
        open,
    }
}

/// The raced day's slots, each booked full by a patient of its own (through the store: the
/// set-up); answers the slots and the bookings, (patient, appointment, slot).
async fn booked_day(portal: &Portal) -> (Vec<i64>, Vec<(NationalId, i64, i64)>) {
    let system = Actor::System;
    let zone = domain::clinic_time_zone().expect("tz");
    let day = portal
        .day
        .checked_add(jiff::Span::new().days(1))
        .expect("day");
    let clinic = clinic_of(portal).await;
    let mut slots = Vec::new();
    let mut bookings = Vec::new();
    let mut holder = 100;
    for i in 0..SLOTS {
        let index = i8::try_from(i).expect("index");
        let start = zone
            .to_ambiguous_timestamp(day.at(8 + index / 4, (index % 4) * 15, 0, 0))
            .compatible()
            .expect("start");
        let places = if i == 0 { 2 } else { 1 };
        let slot = portal
            .store
            .add_slot(
                &system,
                NewSlot {
                    resource_id: domain::ResourceId(portal.resource),
                    start,
                    length: SlotLength::minutes(15).expect("length"),
                    capacity: Capacity::new(places).expect("capacity"),
                },
            )
            .await
            .expect("slot");
        slots.push(slot.id.0);
        for _ in 0..places {
            let patient = listed(portal, clinic, holder).await;
            holder += 1;
            let booked = portal
                .store
                .book(
                    &Caller::patient(patient.clone()),
                    &BookRequest {
                        appointment_type: None,
                        patient: patient.clone(),
                        slot: SlotId(slot.id.0),
                        reason: Reason::parse("Vaksine").expect("reason"),
                        hold: None,
                        idempotency: None,
                    },
                )
                .await
                .expect("booked");
            bookings.push((patient, booked.id.0, slot.id.0));
        }
    }
    (slots, bookings)
}

async fn clinic_of(portal: &Portal) -> domain::ClinicId {
    portal
        .store
        .patient(&portal.kari)
        .await
        .expect("read")
        .expect("listed")
        .clinic_id
}

/// Patient `n`, put on the clinic's list.
async fn listed(portal: &Portal, clinic: domain::ClinicId, n: u16) -> NationalId {
    let patient = person(n);
    portal
        .store
        .list_patient(
            &Actor::System,
            clinic,
            &patient,
            &PersonName::parse("Pasient").expect("name"),
            &PersonName::parse("Nordmann").expect("name"),
        )
        .await
        .expect("listed");
    patient
}

/// The waiting patients join over HTTP, in turn, alternating between the servers, each for
/// any time of the raced day: the line is the order they joined in.
async fn join_line(race: &Race, clinic: domain::ClinicId) -> Vec<(Person, usize)> {
    let day = race
        .portal
        .day
        .checked_add(jiff::Span::new().days(1))
        .expect("day");
    let weekday = day.weekday().to_monday_one_offset().to_string();
    let mut line = Vec::new();
    for n in 0..WAITING {
        let home = usize::from(n % 2);
        let patient = listed(&race.portal, clinic, 200 + n).await;
        let person = Person::logged_in(patient, &race.bases[home]).await;
        let (browser, csrf) = person.ready(&race.bases[home]).await;
        let joined = browser
            .post(
                &format!("/bestill/{}/venteliste", race.portal.timebook),
                &[
                    ("csrf", csrf.as_str()),
                    ("sted", "alle"),
                    ("dag", &weekday),
                    ("fra", "07:00"),
                    ("til", "18:00"),
                    ("forste", &day.to_string()),
                    ("siste", &day.to_string()),
                ],
            )
            .await;
        assert_eq!(
            redirect(&joined, "join"),
            "/timeavtaler?venteliste=ny#venteliste"
        );
        line.push((person, home));
    }
    line
}

/// Everything that must hold whatever the interleaving, read from the database.
async fn assert_invariants(race: &Race, round: usize) {
    let now = race.now();
    for (what, statement) in [
        (
            "two open offers on one slot",
            "SELECT COUNT(*) FROM (SELECT slot_id FROM waitlist_offer WHERE state = 'open' \
             GROUP BY slot_id HAVING COUNT(*) > 1) x"
                .to_owned(),
        ),
        (
            "two open offers for one entry",
            "SELECT COUNT(*) FROM (SELECT entry_id FROM waitlist_offer WHERE state = 'open' \
             GROUP BY entry_id HAVING COUNT(*) > 1) x"
                .to_owned(),
        ),
        (
            "an open offer without its own live hold",
            format!(
                "SELECT COUNT(*) FROM waitlist_offer o WHERE o.state = 'open' AND NOT EXISTS \
                 (SELECT 1 FROM slot_hold h WHERE h.id = o.hold_id AND h.slot_id = o.slot_id \
                   AND h.national_id = o.national_id AND h.expires_at > {now})"
            ),
        ),
        (
            "an open offer of a place another patient holds or that is booked",
            format!(
                "SELECT COUNT(*) FROM waitlist_offer o JOIN slot s ON s.id = o.slot_id \
                 WHERE o.state = 'open' AND s.booked + (SELECT COUNT(*) FROM slot_hold h \
                   WHERE h.slot_id = s.id AND h.expires_at > {now} \
                     AND h.national_id <> o.national_id) >= s.capacity"
            ),
        ),
        (
            "a slot with more booked and held than its places",
            format!(
                "SELECT COUNT(*) FROM slot s WHERE s.booked + (SELECT COUNT(*) FROM slot_hold h \
                 WHERE h.slot_id = s.id AND h.expires_at > {now}) > s.capacity"
            ),
        ),
        (
            "a patient offered one slot twice",
            "SELECT COUNT(*) FROM (SELECT national_id, slot_id FROM waitlist_offer \
             GROUP BY national_id, slot_id HAVING COUNT(*) > 1) x"
                .to_owned(),
        ),
        (
            "an accepted offer that is not its patient's booked appointment in its slot",
            "SELECT COUNT(*) FROM waitlist_offer o LEFT JOIN appointment a \
               ON a.id = o.appointment_id AND a.slot_id = o.slot_id \
               AND a.national_id = o.national_id AND a.status = 'booked' \
             WHERE o.state = 'accepted' AND a.id IS NULL"
                .to_owned(),
        ),
        (
            "an accepted offer whose entry is not booked with its appointment",
            "SELECT COUNT(*) FROM waitlist_offer o JOIN waitlist_entry e ON e.id = o.entry_id \
             WHERE o.state = 'accepted' \
               AND (e.state <> 'booked' OR e.appointment_id IS DISTINCT FROM o.appointment_id)"
                .to_owned(),
        ),
        (
            "one appointment for two offers",
            "SELECT COUNT(*) FROM (SELECT appointment_id FROM waitlist_offer \
             WHERE appointment_id IS NOT NULL GROUP BY appointment_id HAVING COUNT(*) > 1) x"
                .to_owned(),
        ),
        (
            "a booked entry without an accepted offer",
            "SELECT COUNT(*) FROM waitlist_entry e WHERE e.state = 'booked' AND NOT EXISTS \
             (SELECT 1 FROM waitlist_offer o WHERE o.entry_id = e.id AND o.state = 'accepted' \
               AND o.appointment_id = e.appointment_id)"
                .to_owned(),
        ),
        (
            "a patient of the line booked while still waiting",
            "SELECT COUNT(*) FROM waitlist_entry e JOIN appointment a \
               ON a.national_id = e.national_id AND a.timebook_id = e.timebook_id \
             WHERE e.state = 'waiting' AND a.status = 'booked'"
                .to_owned(),
        ),
        (
            // Once the passes have settled, no free place is left that a waiting patient
            // with no offer open was never offered.
            "a free place not offered to someone waiting for it",
            format!(
                "SELECT COUNT(*) FROM slot s JOIN waitlist_entry e ON e.timebook_id = s.timebook_id \
                 WHERE s.id IN ({}) \
                   AND s.booked + (SELECT COUNT(*) FROM slot_hold h \
                     WHERE h.slot_id = s.id AND h.expires_at > {now}) < s.capacity \
                   AND NOT EXISTS (SELECT 1 FROM waitlist_offer o \
                     WHERE o.slot_id = s.id AND o.state = 'open') \
                   AND e.state = 'waiting' \
                   AND NOT EXISTS (SELECT 1 FROM waitlist_offer o \
                     WHERE o.entry_id = e.id AND (o.state = 'open' OR o.slot_id = s.id))",
                race.our_slots()
            ),
        ),
    ] {
        assert_eq!(race.number(&statement).await, 0, "round {round}: {what}");
    }
    let integrity = race.portal.store.integrity().await.expect("integrity");
    assert_eq!(
        (integrity.overbooked_slots, integrity.miscounted_slots),
        (0, 0),
        "round {round}"
    );
}

/// The line kept: an offer made in this round to an entry means that every entry ahead of
/// it that was free to take a place all round (waiting, no offer open, answering nothing) got
/// an offer in this round too, or had been offered that slot before.
async fn assert_line_order(race: &Race, round: usize, before: &Before, line: &[i64]) {
    let position: HashMap<i64, usize> = line.iter().enumerate().map(|(i, e)| (*e, i)).collect();
    let made: Vec<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT entry_id, slot_id FROM waitlist_offer WHERE id > {} ORDER BY id",
        before.last_offer
    )))
    .fetch_all(&race.db)
    .await
    .expect("offers");
    let served: BTreeSet<i64> = made.iter().map(|(entry, _)| *entry).collect();
    for (entry, slot) in &made {
        for ahead in before
            .free
            .iter()
            .filter(|e| position[*e] < position[entry])
        {
            assert!(
                served.contains(ahead) || before.offered.contains(&(*ahead, *slot)),
                "round {round}: slot {slot} went to entry {entry} while entry {ahead}, ahead \
                 of it and free to take it, got nothing (offers this round: {made:?})"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn offers_race_cancellations_holds_and_answers_on_postgres_with_two_servers() {
    let Some(db) = store::testing::TestDb::postgres().await else {
        return;
    };
    let portal = portal_with(Options {
        demo_login: true,
        // Dozens of patients log in and book from one address in seconds.
        limits: timebok_web::limits::LimitSettings {
            logins_per_minute: 10_000,
            bookings_per_minute_per_patient: 10_000,
            bookings_per_minute_per_address: 10_000,
            ..timebok_web::limits::LimitSettings::default()
        },
        db: Some(db),
        ..Options::default()
    })
    .await;
    let (second, second_store) = portal.second_server_with_store().await;
    let (slots, bookings) = booked_day(&portal).await;
    let clinic = clinic_of(&portal).await;
    let db = sqlx::PgPool::connect(&portal.db.url)
        .await
        .expect("connect");
    let race = Race {
        bases: [portal.base.clone(), second],
        stores: [portal.store.clone(), second_store],
        portal,
        db,
        slots,
    };
    let timebook = race.portal.timebook;

    let waiting = join_line(&race, clinic).await;
    let line: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM waitlist_entry WHERE state = 'waiting' ORDER BY created_at, id",
    )
    .fetch_all(&race.db)
    .await
    .expect("line");
    assert_eq!(line.len(), waiting.len());
    let waiter: HashMap<String, usize> = waiting
        .iter()
        .enumerate()
        .map(|(i, (person, _))| (person.id.as_str().to_owned(), i))
        .collect();
    // Nothing is free yet: every place of the day is booked.
    settle(&race).await;
    assert_eq!(race.number("SELECT COUNT(*) FROM waitlist_offer").await, 0);

    // Appointments to cancel, freed in another order than the day's: a stride through it.
    let mut cancellable: Vec<(NationalId, i64, i64)> = {
        let count = bookings.len();
        let mut ordered: Vec<_> = bookings.into_iter().enumerate().collect();
        ordered.sort_by_key(|(i, _)| (i * 7) % count);
        ordered.into_iter().map(|(_, b)| b).collect()
    };
    let mut people: HashMap<String, Person> = HashMap::new();
    let mut next_intruder = 300;
    let mut tally: BTreeMap<&'static str, usize> = BTreeMap::new();

    for round in 0..ROUNDS {
        let before = before(&race).await;
        let mut acts = Vec::new();
        let mut freed = Vec::new();
        for (i, (patient, appointment, slot)) in cancellable
            .drain(..CANCELLED_PER_ROUND.min(cancellable.len()))
            .enumerate()
        {
            let base = &race.bases[(round + i) % 2];
            let key = patient.as_str().to_owned();
            if !people.contains_key(&key) {
                people.insert(key.clone(), Person::logged_in(patient, base).await);
            }
            let (browser, csrf) = people[&key].ready(base).await;
            acts.push(Act::Cancel {
                browser,
                csrf,
                appointment,
            });
            freed.push(slot);
        }
        // Those offered a place answer on the other server; the first of them presses
        // «Bestill» there and «Nei takk» on their own at the same moment.
        let mut both = None;
        for (n, (offer, patient, slot)) in before.open.iter().enumerate() {
            let position = waiter[patient];
            let (person, home) = &waiting[position];
            let other = &race.bases[1 - *home];
            let accept = (position + round).is_multiple_of(3);
            if n == 0 {
                both = Some(*offer);
                let (browser, csrf) = person.ready(other).await;
                acts.push(Act::Answer {
                    browser,
                    csrf,
                    offer: *offer,
                    accept: true,
                });
                let (browser, csrf) = person.ready(&race.bases[*home]).await;
                acts.push(Act::Answer {
                    browser,
                    csrf,
                    offer: *offer,
                    accept: false,
                });
            } else {
                let (browser, csrf) = person.ready(other).await;
                acts.push(Act::Answer {
                    browser,
                    csrf,
                    offer: *offer,
                    accept,
                });
            }
            if !accept {
                freed.push(*slot);
            }
        }
        // Patients not waiting go for the earliest of the places being freed, two at each
        // at once, one on each server.
        freed.sort_unstable();
        for (pair, slot) in freed.iter().take(PAIRS_PER_ROUND).enumerate() {
            for base in &race.bases {
                let patient = listed(&race.portal, clinic, next_intruder).await;
                next_intruder += 1;
                let person = Person::logged_in(patient, base).await;
                let (browser, csrf) = person.ready(base).await;
                acts.push(Act::Intrude {
                    patient: person.id.clone(),
                    browser,
                    csrf,
                    timebook,
                    slot: *slot,
                    book: pair + 1 < PAIRS_PER_ROUND,
                });
                people.insert(person.id.as_str().to_owned(), person);
            }
        }

        let outcomes = burst(&race, acts).await;
        settle(&race).await;

        // What each page answered agrees with the database.
        let mut both_answers = Vec::new();
        for outcome in &outcomes {
            match outcome {
                Outcome::Cancelled => *tally.entry("cancelled").or_default() += 1,
                Outcome::Accepted { offer, appointment } => {
                    let (state, booked): (String, Option<i64>) = sqlx::query_as(
                        "SELECT state, appointment_id FROM waitlist_offer WHERE id = $1",
                    )
                    .bind(offer)
                    .fetch_one(&race.db)
                    .await
                    .expect("offer");
                    if let Some(appointment) = appointment {
                        *tally.entry("accepted").or_default() += 1;
                        assert_eq!(
                            (state.as_str(), booked),
                            ("accepted", Some(*appointment)),
                            "round {round}: offer {offer} booked over HTTP"
                        );
                    } else {
                        assert_ne!(state, "accepted", "round {round}: offer {offer}");
                    }
                    if Some(*offer) == both {
                        both_answers.push(appointment.is_some());
                    } else {
                        // Nobody else touches a place held for its patient.
                        assert!(appointment.is_some(), "round {round}: offer {offer} lost");
                    }
                }
                Outcome::Declined { offer, declined } => {
                    let state: String =
                        sqlx::query_scalar("SELECT state FROM waitlist_offer WHERE id = $1")
                            .bind(offer)
                            .fetch_one(&race.db)
                            .await
                            .expect("offer");
                    if *declined {
                        *tally.entry("declined").or_default() += 1;
                        assert_eq!(state, "declined", "round {round}: offer {offer}");
                    }
                    if Some(*offer) == both {
                        both_answers.push(*declined);
                    } else {
                        assert!(declined, "round {round}: offer {offer} not declined");
                    }
                }
                Outcome::Intruded {
                    patient,
                    slot,
                    held,
                    appointment,
                } => {
                    *tally
                        .entry(match (held, appointment) {
                            (false, _) => "intruder lost",
                            (true, None) => "intruder holding",
                            (true, Some(_)) => "intruder booked",
                        })
                        .or_default() += 1;
                    if let Some(appointment) = appointment {
                        cancellable.push((patient.clone(), *appointment, *slot));
                    }
                }
            }
        }
        if let Some(offer) = both {
            // «Bestill» and «Nei takk» at once: exactly one of them did what it says.
            assert_eq!(
                both_answers.iter().filter(|done| **done).count(),
                1,
                "round {round}: offer {offer} both booked and declined: {both_answers:?}"
            );
        }
        assert_invariants(&race, round).await;
        assert_line_order(&race, round, &before, &line).await;
    }
    // The race went through the waitlist, not around it: the first round freed a place
    // only the line went for, and the second answered its offer.
    let offers = race.number("SELECT COUNT(*) FROM waitlist_offer").await;
    eprintln!("{tally:?}; offers made: {offers}");
    assert!(offers > 0 && tally.get("accepted").or(tally.get("declined")).is_some());
    race.db.close().await;
    let Race { portal, .. } = race;
    portal.db.finish().await;
}
