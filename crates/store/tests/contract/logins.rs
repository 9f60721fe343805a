//! Logins through an OpenID provider: attempts in progress, the access list, ID tokens.

use crate::common::{TestDb, World};
use domain::{AuditAction, ClinicId};
use store::{AuditFilter, LoginAttempt, LoginFlow, SessionCounts};

fn attempt(flow: LoginFlow) -> LoginAttempt {
    LoginAttempt {
        flow,
        pkce_verifier: "verifier".into(),
        nonce: "nonce".into(),
    }
}

async fn audited(world: &World, action: AuditAction) -> Vec<String> {
    world
        .store
        .audit_events(&AuditFilter {
            patient: None,
            action: Some(action),
            limit: 0,
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.subject)
        .collect()
}

pub async fn a_login_attempt_is_taken_once_and_expires(db: TestDb) {
    let world = World::new(db).await;
    let ten = jiff::SignedDuration::from_mins(10);
    let store = &world.store;
    store
        .begin_login("a", &attempt(LoginFlow::Staff), ten)
        .await
        .expect("begin");
    assert_eq!(
        store.take_login("a").await.expect("take"),
        Some(attempt(LoginFlow::Staff))
    );
    assert_eq!(
        store.take_login("a").await.expect("take again"),
        None,
        "a state is good for one answer only"
    );
    assert_eq!(store.take_login("unknown").await.expect("take"), None);

    store
        .begin_login("late", &attempt(LoginFlow::Patient), ten)
        .await
        .expect("begin");
    world.advance(11);
    assert_eq!(
        store.take_login("late").await.expect("take"),
        None,
        "an answer after the attempt expired is refused"
    );
    world.finish().await;
}

pub async fn staff_access_is_granted_revoked_and_audited(db: TestDb) {
    let world = World::new(db).await;
    let store = &world.store;
    let clinic = world.clinic.id;
    store
        .grant_access(LoginFlow::Staff, "sub-nurse", Some(clinic))
        .await
        .expect("grant staff");
    store
        .grant_access(LoginFlow::Operator, "sub-operator", None)
        .await
        .expect("grant operator");
    assert!(
        store
            .grant_access(LoginFlow::Staff, "sub-x", None)
            .await
            .is_err(),
        "staff need a clinic"
    );
    assert!(
        store
            .grant_access(LoginFlow::Operator, "sub-x", Some(clinic))
            .await
            .is_err(),
        "the operator has none"
    );
    assert!(
        store
            .grant_access(LoginFlow::Staff, "sub-x", Some(ClinicId(987_654)))
            .await
            .is_err(),
        "an unknown clinic"
    );
    let nurse = store
        .staff_access(LoginFlow::Staff, "sub-nurse")
        .await
        .expect("read")
        .expect("granted");
    assert_eq!(nurse.clinic_id, Some(clinic));
    assert_eq!(
        store
            .staff_access(LoginFlow::Operator, "sub-nurse")
            .await
            .expect("read"),
        None,
        "access is per login: staff access does not make an operator"
    );
    assert_eq!(store.staff_accesses().await.expect("list").len(), 2);
    assert!(
        store
            .revoke_access(LoginFlow::Staff, "sub-nurse")
            .await
            .expect("revoke")
    );
    assert!(
        !store
            .revoke_access(LoginFlow::Staff, "sub-nurse")
            .await
            .expect("revoke again")
    );
    assert_eq!(
        store
            .staff_access(LoginFlow::Staff, "sub-nurse")
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        audited(&world, AuditAction::AccessGranted).await,
        ["operator:sub-operator", "staff:sub-nurse"]
    );
    assert_eq!(
        audited(&world, AuditAction::AccessRevoked).await,
        ["staff:sub-nurse"]
    );
    store
        .record_refused_login(LoginFlow::Patient, "acr")
        .await
        .expect("refusal");
    assert_eq!(
        audited(&world, AuditAction::LoginRefused).await,
        ["patient:acr"]
    );
    world.finish().await;
}

pub async fn sessions_keep_the_providers_id_token(db: TestDb) {
    let world = World::new(db).await;
    let kari = world.patient(1).await;
    let store = &world.store;
    let hours = jiff::SignedDuration::from_hours(1);
    store.open_session("p", &kari, hours).await.expect("open");
    store
        .open_staff_session("s", &world.staff, hours)
        .await
        .expect("open staff");
    assert_eq!(
        store
            .session_id_token(LoginFlow::Patient, "p")
            .await
            .expect("read"),
        None
    );
    store
        .attach_id_token(LoginFlow::Patient, "p", "patient.jwt")
        .await
        .expect("attach");
    store
        .attach_id_token(LoginFlow::Staff, "s", "staff.jwt")
        .await
        .expect("attach");
    assert_eq!(
        store
            .session_id_token(LoginFlow::Patient, "p")
            .await
            .expect("read")
            .as_deref(),
        Some("patient.jwt")
    );
    assert_eq!(
        store
            .session_id_token(LoginFlow::Staff, "s")
            .await
            .expect("read")
            .as_deref(),
        Some("staff.jwt")
    );
    store.close_session("p").await.expect("close");
    assert_eq!(
        store
            .session_id_token(LoginFlow::Patient, "p")
            .await
            .expect("read"),
        None,
        "the token goes with the session"
    );
    world.finish().await;
}

pub async fn live_sessions_and_the_pool_are_counted_for_the_metrics(db: TestDb) {
    let world = World::new(db).await;
    let store = &world.store;
    let hours = jiff::SignedDuration::from_hours(1);
    assert_eq!(
        store.live_sessions().await.expect("count"),
        SessionCounts::default()
    );
    let kari = world.patient(1).await;
    let ola = world.patient(2).await;
    store
        .open_session("kari", &kari, hours)
        .await
        .expect("open");
    store.open_session("ola", &ola, hours).await.expect("open");
    store
        .open_staff_session("staff", &world.staff, hours)
        .await
        .expect("open staff");
    let operator = domain::Actor::Operator {
        user: "drift".into(),
    };
    store
        .open_staff_session("operator", &operator, hours)
        .await
        .expect("open operator");
    let live = |patients, staff, operators| SessionCounts {
        patients,
        staff,
        operators,
    };
    assert_eq!(store.live_sessions().await.expect("count"), live(2, 1, 1));
    store.close_session("ola").await.expect("close");
    assert_eq!(store.live_sessions().await.expect("count"), live(1, 1, 1));
    // Idle past session_idle (30 minutes in the tests' settings): no longer live.
    world.advance(31);
    assert_eq!(store.live_sessions().await.expect("count"), live(0, 0, 0));

    let pool = store.pool_status();
    assert!(pool.max >= 1 && pool.open <= pool.max, "{pool:?}");
    assert!(
        pool.idle <= pool.open && pool.in_use() <= pool.open,
        "{pool:?}"
    );
    world.finish().await;
}
