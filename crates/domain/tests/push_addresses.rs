//! Which addresses a push notice may go to: every range that leads into the operator's own
//! network, or nowhere on the internet, is refused; the internet's own addresses are not.

use std::net::IpAddr;
use timebok_domain::{AddressKind, PushTargetPolicy, PushTargetRefusal};

use AddressKind::{
    Broadcast, Documentation, LinkLocal, Loopback, Metadata, Multicast, Private, Public, Reserved,
    SharedNat, UniqueLocal, Unspecified,
};

/// Addresses and what they reach, range by range, with the neighbours of the ranges' edges.
const TABLE: &[(&str, AddressKind)] = &[
    // The internet: push services' own addresses and their neighbours.
    ("142.250.74.106", Public),
    ("8.8.8.8", Public),
    ("1.1.1.1", Public),
    ("100.63.255.255", Public),
    ("100.128.0.0", Public),
    ("172.15.255.255", Public),
    ("172.32.0.0", Public),
    ("192.167.255.255", Public),
    ("169.253.255.255", Public),
    ("198.20.0.0", Public),
    ("223.255.255.255", Public),
    ("2a00:1450:400f:80d::200a", Public),
    ("2620:fe::fe", Public),
    ("2001:4860:4860::8888", Public),
    ("::ffff:142.250.74.106", Public),
    ("64:ff9b::8.8.8.8", Public),
    ("2002:0808:0808::1", Public),
    // This machine.
    ("0.0.0.0", Unspecified),
    ("0.1.2.3", Unspecified),
    ("::", Unspecified),
    ("127.0.0.1", Loopback),
    ("127.255.255.254", Loopback),
    ("::1", Loopback),
    ("::ffff:127.0.0.1", Loopback),
    ("::ffff:0.0.0.0", Unspecified),
    // The private network (RFC 1918), the provider's (RFC 6598) and the link.
    ("10.0.0.1", Private),
    ("10.255.255.255", Private),
    ("172.16.0.1", Private),
    ("172.31.255.255", Private),
    ("192.168.1.1", Private),
    ("::ffff:10.0.0.1", Private),
    ("::ffff:192.168.0.10", Private),
    ("64:ff9b::10.0.0.1", Private),
    ("2002:c0a8:0101::1", Private),
    ("100.64.0.1", SharedNat),
    ("100.127.255.255", SharedNat),
    ("169.254.0.1", LinkLocal),
    ("169.254.255.255", LinkLocal),
    ("fe80::1", LinkLocal),
    ("febf::1", LinkLocal),
    ("fc00::1", UniqueLocal),
    ("fd12:3456:789a::1", UniqueLocal),
    ("fec0::1", UniqueLocal),
    // The clouds' instance metadata services.
    ("169.254.169.254", Metadata),
    ("::ffff:169.254.169.254", Metadata),
    ("fd00:ec2::254", Metadata),
    // Not one host.
    ("224.0.0.1", Multicast),
    ("239.255.255.250", Multicast),
    ("ff02::1", Multicast),
    ("ff05::2", Multicast),
    ("255.255.255.255", Broadcast),
    // Documentation (RFC 5737, RFC 3849, RFC 9637).
    ("192.0.2.1", Documentation),
    ("198.51.100.7", Documentation),
    ("203.0.113.200", Documentation),
    ("2001:db8::1", Documentation),
    ("3fff::1", Documentation),
    // Not routed on the internet.
    ("192.0.0.8", Reserved),
    ("198.18.0.1", Reserved),
    ("198.19.255.255", Reserved),
    ("240.0.0.1", Reserved),
    ("::127.0.0.1", Reserved),
    ("64:ff9b:1::1", Reserved),
    ("100::1", Reserved),
    ("2001::1", Reserved),
    ("2001:1ff::1", Reserved),
    ("4000::1", Reserved),
];

#[test]
fn each_address_is_classified_by_its_range() {
    let mut wrong = Vec::new();
    for (text, expected) in TABLE {
        let ip: IpAddr = text.parse().expect("address");
        let found = AddressKind::of(ip);
        if found != *expected {
            wrong.push(format!("{text}: {found:?}, expected {expected:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn only_public_addresses_pass_unless_private_hosts_are_allowed() {
    let production = PushTargetPolicy::any_public_host();
    let development = PushTargetPolicy::new::<&str>(true, None).expect("policy");
    let ip = |text: &str| text.parse::<IpAddr>().expect("address");
    assert_eq!(production.check_address(ip("142.250.74.106")), Ok(()));
    assert_eq!(
        production.check_address(ip("127.0.0.1")),
        Err(PushTargetRefusal::Address(AddressKind::Loopback))
    );
    assert_eq!(
        production.check_address(ip("169.254.169.254")),
        Err(PushTargetRefusal::Address(AddressKind::Metadata))
    );
    assert_eq!(development.check_address(ip("127.0.0.1")), Ok(()));
    assert_eq!(development.check_address(ip("10.0.0.1")), Ok(()));
}

#[test]
fn a_known_service_entry_must_be_a_host_name() {
    for entry in [
        "fcm.googleapis.com",
        "*.push.apple.com",
        "FCM.googleapis.com",
    ] {
        assert!(
            PushTargetPolicy::new(false, Some(&[entry][..])).is_ok(),
            "{entry}"
        );
    }
    for entry in [
        "",
        "*",
        "*.",
        "https://fcm.googleapis.com",
        "fcm.googleapis.com/",
        "a..b",
    ] {
        assert_eq!(
            PushTargetPolicy::new(false, Some(&[entry][..])),
            Err(entry.to_owned()),
            "{entry:?}"
        );
    }
}
