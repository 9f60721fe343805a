//! Where Timebok may post a Web Push notice. A subscription's endpoint comes from a patient's
//! browser, so it is untrusted: aimed at loopback, the private network or a cloud's metadata
//! service, it would make the notification worker a proxy into the operator's own network.
//! The rules here are pure; the web layer applies them when a subscription is saved and the
//! notification worker again at send time, to the address it actually connects to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The push services of the browsers patients use: Chrome, Edge's older builds, Opera and
/// Samsung Internet (Firebase Cloud Messaging), Firefox (Mozilla's autopush), Edge (Windows
/// Push Notification Services) and Safari (Apple Push Notification service).
pub const BROWSER_PUSH_SERVICES: [&str; 5] = [
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.notify.windows.com",
    "web.push.apple.com",
    "*.push.apple.com",
];

/// What an IP address reaches, as far as sending a push notice goes. Only
/// [`AddressKind::Public`] is a place a push service can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    Public,
    /// `0.0.0.0/8`, `::`: on many systems a connection to it reaches this very machine.
    Unspecified,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918: `10/8`, `172.16/12`, `192.168/16`.
    Private,
    /// Carrier-grade NAT, `100.64/10` (RFC 6598): a provider's internal network.
    SharedNat,
    /// `169.254/16`, `fe80::/10`.
    LinkLocal,
    /// `fc00::/7` (RFC 4193), and the deprecated site-local `fec0::/10`.
    UniqueLocal,
    /// A cloud's instance metadata service (`169.254.169.254`, `fd00:ec2::254`): credentials.
    Metadata,
    /// `224/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// The documentation ranges: `192.0.2/24`, `198.51.100/24`, `203.0.113/24`,
    /// `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// Anything else not routed on the internet: `192.0.0/24`, benchmarking `198.18/15`,
    /// `240/4`, IPv6 outside global unicast, discard-only, the IETF's protocol assignments
    /// (Teredo, ORCHID) and local-use NAT64.
    Reserved,
}

impl AddressKind {
    /// Classifies an address. IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4)
    /// are judged by the IPv4 address they lead to.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::of_v4(v4),
            IpAddr::V6(v6) => Self::of_v6(v6),
        }
    }

    pub fn is_public(self) -> bool {
        self == Self::Public
    }

    /// A short name for logs and stored errors.
    pub fn code(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Unspecified => "unspecified",
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::SharedNat => "shared (CGNAT)",
            Self::LinkLocal => "link-local",
            Self::UniqueLocal => "unique-local",
            Self::Metadata => "cloud metadata",
            Self::Multicast => "multicast",
            Self::Broadcast => "broadcast",
            Self::Documentation => "documentation",
            Self::Reserved => "reserved",
        }
    }

    fn of_v4(ip: Ipv4Addr) -> Self {
        let [a, b, c, _] = ip.octets();
        if ip == Ipv4Addr::new(169, 254, 169, 254) {
            Self::Metadata
        } else if ip.is_broadcast() {
            Self::Broadcast
        } else if a == 0 {
            Self::Unspecified
        } else if ip.is_loopback() {
            Self::Loopback
        } else if ip.is_private() {
            Self::Private
        } else if a == 100 && (b & 0xc0) == 64 {
            Self::SharedNat
        } else if ip.is_link_local() {
            Self::LinkLocal
        } else if ip.is_multicast() {
            Self::Multicast
        } else if ip.is_documentation() {
            Self::Documentation
        } else if (a, b, c) == (192, 0, 0) || (a == 198 && (b & 0xfe) == 18) || a >= 240 {
            Self::Reserved
        } else {
            Self::Public
        }
    }

    fn of_v6(ip: Ipv6Addr) -> Self {
        let segments = ip.segments();
        if let Some(v4) = ip.to_ipv4_mapped() {
            return Self::of_v4(v4);
        }
        if ip.is_unspecified() {
            return Self::Unspecified;
        }
        if ip.is_loopback() {
            return Self::Loopback;
        }
        if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
            return Self::Metadata;
        }
        let embedded = |high: u16, low: u16| {
            let [h1, h2] = high.to_be_bytes();
            let [l1, l2] = low.to_be_bytes();
            Ipv4Addr::new(h1, h2, l1, l2)
        };
        match segments {
            // NAT64 (RFC 6052): the connection goes on to the IPv4 address inside.
            [0x64, 0xff9b, 0, 0, 0, 0, high, low] => return Self::of_v4(embedded(high, low)),
            // 6to4 (RFC 3056): likewise, to the IPv4 address in the second and third groups.
            [0x2002, high, low, ..] => return Self::of_v4(embedded(high, low)),
            _ => {}
        }
        let first = segments[0];
        if (first & 0xff00) == 0xff00 {
            Self::Multicast
        } else if (first & 0xffc0) == 0xfe80 {
            Self::LinkLocal
        } else if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfec0 {
            Self::UniqueLocal
        } else if (first, segments[1]) == (0x2001, 0x0db8) || (first & 0xfff0) == 0x3ff0 {
            Self::Documentation
        } else if (first & 0xe000) != 0x2000 || (first == 0x2001 && segments[1] < 0x0200) {
            // Only 2000::/3 is global unicast; 2001::/23 is the IETF's protocol assignments,
            // Teredo among them, whose IPv4 address is hidden.
            Self::Reserved
        } else {
            Self::Public
        }
    }
}

