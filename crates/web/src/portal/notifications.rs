//! «Varslingsinnstillinger»: how the patient is notified (SMS, e-post or push), the numbers
//! and addresses to use, the language of the notices, and the devices with push switched on.

use crate::AppState;
use crate::failure::{Failure, Kind};
use crate::pages::{FieldError, Page, field_errors, html};
use crate::texts::T;
use crate::visitor::Patient;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{
    Channel, ContactSettings, DomainError, EmailAddress, MobileNumber, PushEndpoint, PushHost,
    PushSubscription, PushTargetPolicy, PushTargetRefusal,
};
use i18n::Lang;
use serde::Deserialize;
use store::StoredPushSubscription;

pub struct ChannelOption {
    value: &'static str,
    label: String,
    hint: String,
    checked: bool,
}

pub struct LanguageOption {
    value: &'static str,
    label: String,
    selected: bool,
}

pub struct DeviceView {
    id: i64,
    name: String,
    added: String,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct SettingsPage {
    page: Page,
    saved: bool,
    errors: Vec<FieldError>,
    channel_error: Option<String>,
    mobile_error: Option<String>,
    email_error: Option<String>,
    channels: Vec<ChannelOption>,
    mobile: String,
    email: String,
    languages: Vec<LanguageOption>,
    /// Whether the notices still follow the site's language, so the page says so.
    language_follows_site: bool,
    /// The patient may act for others, whose notices come here too.
    represents: bool,
    devices: Vec<DeviceView>,
    /// The VAPID public key for the browser's subscription; `None` where push is off.
    push_key: Option<String>,
}

/// What the form holds, as typed.
#[derive(Deserialize, Default)]
pub struct SettingsForm {
    kanal: Option<String>,
    mobil: Option<String>,
    epost: Option<String>,
    sprak: Option<String>,
}

#[derive(Deserialize)]
pub struct Saved {
    lagret: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    patient: Patient,
    Query(saved): Query<Saved>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let settings = state
        .store
        .contact_settings(&patient.user)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let form = SettingsForm {
        kanal: settings.channel().map(|c| c.code().to_owned()),
        mobil: settings.mobile.as_ref().map(ToString::to_string),
        epost: settings.email.as_ref().map(ToString::to_string),
        // Until the patient picks one, the notices go in the language they use the site in
        // (kept for the worker at login and at each switch), so that is what the list shows.
        sprak: Some(if settings.language_chosen {
            settings.language.clone()
        } else {
            t.0.code().to_owned()
        }),
    };
    let devices = devices(&state, &patient).await?;
    let page = settings_page(&state, &patient, &form, Problems::default(), devices).await?;
    Ok(html(&SettingsPage {
        saved: saved.lagret.is_some(),
        language_follows_site: !settings.language_chosen,
        ..page
    })
    .into_response())
}

#[derive(Debug, Default)]
struct Problems {
    channel: Option<&'static str>,
    mobile: Option<&'static str>,
    email: Option<&'static str>,
}

impl Problems {
    fn any(&self) -> bool {
        self.channel.is_some() || self.mobile.is_some() || self.email.is_some()
    }
}

/// Reads the form into settings, or says what is wrong with each field.
fn read(form: &SettingsForm, has_devices: bool) -> Result<ContactSettings, Problems> {
    let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_owned();
    let (mobile_text, email_text) = (text(&form.mobil), text(&form.epost));
    let mut problems = Problems::default();
    let chosen = form.kanal.as_deref().and_then(|c| Channel::parse(c).ok());
    if chosen.is_none() {
        problems.channel = Some("notify-settings-error-channel");
    }
    let mobile = (!mobile_text.is_empty())
        .then(|| MobileNumber::parse(&mobile_text))
        .transpose()
        .unwrap_or_else(|_| {
            problems.mobile = Some("notify-settings-error-mobile");
            None
        });
    let email = (!email_text.is_empty())
        .then(|| EmailAddress::parse(&email_text))
        .transpose()
        .unwrap_or_else(|_| {
            problems.email = Some("notify-settings-error-email");
            None
        });
    match chosen {
        Some(Channel::Sms) if mobile_text.is_empty() => {
            problems.mobile = Some("notify-settings-error-mobile-needed");
        }
        Some(Channel::Email) if email_text.is_empty() => {
            problems.email = Some("notify-settings-error-email-needed");
        }
        Some(Channel::Push) if !has_devices => {
            problems.channel = Some("notify-settings-error-push-needed");
        }
        _ => {}
    }
    if problems.any() {
        return Err(problems);
    }
    let language = form
        .sprak
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default();
    Ok(ContactSettings {
        chosen,
        mobile,
        email,
        language: language.code().to_owned(),
        // Saving the form is the patient's choice, also when they kept the language shown.
        language_chosen: true,
    })
}

pub async fn save(
    State(state): State<AppState>,
    patient: Patient,
    Form(form): Form<SettingsForm>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let devices = devices(&state, &patient).await?;
    match read(&form, !devices.is_empty()) {
        Ok(settings) => {
            state
                .store
                .save_contact_settings(&patient.user, &settings)
                .await
                .map_err(|e| Failure::store(t, e))?;
            Ok(Redirect::to("/varslinger?lagret=1").into_response())
        }
        Err(problems) => {
            let stored = state
                .store
                .contact_settings(&patient.user)
                .await
                .map_err(|e| Failure::store(t, e))?;
            let page = settings_page(&state, &patient, &form, problems, devices).await?;
            let page = SettingsPage {
                language_follows_site: !stored.language_chosen,
                ..page
            };
            Ok((StatusCode::BAD_REQUEST, html(&page)).into_response())
        }
    }
}

/// The patient's devices with push switched on.
async fn devices(
    state: &AppState,
    patient: &Patient,
) -> Result<Vec<StoredPushSubscription>, Failure> {
    state
        .store
        .push_subscriptions(&patient.user)
        .await
        .map_err(|e| Failure::store(patient.visitor.t, e))
}

async fn settings_page(
    state: &AppState,
    patient: &Patient,
    form: &SettingsForm,
    problems: Problems,
    devices: Vec<StoredPushSubscription>,
) -> Result<SettingsPage, Failure> {
    let t = patient.visitor.t;
    let chosen = form.kanal.as_deref().unwrap_or("");
    let channels = Channel::ALL
        .into_iter()
        .map(|channel| ChannelOption {
            value: channel.code(),
            label: t.get(&format!("notify-channel-{}", channel.code())),
            hint: t.get(&format!("notify-channel-{}-hint", channel.code())),
            checked: channel.code() == chosen,
        })
        .collect();
    let language = form.sprak.as_deref().and_then(Lang::parse).unwrap_or(t.0);
    let languages = Lang::ALL
        .into_iter()
        .map(|lang| LanguageOption {
            value: lang.code(),
            label: lang.text("language-name", &[]),
            selected: lang == language,
        })
        .collect();
    let (errors, [channel_error, mobile_error, email_error]) = field_errors(
        t,
        [
            ("kanal-sms", problems.channel),
            ("mobil", problems.mobile),
            ("epost", problems.email),
        ],
    );
    Ok(SettingsPage {
        page: Page::new(&patient.visitor, "notify-settings-title"),
        saved: false,
        errors,
        channel_error,
        mobile_error,
        email_error,
        channels,
        mobile: form.mobil.clone().unwrap_or_default(),
        email: form.epost.clone().unwrap_or_default(),
        languages,
        language_follows_site: false,
        represents: patient.visitor.representation.represents_anyone,
        devices: devices.iter().map(|d| device_view(state, t, d)).collect(),
        push_key: state.push.as_ref().map(|p| p.public_key.clone()),
    })
}

fn device_view(state: &AppState, t: T, device: &StoredPushSubscription) -> DeviceView {
    let added = device
        .created_at
        .to_zoned_datetime(state.zone.clone())
        .date();
    DeviceView {
        id: device.id,
        name: if device.device.is_empty() {
            t.get("notify-push-device-unnamed")
        } else {
            device.device.clone()
        },
        added: t.arg("notify-push-device-added", "date", &t.short_date(added)),
    }
}

/// What the portal's script posts when the browser has subscribed.
#[derive(Deserialize)]
pub struct SubscribeForm {
    endpoint: String,
    p256dh: String,
    auth: String,
    #[serde(default)]
    device: String,
}

pub async fn subscribe(
    State(state): State<AppState>,
    patient: Patient,
    Form(form): Form<SubscribeForm>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let Some(push) = &state.push else {
        return Err(Failure::new(t, Kind::NotFound));
    };
    let subscription =
        match PushSubscription::parse(&form.endpoint, &form.p256dh, &form.auth, &push.targets) {
            Ok(subscription) => subscription,
            // Browsers give https endpoints with plain hosts; anything else did not come
            // from one, and gets no explanation.
            Err(DomainError::PushTarget(
                refusal @ (PushTargetRefusal::NotKnownService | PushTargetRefusal::Address(_)),
            )) => return Ok(refused_endpoint(t, refusal)),
            Err(_) => return Err(Failure::new(t, Kind::BadRequest)),
        };
    if let Err(refusal) = resolves_publicly(&push.targets, subscription.endpoint()).await {
        return Ok(refused_endpoint(t, refusal));
    }
    state
        .store
        .add_push_subscription(&patient.user, &subscription, &form.device)
        .await
        .map_err(|e| Failure::store(t, e))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A well-formed subscription on a push service Timebok does not post to: the script shows
/// the text to the patient, in their language, and nothing is stored.
fn refused_endpoint(t: T, refusal: PushTargetRefusal) -> Response {
    tracing::info!(%refusal, "a push subscription was refused");
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; charset=utf-8",
        )],
        t.get("notify-push-refused"),
    )
        .into_response()
}

