//! How a patient wants to be notified, and the addresses to do it with.

use crate::DomainError;
use crate::push_target::{PushEndpoint, PushTargetPolicy};
use serde::{Deserialize, Serialize};

/// A Norwegian mobile number: eight digits starting with 4 or 9, with or without +47.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobileNumber(String);

/// The eight digits of a Norwegian phone number as people write it: «912 34 567»,
/// «22 33 44 55», «+47 91234567» or «0047 91234567».
fn norwegian_digits(text: &str) -> Option<String> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '-' | '.'))
        .collect();
    let national = compact
        .strip_prefix("+47")
        .or_else(|| compact.strip_prefix("0047"))
        .unwrap_or(&compact);
    (national.len() == 8 && national.bytes().all(|b| b.is_ascii_digit()))
        .then(|| national.to_owned())
}

impl MobileNumber {
    /// Reads «912 34 567», «+47 91234567» or «0047 91234567».
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        norwegian_digits(text)
            .filter(|n| matches!(n.as_bytes().first(), Some(b'4' | b'9')))
            .map(Self)
            .ok_or(DomainError::MobileNumber)
    }

    /// The number in E.164 form, as SMS gateways take it: `+4791234567`.
    pub fn international(&self) -> String {
        format!("+47{}", self.0)
    }

    /// The eight digits, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MobileNumber {
    /// The way Norwegians write a mobile number: «912 34 567».
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (a, rest) = self.0.split_at(3);
        let (b, c) = rest.split_at(2);
        write!(f, "{a} {b} {c}")
    }
}

impl std::fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MobileNumber(…)")
    }
}

impl TryFrom<String> for MobileNumber {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MobileNumber> for String {
    fn from(value: MobileNumber) -> Self {
        value.0
    }
}

/// A Norwegian phone number a clinic is called on: eight digits, not starting with 0 or 1.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        norwegian_digits(text)
            .filter(|n| !matches!(n.as_bytes().first(), Some(b'0' | b'1')))
            .map(Self)
            .ok_or(DomainError::PhoneNumber)
    }

    /// `+4722334455`.
    pub fn international(&self) -> String {
        format!("+47{}", self.0)
    }

    /// The eight digits, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PhoneNumber {
    /// As Norwegians write it: a mobile number «912 34 567», another «22 33 44 55».
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = &self.0;
        if matches!(d.as_bytes().first(), Some(b'4' | b'9')) {
            write!(f, "{} {} {}", &d[..3], &d[3..5], &d[5..])
        } else {
            write!(f, "{} {} {} {}", &d[..2], &d[2..4], &d[4..6], &d[6..])
        }
    }
}

/// An e-mail address of the plain `local@domain.tld` form that mail servers accept.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_LENGTH: usize = 254;

    pub fn parse(text: &str) -> Result<Self, DomainError> {
        let text = text.trim();
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(DomainError::EmailAddress);
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.chars().all(char::is_alphabetic) && tld.len() >= 2);
        if local_ok && domain_ok && text.len() <= Self::MAX_LENGTH {
            Ok(Self(text.to_owned()))
        } else {
            Err(DomainError::EmailAddress)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmailAddress(…)")
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

/// Where a patient receives notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Channel {
    Sms,
    Email,
    Push,
}

impl Channel {
    pub const ALL: [Self; 3] = [Self::Sms, Self::Email, Self::Push];

    pub fn code(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
            Self::Push => "push",
        }
    }

    pub fn parse(code: &str) -> Result<Self, DomainError> {
        Self::ALL
            .into_iter()
            .find(|channel| channel.code() == code)
            .ok_or(DomainError::Channel)
    }
}

/// A patient's notification settings as they chose them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContactSettings {
    /// The channel the patient picked; `None` until they pick one.
    pub chosen: Option<Channel>,
    pub mobile: Option<MobileNumber>,
    pub email: Option<EmailAddress>,
    /// The language notifications are written in, as a code (`nb`, `nn`, `en`).
    pub language: String,
    /// Whether the patient picked `language` themself. Until they do, it follows the
    /// language they last used on the site, which the portal keeps up to date.
    pub language_chosen: bool,
}

