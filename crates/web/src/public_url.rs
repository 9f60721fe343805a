//! Where browsers and machine clients reach Timebok. Every absolute link the server writes —
//! FHIR `Location` and Bundle links, the bulk manifest, deep links, login redirects, links in
//! notifications — starts here, never with a request's `Host` or `X-Forwarded-Proto`, which
//! anyone can send.

/// The root of an `http` or `https` site: `https://timebok.example.no`. Not a path below
/// one: every page links to its neighbours from the root (`/bestill/…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "public_url must be the root of an http or https site, with no path or query, such as \
     https://timebok.example.no"
)]
pub struct PublicUrlError;

impl PublicUrl {
    pub fn parse(text: &str) -> Result<Self, PublicUrlError> {
        let url = reqwest::Url::parse(text.trim()).map_err(|_| PublicUrlError)?;
        let fits = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|h| !h.is_empty())
            && url.username().is_empty()
            && url.password().is_none()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none();
        if !fits {
            return Err(PublicUrlError);
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The absolute URL of a path of this site (`/fhir/metadata`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl std::fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_is_the_root_of_a_site() {
        for (text, expected) in [
            ("https://timebok.example.no", "https://timebok.example.no"),
            ("https://timebok.example.no/", "https://timebok.example.no"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ] {
            assert_eq!(PublicUrl::parse(text).map(|u| u.0), Ok(expected.into()));
        }
        for bad in [
            "",
            "timebok.example.no",
            "ftp://example.no",
            "https://example.no/?x=1",
            "https://example.no/timebok/",
            "https://example.no/#top",
            "https://user:pw@example.no",
            "javascript:alert(1)",
        ] {
            assert_eq!(PublicUrl::parse(bad), Err(PublicUrlError), "{bad}");
        }
        let url = PublicUrl::parse("https://timebok.example.no/").expect("url");
        assert_eq!(url.join("/fhir"), "https://timebok.example.no/fhir");
    }
}