/// Why an endpoint is not a place Timebok posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PushTargetRefusal {
    #[error("a push endpoint is an https address")]
    NotHttps,
    #[error("a push endpoint carries no user name or password")]
    UserInfo,
    #[error("the push endpoint's host is not a plain host name or IP address")]
    BadHost,
    #[error("the push endpoint's host is not one of the known push services")]
    NotKnownService,
    #[error("the push endpoint's host is a {} address", .0.code())]
    Address(AddressKind),
}

/// The host of an endpoint, as a URL parser sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushHost {
    /// A lower-case host name.
    Name(String),
    Ip(IpAddr),
}

impl PushHost {
    fn is_loopback(&self) -> bool {
        match self {
            Self::Name(name) => is_localhost(name),
            Self::Ip(ip) => AddressKind::of(*ip) == AddressKind::Loopback,
        }
    }
}

/// `localhost` and its subdomains are loopback by definition (RFC 6761), whatever DNS says.
fn is_localhost(name: &str) -> bool {
    name == "localhost" || name.ends_with(".localhost")
}

/// One entry of the list of known push services: a host, or `*.` and a domain for any host
/// below it (not the domain itself).
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostPattern {
    suffix: bool,
    name: String,
}

impl HostPattern {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        let (suffix, name) = match text.strip_prefix("*.") {
            Some(name) => (true, name.to_owned()),
            None => (false, text),
        };
        valid_host_name(&name).then_some(Self { suffix, name })
    }

    fn matches(&self, host: &str) -> bool {
        if self.suffix {
            host.strip_suffix(self.name.as_str())
                .and_then(|head| head.strip_suffix('.'))
                .is_some_and(|label| !label.is_empty())
        } else {
            host == self.name
        }
    }
}

/// Which push endpoints this installation posts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushTargetPolicy {
    allow_private_hosts: bool,
    known_services: Option<Vec<HostPattern>>,
}