impl ContactSettings {
    /// The channel to notify on: the chosen one, or SMS when a mobile number is known, or
    /// e-mail when only an address is. `None` means there is nowhere to send.
    pub fn channel(&self) -> Option<Channel> {
        self.chosen.or(if self.mobile.is_some() {
            Some(Channel::Sms)
        } else if self.email.is_some() {
            Some(Channel::Email)
        } else {
            None
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobile_numbers_in_the_ways_norwegians_write_them() {
        for text in [
            "91234567",
            "912 34 567",
            "+47 912 34 567",
            "004791234567",
            "41234567",
        ] {
            let number = MobileNumber::parse(text).expect(text);
            assert_eq!(number.international().len(), 11, "{text}");
        }
        assert_eq!(
            MobileNumber::parse("+47 912 34 567")
                .expect("valid")
                .to_string(),
            "912 34 567"
        );
    }

    #[test]
    fn landlines_foreign_and_short_numbers_are_not_mobile_numbers() {
        for text in [
            "",
            "22 22 22 22",
            "9123456",
            "912345678",
            "+46 91234567",
            "9123456a",
        ] {
            assert_eq!(
                MobileNumber::parse(text),
                Err(DomainError::MobileNumber),
                "{text}"
            );
        }
    }

    #[test]
    fn clinic_phone_numbers_are_landlines_or_mobiles() {
        let landline = PhoneNumber::parse("+47 22 33 44 55").expect("landline");
        assert_eq!(landline.to_string(), "22 33 44 55");
        assert_eq!(landline.international(), "+4722334455");
        assert_eq!(
            PhoneNumber::parse("912.34.567")
                .expect("mobile")
                .to_string(),
            "912 34 567"
        );
        for text in [
            "",
            "02 33 44 55",
            "12345678",
            "2233445",
            "22 33 44 5x",
            "+46 22334455",
        ] {
            assert_eq!(
                PhoneNumber::parse(text),
                Err(DomainError::PhoneNumber),
                "{text}"
            );
        }
    }

    #[test]
    fn e_mail_addresses() {
        for text in [
            "kari@example.no",
            " ola.nordmann+time@post.example.com ",
            "å@ø.no",
        ] {
            assert!(EmailAddress::parse(text).is_ok(), "{text}");
        }
        for text in [
            "",
            "kari",
            "kari@",
            "@example.no",
            "kari@example",
            "kari@@example.no",
            "kari nordmann@example.no",
            "kari@example..no",
            "kari@-example.no",
            "<kari@example.no>",
            "kari@example.no\r\nBcc: x@example.no",
            ".kari@example.no",
        ] {
            assert_eq!(
                EmailAddress::parse(text),
                Err(DomainError::EmailAddress),
                "{text:?}"
            );
        }
        let labels = vec!["b".repeat(60); 4].join(".");
        let too_long = format!("{}@{labels}.no", "a".repeat(64));
        assert_eq!(
            EmailAddress::parse(&too_long),
            Err(DomainError::EmailAddress)
        );
    }

    #[test]
    fn sms_is_the_default_when_a_number_is_known() {
        let mobile = MobileNumber::parse("91234567").ok();
        let email = EmailAddress::parse("kari@example.no").ok();
        let settings =
            |chosen, mobile: Option<MobileNumber>, email: Option<EmailAddress>| ContactSettings {
                chosen,
                mobile,
                email,
                language: "nb".into(),
                language_chosen: false,
            };
        assert_eq!(
            settings(None, mobile.clone(), email.clone()).channel(),
            Some(Channel::Sms)
        );
        assert_eq!(
            settings(None, None, email.clone()).channel(),
            Some(Channel::Email)
        );
        assert_eq!(settings(None, None, None).channel(), None);
        assert_eq!(
            settings(Some(Channel::Push), mobile, email).channel(),
            Some(Channel::Push)
        );
    }

    #[test]
    fn channels_round_trip_through_their_codes() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.code()), Ok(channel));
        }
        assert_eq!(Channel::parse("fax"), Err(DomainError::Channel));
    }
}

