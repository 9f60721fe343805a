//! Timebok's notifications: the outbox worker and its channels (SMTP, an SMS gateway over
//! HTTP, Web Push). The texts are written in the patient's language from the Fluent files.

mod compose;
mod config;
mod error;
mod hook;
pub mod push;
mod push_encryption;
mod sms;
mod smtp;
#[cfg(feature = "testing")]
pub mod testing;
mod vapid;
mod worker;

pub use compose::{Notice, Portal, compose, invitation_link};
pub use config::{NotifyConfig, PushConfig, SmsConfig, SmtpConfig, TlsMode};
pub use error::SendError;
pub use hook::{HookPayload, HookSender};
pub use worker::{Round, Worker, backoff};
