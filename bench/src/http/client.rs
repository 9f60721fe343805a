//! One HTTP client per connection: a keep-alive connection of its own, no redirects
//! followed (the flows follow them by hand, as a browser would, counting each request), and
//! the cookies the server set.

use reqwest::header::{COOKIE, HeaderMap, HeaderName, HeaderValue, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use std::collections::BTreeMap;
use std::time::Duration;

/// Any request that takes longer counts as an error; no scenario waits forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION)?.to_str().ok()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The CSRF token of the page's first form.
    pub fn csrf(&self) -> Option<&str> {
        input_value(&self.body, "csrf")
    }

    /// 2xx and 3xx: what a working page or redirect answers.
    pub fn fine(&self) -> bool {
        self.status.is_success() || self.status.is_redirection()
    }
}

/// The value of the first `<input … name="{name}" value="…">` of a page.
pub fn input_value<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = body.find(&needle)? + needle.len();
    let rest = &body[start..];
    Some(&rest[..rest.find('"')?])
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
    bearer: Option<String>,
}

impl Client {
    pub fn new(base: &str) -> Result<Self, reqwest::Error> {
        Self::with_timeout(base, REQUEST_TIMEOUT)
    }

    /// A client for one long request, such as a large import.
    pub fn with_timeout(base: &str, timeout: Duration) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1)
            .timeout(timeout)
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            cookies: BTreeMap::new(),
            bearer: None,
        })
    }

    /// A machine client of the FHIR API.
    pub fn machine(base: &str, token: &str) -> Result<Self, reqwest::Error> {
        let mut client = Self::new(base)?;
        client.bearer = Some(token.to_owned());
        Ok(client)
    }

    /// Forgets every cookie, as a new browser on the same connection.
    pub fn clear_cookies(&mut self) {
        self.cookies.clear();
    }

    pub async fn get(&mut self, path: &str) -> Result<Answer, reqwest::Error> {
        self.send(Method::GET, path, &[], None).await
    }

    pub async fn get_with(
        &mut self,
        path: &str,
        headers: &[(HeaderName, HeaderValue)],
    ) -> Result<Answer, reqwest::Error> {
        self.send(Method::GET, path, headers, None).await
    }

    /// A form, URL-encoded.
    pub async fn post_form(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Result<Answer, reqwest::Error> {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let content = HeaderValue::from_static("application/x-www-form-urlencoded");
        self.send(
            Method::POST,
            path,
            &[(reqwest::header::CONTENT_TYPE, content)],
            Some(body.into_bytes()),
        )
        .await
    }

    pub async fn post(
        &mut self,
        path: &str,
        headers: &[(HeaderName, HeaderValue)],
        body: Vec<u8>,
    ) -> Result<Answer, reqwest::Error> {
        self.send(Method::POST, path, headers, Some(body)).await
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(HeaderName, HeaderValue)],
        body: Option<Vec<u8>>,
    ) -> Result<Answer, reqwest::Error> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            let jar = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            request = request.header(COOKIE, jar);
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        for cookie in headers.get_all(SET_COOKIE) {
            let Some((pair, _)) = cookie
                .to_str()
                .ok()
                .map(|c| c.split_once(';').unwrap_or((c, "")))
            else {
                continue;
            };
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || cookie.to_str().is_ok_and(|c| c.contains("Max-Age=0")) {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_owned(), value.trim().to_owned());
                }
            }
        }
        let body = response.text().await?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// Percent-encoding of a form value: everything but unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
