//! Email: the templates (plain text, askama `templates/email/`), and the
//! transport — SMTP with lettre when `MLP_SMTP_URL` is set, else `.eml`
//! files under `var/mail/` so that a laptop needs no mail server (erased
//! after a day, like the bodies of sent emails: they hold private links).
//!
//! Emails are never sent from a request handler: they are written to the
//! outbox in the transaction of what they tell, and the worker
//! (`crate::jobs`) delivers them with retries.

pub mod outbox;
pub mod templates;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Why an email could not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// The mail system refused it for good (an unknown mailbox, an invalid
    /// address): retrying is pointless.
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    fn permanent(message: String) -> SendError {
        SendError { permanent: true, message }
    }
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Sends one email at a time through the configured transport.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.transport {
            Transport::Smtp(_) => write!(f, "Mailer(smtp)"),
            Transport::Files(_, dir) => write!(f, "Mailer(fichiers {})", dir.display()),
        }
    }
}

impl Mailer {
    /// SMTP at `smtp_url`, or files under `var_dir/mail`.
    pub fn new(smtp_url: Option<&str>, from: &str, var_dir: &std::path::Path) -> anyhow::Result<Mailer> {
        let from: Mailbox = from.parse().map_err(|e| anyhow::anyhow!("MLP_MAIL_FROM invalide : {e}"))?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("MLP_SMTP_URL invalide : {e}"))?
                    .timeout(Some(Duration::from_secs(15)))
                    .build(),
            ),
            None => {
                let dir = var_dir.join("mail");
                std::fs::create_dir_all(&dir).map_err(|e| anyhow::anyhow!("{} : {e}", dir.display()))?;
                Transport::Files(AsyncFileTransport::<Tokio1Executor>::new(&dir), dir)
            }
        };
        Ok(Mailer { transport, from })
    }

    /// Deletes the emails the file transport wrote (`var/mail/*.eml`) before
    /// `before`: they hold the same private links as the outbox's bodies,
    /// and are kept no longer. How many were deleted; nothing to do with
    /// SMTP.
    pub async fn purge_files(&self, before: std::time::SystemTime) -> std::io::Result<u64> {
        let Transport::Files(_, dir) = &self.transport else { return Ok(0) };
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || {
            let mut purged = 0;
            for entry in std::fs::read_dir(&dir)?.flatten() {
                let path = entry.path();
                let old = entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < before);
                if old && path.extension().is_some_and(|e| e == "eml") && std::fs::remove_file(&path).is_ok() {
                    purged += 1;
                }
            }
            Ok(purged)
        })
        .await
        .map_err(std::io::Error::other)?
    }

    /// Sends a plain-text email. The message id is stable for an outbox
    /// line, so that a resent email (a worker cut off between sending and
    /// recording) can be recognised by mail systems.
    pub async fn send(&self, to: &str, subject: &str, body: &str, message_id: &str) -> Result<(), SendError> {
        // A lycée with several business officers is written to all of them.
        let mut builder = Message::builder().from(self.from.clone());
        for one in to.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let mailbox: Mailbox =
                one.parse().map_err(|e| SendError::permanent(format!("adresse invalide {one} : {e}")))?;
            builder = builder.to(mailbox);
        }
        let message = builder
            .subject(subject)
            .message_id(Some(format!("<{message_id}@monlyceepro>")))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|e| SendError::permanent(format!("message invalide : {e}")))?;
        match &self.transport {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                // A 5xx answer (unknown mailbox, refused domain): no retry
                // will change it.
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Transport::Files(t, _) => {
                t.send(message).await.map(|_| ()).map_err(|e| SendError { permanent: false, message: e.to_string() })
            }
        }
    }
}
