//! Where a browser is sent back to: after switching the language, after logging in. The path
//! comes from the request (a query parameter, a cookie, the page asked for), so anyone can
//! write it; this type is the one place that decides whether it stays on this site.

/// A path of this site, such as `/bestill/3?dag=2025-12-17`: printable ASCII only, starting
/// with one `/`, with no `//`, no backslash, no dot segment, and no percent-encoded form of any
/// of these or of a control character or a look-alike slash. A browser given it as a
/// `Location` stays on this site, and so does any hop that decodes it once more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPath(String);

/// Why a path was refused. Callers fall back to a start page, so this is never shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReturnPathError {
    #[error("a return path must not be empty or longer than {max} bytes", max = ReturnPath::MAX_LEN)]
    Length,
    #[error("a return path must be printable ASCII")]
    Characters,
    #[error("a return path must be a path of this site")]
    NotLocal,
    #[error("a return path has a malformed or dangerous percent-encoding")]
    Encoding,
}

/// Characters some software folds into `/` or `\`: fullwidth and mathematical slashes.
const SLASH_LIKE: [char; 8] = [
    '\u{2044}', // FRACTION SLASH
    '\u{2215}', // DIVISION SLASH
    '\u{29F5}', // REVERSE SOLIDUS OPERATOR
    '\u{29F8}', // BIG SOLIDUS
    '\u{29F9}', // BIG REVERSE SOLIDUS
    '\u{FE68}', // SMALL REVERSE SOLIDUS
    '\u{FF0F}', // FULLWIDTH SOLIDUS
    '\u{FF3C}', // FULLWIDTH REVERSE SOLIDUS
];

impl ReturnPath {
    /// Long enough for any page of Timebok with its query; short enough for a cookie.
    pub const MAX_LEN: usize = 1000;

    /// The path exactly as it will stand in `Location`: a query parameter's value after the
    /// form decoding (which decodes once), or a request's own path and query as it arrived.
    /// It is not decoded here again; its percent-escapes are only checked for what a second
    /// decoding by some other hop would reveal.
    pub fn parse(text: &str) -> Result<Self, ReturnPathError> {
        if text.is_empty() || text.len() > Self::MAX_LEN {
            return Err(ReturnPathError::Length);
        }
        // Browsers drop tabs and line breaks from a URL and fold `\` into `/`, so
        // `/<TAB>/evil.example` would leave the site; a header cannot hold the rest.
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ReturnPathError::Characters);
        }
        local(text).map_err(|()| ReturnPathError::NotLocal)?;
        let decoded = percent_decode(text).ok_or(ReturnPathError::Encoding)?;
        let decoded = String::from_utf8(decoded).map_err(|_| ReturnPathError::Encoding)?;
        if decoded
            .chars()
            .any(|c| c.is_control() || SLASH_LIKE.contains(&c))
        {
            return Err(ReturnPathError::Encoding);
        }
        local(&decoded).map_err(|()| ReturnPathError::Encoding)?;
        Ok(Self(text.to_owned()))
    }

    /// A path written by [`ReturnPath::encoded`] (kept in a cookie), decoded once and checked.
    pub fn decode(encoded: &str) -> Result<Self, ReturnPathError> {
        let bytes = percent_decode(encoded).ok_or(ReturnPathError::Encoding)?;
        let text = String::from_utf8(bytes).map_err(|_| ReturnPathError::Characters)?;
        Self::parse(&text)
    }

    /// The path with everything but letters, digits, `-._~` and `/` percent-encoded: fit for
    /// a cookie's value or a query parameter, and read back by one decoding.
    pub fn encoded(&self) -> String {
        self.0
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The site's front page: where a refused path leads instead.
impl Default for ReturnPath {
    fn default() -> Self {
        Self("/".to_owned())
    }
}

impl std::fmt::Display for ReturnPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `text` is a path on this site: one leading `/`, no `//` (another host, or one
/// after a browser removes a dot segment), no backslash (a `/` to browsers), no dot segment.
fn local(text: &str) -> Result<(), ()> {
    if !text.starts_with('/') || text.contains("//") || text.contains('\\') {
        return Err(());
    }
    let path = text.split(['?', '#']).next().unwrap_or_default();
    if path
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return Err(());
    }
    Ok(())
}

/// `text` with each `%XY` decoded once; `None` for a `%` without two hex digits after it.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // Two hex digits exactly: `from_str_radix` alone would also take a sign.
            let hex = bytes
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_this_site_are_kept_as_they_are() {
        for path in [
            "/",
            "/timeavtaler",
            "/bestill/3?dag=2025-12-17&sted=4&tid=12",
            "/klinikk/publisering?dag=2025-12-17&melding=endret",
            "/bestill?melding=stengt#innhold",
            "/sok?q=%C3%A6%C3%B8%C3%A5",
            "/a.b/c..d/.e",
        ] {
            assert_eq!(
                ReturnPath::parse(path).map(|p| p.as_str().to_owned()),
                Ok(path.to_owned()),
                "{path}"
            );
        }
    }

    /// The usual ways out of a site, each as it would reach `parse` after one decoding.
    #[test]
    fn every_known_bypass_is_refused() {
        for bad in [
            "",
            "evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "//evil.example",
            "///evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "\t//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%2F/evil.example",
            "/%09/evil.example",
            "/%0A/evil.example",
            "/%0d%0aSet-Cookie:x=1",
            "/%00",
            "/.//evil.example",
            "/./evil.example",
            "/../evil.example",
            "/%2e%2e/evil.example",
            "/%2E/",
            "/a//b",
            "/\u{FF0F}evil.example",
            "/\u{2215}evil.example",
            "\u{FF0F}\u{FF0F}evil.example",
            "/%EF%BC%8F%EF%BC%8Fevil.example",
            "/%E2%88%95evil.example",
            // Overlong UTF-8 for `/` and `\`, which old decoders accepted.
            "/%C0%AF/evil.example",
            "/%C0%AFevil.example",
            "/%C1%9C",
            "/%E0%80%AF",
            "/%",
            "/%4",
            "/%zz",
            "/%+1",
            "/ evil",
            "/\u{7F}",
            "/\u{85}",
            "/\u{2028}",
        ] {
            assert!(ReturnPath::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            ReturnPath::parse(&format!("/{}", "a".repeat(ReturnPath::MAX_LEN))),
            Err(ReturnPathError::Length)
        );
    }

    #[test]
    fn a_path_survives_its_encoding_and_one_decoding() {
        for path in [
            "/",
            "/bestill/3?dag=2025-12-17&sted=4",
            "/sok?q=%C3%A6;x=\"y\"",
        ] {
            let kept = ReturnPath::parse(path).expect("path");
            let encoded = kept.encoded();
            assert!(
                encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
                "{encoded}"
            );
            assert_eq!(ReturnPath::decode(&encoded), Ok(kept));
        }
        // Decoded once, never twice: an encoded `//` stays refused.
        for bad in [
            "%2F%2Fevil.example",
            "/%252F%252Fevil.example",
            "/%09/evil.example",
            "/%5Cevil.example",
            "%2F%5Cevil.example",
            "/%C0%AFevil.example",
            "/%EF%BC%8Fevil.example",
        ] {
            assert!(ReturnPath::decode(bad).is_err(), "{bad}");
        }
        assert_eq!(ReturnPath::default().as_str(), "/");
    }
}
