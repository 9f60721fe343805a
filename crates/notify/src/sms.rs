//! SMS through an HTTP gateway: the configured JSON body with the number and the text filled in.

use crate::config::SmsConfig;
use crate::error::{SendError, http_failure, http_outcome};
use domain::MobileNumber;
use serde_json::Value;
use std::time::Duration;

/// The gateway's JSON body with `{{to}}`, `{{text}}` and `{{sender}}` in string values.
/// Values are put in after parsing, so a text can never break the JSON.
#[derive(Debug, Clone)]
pub struct BodyTemplate(Value);

impl BodyTemplate {
    pub fn parse(text: &str) -> Result<Self, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("body_template is not JSON: {e}"))?;
        if !text.contains("{{to}}") || !text.contains("{{text}}") {
            return Err("body_template must hold {{to}} and {{text}}".into());
        }
        Ok(Self(value))
    }

    pub fn render(&self, to: &str, text: &str, sender: &str) -> Value {
        fn fill(value: &Value, to: &str, text: &str, sender: &str) -> Value {
            match value {
                Value::String(s) => Value::String(
                    s.replace("{{to}}", to)
                        .replace("{{sender}}", sender)
                        .replace("{{text}}", text),
                ),
                Value::Array(items) => {
                    Value::Array(items.iter().map(|v| fill(v, to, text, sender)).collect())
                }
                Value::Object(map) => Value::Object(
                    map.iter()
                        .map(|(k, v)| (k.clone(), fill(v, to, text, sender)))
                        .collect(),
                ),
                other => other.clone(),
            }
        }
        fill(&self.0, to, text, sender)
    }
}

pub struct SmsSender {
    client: reqwest::Client,
    config: SmsConfig,
    template: BodyTemplate,
}

impl SmsSender {
    pub fn new(config: &SmsConfig, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self {
            client,
            template: BodyTemplate::parse(&config.body_template)?,
            config: config.clone(),
        })
    }

    pub async fn send(&self, to: &MobileNumber, text: &str) -> Result<(), SendError> {
        let body = self
            .template
            .render(&to.international(), text, &self.config.sender);
        let mut request = self.client.post(&self.config.url).json(&body);
        if let Some(token) = &self.config.token {
            request = request.bearer_auth(token);
        } else if let Some(user) = &self.config.username {
            request = request.basic_auth(user, self.config.password.as_ref());
        }
        let response = request
            .send()
            .await
            .map_err(|e| http_failure("the SMS gateway", &e))?;
        http_outcome("the SMS gateway", response.status())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_with_quotes_and_newlines_stay_inside_their_string() {
        let template = BodyTemplate::parse(
            r#"{"to": "{{to}}", "message": "{{text}}", "from": "{{sender}}", "n": 1}"#,
        )
        .expect("template");
        let body = template.render("+4791234567", "«Hei» \"Kari\"\n}", "Helsenorge");
        assert_eq!(body["message"], "«Hei» \"Kari\"\n}");
        assert_eq!(body["to"], "+4791234567");
        assert_eq!(body["n"], 1);
    }

    #[test]
    fn a_template_without_number_or_text_is_refused() {
        assert!(BodyTemplate::parse(r#"{"message": "{{text}}"}"#).is_err());
        assert!(BodyTemplate::parse("to={{to}}&text={{text}}").is_err());
    }
}