/// How long saving a subscription waits for DNS before leaving the address check to the
/// worker, which makes it again at every send in any case.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Whether the endpoint's host name leads to addresses the policy allows. A name that does
/// not resolve now is let through: the worker resolves and checks again before it connects,
/// and a passing DNS failure should not stop a patient from switching push on.
pub(crate) async fn resolves_publicly(
    policy: &PushTargetPolicy,
    endpoint: &str,
) -> Result<(), PushTargetRefusal> {
    let Ok(PushEndpoint {
        host: PushHost::Name(name),
        port,
        ..
    }) = PushEndpoint::parse(endpoint)
    else {
        // An address was judged by `parse`.
        return Ok(());
    };
    let lookup = tokio::net::lookup_host((name.as_str(), port.unwrap_or(443)));
    let Ok(Ok(addresses)) = tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await else {
        return Ok(());
    };
    for address in addresses {
        policy.check_address(address.ip())?;
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct UnsubscribeForm {
    endpoint: String,
}

/// The script's «Slå av» on this device: it knows its endpoint, not the stored id.
pub async fn unsubscribe(
    State(state): State<AppState>,
    patient: Patient,
    Form(form): Form<UnsubscribeForm>,
) -> Result<Response, Failure> {
    let t = patient.visitor.t;
    let devices = devices(&state, &patient).await?;
    let device = devices
        .iter()
        .find(|d| d.subscription.endpoint() == form.endpoint.trim())
        .ok_or_else(|| Failure::new(t, Kind::NotFound))?;
    remove_device(&state, &patient, device.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// «Fjern» beside a device in the list: works without JavaScript, from any device.
pub async fn remove(
    State(state): State<AppState>,
    patient: Patient,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    remove_device(&state, &patient, id).await?;
    Ok(Redirect::to("/varslinger").into_response())
}

/// Removes a device and, when it was the last and push was chosen, falls back to the default
/// channel so that notices keep arriving where they can.
async fn remove_device(state: &AppState, patient: &Patient, id: i64) -> Result<(), Failure> {
    let t = patient.visitor.t;
    state
        .store
        .remove_push_subscription(&patient.user, id)
        .await
        .map_err(|e| Failure::store(t, e))?;
    let left = devices(state, patient).await?;
    let mut settings = state
        .store
        .contact_settings(&patient.user)
        .await
        .map_err(|e| Failure::store(t, e))?;
    if left.is_empty() && settings.chosen == Some(Channel::Push) {
        settings.chosen = None;
        state
            .store
            .save_contact_settings(&patient.user, &settings)
            .await
            .map_err(|e| Failure::store(t, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kanal: &str, mobil: &str, epost: &str) -> SettingsForm {
        SettingsForm {
            kanal: Some(kanal.into()),
            mobil: Some(mobil.into()),
            epost: Some(epost.into()),
            sprak: Some("nn".into()),
        }
    }

    #[test]
    fn each_field_is_checked_on_its_own() {
        let problems = read(&form("sms", "1234", "ikke-epost"), false).expect_err("bad");
        assert_eq!(problems.mobile, Some("notify-settings-error-mobile"));
        assert_eq!(problems.email, Some("notify-settings-error-email"));
        assert_eq!(problems.channel, None);
    }

    #[test]
    fn the_chosen_channel_needs_its_address() {
        let sms = read(&form("sms", "", "kari@example.no"), false).expect_err("no number");
        assert_eq!(sms.mobile, Some("notify-settings-error-mobile-needed"));
        let email = read(&form("email", "91234567", ""), false).expect_err("no address");
        assert_eq!(email.email, Some("notify-settings-error-email-needed"));
        let push = read(&form("push", "", ""), false).expect_err("no device");
        assert_eq!(push.channel, Some("notify-settings-error-push-needed"));
        assert!(read(&form("push", "", ""), true).is_ok());
        let nothing = read(&SettingsForm::default(), false).expect_err("no channel");
        assert_eq!(nothing.channel, Some("notify-settings-error-channel"));
    }

    #[test]
    fn good_values_are_kept() {
        let settings =
            read(&form("email", "+47 912 34 567", " kari@example.no "), false).expect("ok");
        assert_eq!(settings.chosen, Some(Channel::Email));
        assert_eq!(
            settings.mobile.expect("mobile").international(),
            "+4791234567"
        );
        assert_eq!(settings.email.expect("email").as_str(), "kari@example.no");
        assert_eq!(settings.language, "nn");
        assert!(settings.language_chosen);
    }
}