/// One browser's Web Push subscription: where to post, and the keys to encrypt for it
/// (RFC 8291).
#[derive(Clone, PartialEq, Eq)]
pub struct PushSubscription {
    endpoint: String,
    p256dh: String,
    auth: String,
}

impl PushSubscription {
    /// Reads what a browser's `PushSubscription` holds, for an endpoint that `policy` lets
    /// Timebok post to: https on a known push service or a public host, never loopback or
    /// the private network unless the policy admits them for a local push service.
    pub fn parse(
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        policy: &PushTargetPolicy,
    ) -> Result<Self, DomainError> {
        let subscription = Self::from_stored(endpoint, p256dh, auth)?;
        let target =
            PushEndpoint::parse(&subscription.endpoint).map_err(DomainError::PushTarget)?;
        policy
            .check(target.https, &target.host)
            .map_err(DomainError::PushTarget)?;
        Ok(subscription)
    }

    /// A subscription as stored: its shape and keys are checked, not its host. It was
    /// checked under the policy of the day it was added, and the sender checks it again
    /// against the address it connects to, so one added under an earlier policy still loads
    /// beside the patient's other devices.
    pub fn from_stored(endpoint: &str, p256dh: &str, auth: &str) -> Result<Self, DomainError> {
        let endpoint = endpoint.trim();
        let scheme_ok = endpoint.starts_with("https://") || endpoint.starts_with("http://");
        let shape_ok = endpoint.len() <= 1024
            && endpoint.len() > "https://x".len()
            && endpoint.chars().all(|c| c.is_ascii_graphic());
        if !scheme_ok || !shape_ok {
            return Err(DomainError::PushSubscription);
        }
        let key_length = |text: &str| base64_url_length(text.trim());
        // An uncompressed P-256 point is 65 bytes; the auth secret is 16.
        if key_length(p256dh) != Some(65) || key_length(auth) != Some(16) {
            return Err(DomainError::PushSubscription);
        }
        Ok(Self {
            endpoint: endpoint.to_owned(),
            p256dh: p256dh.trim().trim_end_matches('=').to_owned(),
            auth: auth.trim().trim_end_matches('=').to_owned(),
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The browser's public key, base64url without padding.
    pub fn p256dh(&self) -> &str {
        &self.p256dh
    }

    /// The browser's auth secret, base64url without padding.
    pub fn auth(&self) -> &str {
        &self.auth
    }
}

impl std::fmt::Debug for PushSubscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PushSubscription(…)")
    }
}

/// How many bytes base64url `text` (padding optional) decodes to, or `None` if it is not
/// base64url.
fn base64_url_length(text: &str) -> Option<usize> {
    let text = text.trim_end_matches('=');
    let alphabet_ok = text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !alphabet_ok || text.len() % 4 == 1 {
        return None;
    }
    Some(text.len() * 3 / 4)
}

#[cfg(test)]
mod push_tests {
    use super::*;
    use crate::PushTargetRefusal;

    const P256DH: &str =
        "BGa4N1PI79lboMR_YrwCiCsgp35DRvedt7opHcf0yM3iOBTSoQYqQLwWxAfRKE6tsDnReWmhsImkhDF_DBdkNSU";
    const AUTH: &str = "EvcWjEgzr4rbvhfi3yds0A";

    fn public() -> PushTargetPolicy {
        PushTargetPolicy::any_public_host()
    }

    fn local() -> PushTargetPolicy {
        PushTargetPolicy::new::<&str>(true, None).expect("policy")
    }

    #[test]
    fn a_browser_subscription_is_accepted() {
        let sub =
            PushSubscription::parse("https://push.example.net/send/abc", P256DH, AUTH, &public())
                .expect("valid");
        assert_eq!(sub.endpoint(), "https://push.example.net/send/abc");
    }

