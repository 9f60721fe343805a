//! «Språk i varslene» follows the language the patient uses the site in until they choose one
//! on «Varslingsinnstillinger»; from then on their choice stands. The worker reads the language
//! from the contact settings, so that is what is checked after each step.

mod common;

use common::{Browser, Portal, portal};
use domain::NationalId;

/// The notices' language as the worker will read it, and whether the patient chose it.
async fn notice_language(portal: &Portal, patient: &NationalId) -> (String, bool) {
    let settings = portal
        .store
        .contact_settings(patient)
        .await
        .expect("settings");
    (settings.language, settings.language_chosen)
}

/// The language preselected in the settings' list.
async fn preselected(browser: &Browser) -> String {
    let page = browser.get("/varslinger").await;
    assert_eq!(page.status, 200);
    ["nb", "nn", "en"]
        .into_iter()
        .find(|code| page.body.contains(&format!(r#"value="{code}" selected"#)))
        .unwrap_or_else(|| panic!("no language selected: {}", page.body))
        .to_owned()
}

#[tokio::test]
async fn the_notices_follow_the_site_language_until_the_patient_chooses() {
    let portal = portal(true).await;
    let kari = Browser::new(&portal);
    // Nynorsk chosen on the login page: the login keeps it for the notices.
    kari.get("/sprak/nn?tilbake=/logg-inn").await;
    kari.log_in(&portal.kari).await;
    assert_eq!(
        notice_language(&portal, &portal.kari).await,
        ("nn".to_owned(), false)
    );
    assert_eq!(preselected(&kari).await, "nn");
    let page = kari.get("/varslinger").await;
    assert!(
        page.body
            .contains("Til du vel sjølv, får du varsla på språket du bruker på nettsida."),
        "{}",
        page.body
    );

    // Switching while logged in moves the notices along.
    kari.get("/sprak/en?tilbake=/varslinger").await;
    assert_eq!(
        notice_language(&portal, &portal.kari).await,
        ("en".to_owned(), false)
    );
    assert_eq!(preselected(&kari).await, "en");

    // Saving the settings is the patient's choice, here bokmål while reading in English.
    let csrf = kari.csrf().await;
    let saved = kari
        .post(
            "/varslinger",
            &[
                ("csrf", &csrf),
                ("kanal", "sms"),
                ("mobil", "912 34 567"),
                ("epost", ""),
                ("sprak", "nb"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        notice_language(&portal, &portal.kari).await,
        ("nb".to_owned(), true)
    );

    // The choice stands: not moved by a switch, nor by a new login in another language.
    kari.get("/sprak/nn?tilbake=/varslinger").await;
    assert_eq!(preselected(&kari).await, "nb");
    let page = kari.get("/varslinger").await;
    assert!(!page.body.contains("sprak-hint"), "{}", page.body);
    let again = Browser::new(&portal);
    again.get("/sprak/en?tilbake=/logg-inn").await;
    again.log_in(&portal.kari).await;
    assert_eq!(
        notice_language(&portal, &portal.kari).await,
        ("nb".to_owned(), true)
    );
}

#[tokio::test]
async fn a_patient_who_never_switched_gets_bokmaal_and_only_their_own_row_changes() {
    let portal = portal(true).await;
    let ola = Browser::new(&portal);
    ola.log_in(&portal.ola).await;
    assert_eq!(
        notice_language(&portal, &portal.ola).await,
        ("nb".to_owned(), false)
    );
    assert_eq!(preselected(&ola).await, "nb");

    let kari = Browser::new(&portal);
    kari.get("/sprak/en?tilbake=/logg-inn").await;
    kari.log_in(&portal.kari).await;
    assert_eq!(notice_language(&portal, &portal.kari).await.0, "en");
    assert_eq!(notice_language(&portal, &portal.ola).await.0, "nb");

    // A visitor who is not logged in switches only their cookie.
    let anonymous = Browser::new(&portal);
    assert_eq!(anonymous.get("/sprak/nn").await.status, 303);
    assert_eq!(notice_language(&portal, &portal.ola).await.0, "nb");
}
