//! FHIR Subscriptions' notifications: each posted to the subscriber's endpoint as FHIR JSON.
//!
//! The endpoint is the subscriber's own choice, so it is held to the push endpoints' policy
//! with the same client ([`crate::push`]): https on a public address (private hosts only where
//! the operator allows them), every resolved address checked, no redirect followed. Any answer
//! but a 2xx is tried again with the worker's backoff, since a journal system that is down or
//! being deployed answers all sorts of things; only a refused endpoint fails at once. Logs
//! name the subscription and the HTTP status, never the appointment or the patient.

use crate::error::{SendError, http_failure};
use crate::push::{check_url, checked_client, refused_address};
use domain::PushTargetPolicy;
use std::sync::Arc;
use std::time::Duration;
use store::HookDelivery;

/// Writes the notification of one event: the FHIR side's, given by the program.
pub type HookPayload = Arc<dyn Fn(&HookDelivery) -> serde_json::Value + Send + Sync>;

pub struct HookSender {
    client: reqwest::Client,
    policy: PushTargetPolicy,
    payload: HookPayload,
}

impl HookSender {
    pub fn new(
        policy: PushTargetPolicy,
        payload: HookPayload,
        timeout: Duration,
    ) -> Result<Self, String> {
        Ok(Self {
            client: checked_client(&policy, timeout)?,
            policy,
            payload,
        })
    }

    /// Posts the notification; the status the endpoint answered with when it took it.
    pub async fn post(&self, delivery: &HookDelivery) -> Result<u16, SendError> {
        let subscription = delivery.subscription.id;
        let Ok(url) = reqwest::Url::parse(&delivery.subscription.endpoint) else {
            return Err(SendError::Refused("the endpoint is not a URL".into()));
        };
        if let Err(refusal) = check_url(&self.policy, &url) {
            tracing::warn!(subscription, %refusal, "a subscription's endpoint was refused");
            return Err(SendError::Refused(format!("not sent: {refusal}")));
        }
        let body = (self.payload)(delivery).to_string();
        let mut request = self
            .client
            .post(url)
            .header("Content-Type", "application/fhir+json; charset=utf-8")
            .body(body);
        if let Some(authorization) = &delivery.authorization {
            request = request.header("Authorization", authorization.as_str());
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    Ok(status.as_u16())
                } else if status.is_redirection() {
                    Err(SendError::Refused(format!(
                        "the journal system answered {status}; redirects are not followed"
                    )))
                } else {
                    Err(SendError::Temporary(format!(
                        "the journal system answered {status}"
                    )))
                }
            }
            Err(error) => match refused_address(&error) {
                Some(refusal) => {
                    tracing::warn!(subscription, %refusal, "a subscription's endpoint was refused");
                    Err(SendError::Refused(format!("not sent: {refusal}")))
                }
                None => Err(http_failure("the journal system", &error)),
            },
        }
    }
}