impl PushTargetPolicy {
    /// `known_services`: when given, endpoints must be on one of these hosts (`*.domain`
    /// for the hosts below a domain). `allow_private_hosts` admits loopback and private
    /// addresses, and plain http on loopback: a push service on the developer's own machine
    /// or in a test, never in production. An entry that is not a host name is returned.
    pub fn new<S: AsRef<str>>(
        allow_private_hosts: bool,
        known_services: Option<&[S]>,
    ) -> Result<Self, String> {
        let known_services = known_services
            .map(|list| {
                list.iter()
                    .map(|entry| {
                        HostPattern::parse(entry.as_ref()).ok_or_else(|| entry.as_ref().to_owned())
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(Self {
            allow_private_hosts,
            known_services,
        })
    }

    /// Any https endpoint on a public address: what stored subscriptions are read under, so
    /// that one added under an earlier policy still loads and is judged again at send time.
    pub fn any_public_host() -> Self {
        Self {
            allow_private_hosts: false,
            known_services: None,
        }
    }

    pub fn allows_private_hosts(&self) -> bool {
        self.allow_private_hosts
    }

    /// Whether an endpoint with this scheme and host may be posted to, before its name is
    /// resolved; the addresses a name resolves to go through [`Self::check_address`].
    pub fn check(&self, https: bool, host: &PushHost) -> Result<(), PushTargetRefusal> {
        let local_http = self.allow_private_hosts && host.is_loopback();
        if !https && !local_http {
            return Err(PushTargetRefusal::NotHttps);
        }
        if let Some(known) = &self.known_services {
            let listed = match host {
                PushHost::Name(name) => known.iter().any(|pattern| pattern.matches(name)),
                // Push services are reached by name; an address is never on the list.
                PushHost::Ip(_) => false,
            };
            if !listed {
                return Err(PushTargetRefusal::NotKnownService);
            }
        }
        match host {
            PushHost::Ip(ip) => self.check_address(*ip),
            PushHost::Name(name) if is_localhost(name) && !self.allow_private_hosts => {
                Err(PushTargetRefusal::Address(AddressKind::Loopback))
            }
            PushHost::Name(_) => Ok(()),
        }
    }

    /// Whether a connection to `ip` may carry a push notice.
    pub fn check_address(&self, ip: IpAddr) -> Result<(), PushTargetRefusal> {
        match AddressKind::of(ip) {
            AddressKind::Public => Ok(()),
            _ if self.allow_private_hosts => Ok(()),
            kind => Err(PushTargetRefusal::Address(kind)),
        }
    }
}

/// A parsed endpoint: its scheme, host and port. Stricter than a browser's URL parser on
/// purpose: any host another parser could read differently (a number that is an IPv4
/// address in disguise, percent-encoding, a backslash, user info) is refused, so what is
/// checked here is what the worker connects to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEndpoint {
    pub https: bool,
    pub host: PushHost,
    pub port: Option<u16>,
}

impl PushEndpoint {
    pub fn parse(endpoint: &str) -> Result<Self, PushTargetRefusal> {
        let (https, rest) = if let Some(rest) = endpoint.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = endpoint.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(PushTargetRefusal::NotHttps);
        };
        if endpoint.contains('\\') {
            return Err(PushTargetRefusal::BadHost);
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(PushTargetRefusal::UserInfo);
        }
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (inside, after) = bracketed
                .split_once(']')
                .ok_or(PushTargetRefusal::BadHost)?;
            let ip: Ipv6Addr = inside.parse().map_err(|_| PushTargetRefusal::BadHost)?;
            let port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or(PushTargetRefusal::BadHost)?),
            };
            (PushHost::Ip(IpAddr::V6(ip)), port)
        } else {
            let (host, port) = match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            (parse_host(host)?, port)
        };
        let port = port
            .map(|digits| {
                digits
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| digits.parse::<u16>().ok())
                    .flatten()
                    .filter(|port| *port != 0)
                    .ok_or(PushTargetRefusal::BadHost)
            })
            .transpose()?;
        Ok(Self { https, host, port })
    }
}

/// A host name or a dotted-quad IPv4 address. A name whose last label is a number would be
/// read by URL parsers as an IPv4 address in another notation (`2130706433`, `0x7f.1`,
/// `127.1`), so it must be the plain dotted quad or nothing.
fn parse_host(host: &str) -> Result<PushHost, PushTargetRefusal> {
    let host = host.to_ascii_lowercase();
    let last = host.rsplit('.').next().unwrap_or_default();
    let numeric =
        (!last.is_empty() && last.bytes().all(|b| b.is_ascii_digit())) || last.starts_with("0x");
    if numeric {
        let ip: Ipv4Addr = host.parse().map_err(|_| PushTargetRefusal::BadHost)?;
        // Read back as written, so that no notation but the plain quad gets through.
        if ip.to_string() != host {
            return Err(PushTargetRefusal::BadHost);
        }
        return Ok(PushHost::Ip(IpAddr::V4(ip)));
    }
    if valid_host_name(&host) {
        Ok(PushHost::Name(host))
    } else {
        Err(PushTargetRefusal::BadHost)
    }
}

/// Letters, digits and hyphens in dot-separated labels of 1–63 characters, at most 253 in
/// all, no trailing dot: the names push services have, and nothing a parser could decode.
fn valid_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}
