//! E-mail over SMTP with `lettre`: the notice as plain text, and the .ics for a booking.

use crate::compose::Notice;
use crate::config::{SmtpConfig, TlsMode};
use crate::error::SendError;
use domain::EmailAddress;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpSender {
    pub fn new(config: &SmtpConfig, timeout: Duration) -> Result<Self, String> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|_| format!("from = {:?} is not a mailbox", config.from))?;
        let builder = match config.tls {
            TlsMode::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host),
            TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| format!("TLS for {}: {e}", config.host))?,
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| format!("TLS for {}: {e}", config.host))?,
        };
        let mut builder = builder.port(config.port).timeout(Some(timeout));
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    pub async fn send(&self, to: &EmailAddress, notice: &Notice) -> Result<(), SendError> {
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|_| SendError::Refused("the e-mail address was refused".into()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(notice.subject.clone());
        let text = SinglePart::plain(format!("{}\n", notice.text));
        let message = match &notice.calendar {
            Some(calendar) => {
                let content_type =
                    ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                        .map_err(|_| SendError::Refused("bad content type".into()))?;
                let attachment =
                    Attachment::new("timeavtale.ics".into()).body(calendar.clone(), content_type);
                message.multipart(MultiPart::mixed().singlepart(text).singlepart(attachment))
            }
            None => message.singlepart(text),
        }
        .map_err(|e| SendError::Refused(format!("the e-mail could not be built: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(SendError::Refused(format!(
                "the mail server refused the message ({})",
                error
                    .status()
                    .map_or_else(|| "no code".into(), |c| c.to_string())
            ))),
            Err(error) if error.is_transient() => Err(SendError::Temporary(format!(
                "the mail server deferred the message ({})",
                error
                    .status()
                    .map_or_else(|| "no code".into(), |c| c.to_string())
            ))),
            Err(_) => Err(SendError::Temporary(
                "the mail server could not be reached".into(),
            )),
        }
    }
}