    #[test]
    fn plain_http_only_on_loopback_and_only_when_allowed() {
        let local_endpoint = "http://127.0.0.1:9000/push/1";
        assert!(PushSubscription::parse(local_endpoint, P256DH, AUTH, &public()).is_err());
        assert!(PushSubscription::parse(local_endpoint, P256DH, AUTH, &local()).is_ok());
        assert!(PushSubscription::parse("http://10.0.0.1/push", P256DH, AUTH, &local()).is_err());
        assert!(
            PushSubscription::parse("http://127.0.0.1.evil.example/", P256DH, AUTH, &local())
                .is_err()
        );
    }

    #[test]
    fn loopback_and_private_hosts_are_refused_over_https_too() {
        for endpoint in [
            "https://127.0.0.1:8443/push",
            "https://localhost/push",
            "https://api.localhost/push",
            "https://10.1.2.3/push",
            "https://[::1]:8443/push",
            "https://[::ffff:127.0.0.1]/push",
            "https://169.254.169.254/latest/meta-data/",
            "https://[fd00:ec2::254]/",
        ] {
            assert!(
                matches!(
                    PushSubscription::parse(endpoint, P256DH, AUTH, &public()),
                    Err(DomainError::PushTarget(PushTargetRefusal::Address(_)))
                ),
                "{endpoint}"
            );
        }
    }

    #[test]
    fn hosts_another_parser_could_read_otherwise_are_refused() {
        for endpoint in [
            "https://2130706433/push",
            "https://0x7f.0.0.1/push",
            "https://127.1/push",
            "https://0177.0.0.1/push",
            "https://127.0.0.%31/push",
            "https://push.example.net@127.0.0.1/push",
            "https://push.example.net\\@127.0.0.1/push",
            "https://push.example.net./push",
            "https://push.example.net:0/push",
            "https://push.example.net:99999/push",
            "https://[::1%25lo]/push",
        ] {
            assert!(
                PushSubscription::parse(endpoint, P256DH, AUTH, &local()).is_err(),
                "{endpoint}"
            );
        }
    }

    #[test]
    fn the_known_services_are_matched_by_host_or_by_domain() {
        let known =
            PushTargetPolicy::new(false, Some(&crate::BROWSER_PUSH_SERVICES[..])).expect("policy");
        for endpoint in [
            "https://fcm.googleapis.com/fcm/send/abc",
            "https://updates.push.services.mozilla.com/wpush/v2/abc",
            "https://wns2-par02p.notify.windows.com/w/?token=abc",
            "https://web.push.apple.com/abc",
            "https://api.push.apple.com/3/device/abc",
            "https://FCM.googleapis.com:443/fcm/send/abc",
        ] {
            assert!(
                PushSubscription::parse(endpoint, P256DH, AUTH, &known).is_ok(),
                "{endpoint}"
            );
        }
        for endpoint in [
            "https://push.example.net/send/abc",
            "https://notify.windows.com/w/",
            "https://evilnotify.windows.com/w/",
            "https://fcm.googleapis.com.evil.example/fcm/send/abc",
            "https://142.250.74.106/fcm/send/abc",
        ] {
            assert_eq!(
                PushSubscription::parse(endpoint, P256DH, AUTH, &known),
                Err(DomainError::PushTarget(PushTargetRefusal::NotKnownService)),
                "{endpoint}"
            );
        }
    }

    #[test]
    fn keys_of_the_wrong_size_or_alphabet_are_refused() {
        let endpoint = "https://push.example.net/send/abc";
        let policy = public();
        assert!(PushSubscription::parse(endpoint, AUTH, AUTH, &policy).is_err());
        assert!(PushSubscription::parse(endpoint, P256DH, P256DH, &policy).is_err());
        assert!(
            PushSubscription::parse(endpoint, P256DH, "EvcWjEgzr4rbvhfi3yds0+", &policy).is_err()
        );
        assert!(
            PushSubscription::parse("https://push.example.net/a b", P256DH, AUTH, &policy).is_err()
        );
    }
}
