//! Posted HTML forms, read without ever rejecting the request: a page
//! answers a malformed or oversized form with a French message of its own,
//! not with the framework's English error.

use super::api::Params;
use axum::extract::{FromRequest, Request};

/// Largest form accepted (the request journey's message is 5,000
/// characters; 128 KiB leaves room for encoding).
pub const MAX_FORM: usize = 128 * 1024;

/// The fields of a posted form (`application/x-www-form-urlencoded`);
/// `too_large` when the body was over the limit (then no field is read).
pub struct PostedForm {
    pub fields: Params,
    pub too_large: bool,
}

impl<S: Send + Sync> FromRequest<S> for PostedForm {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        match axum::body::to_bytes(req.into_body(), MAX_FORM).await {
            Ok(bytes) => Ok(PostedForm {
                fields: Params(form_urlencoded::parse(&bytes).into_owned().collect()),
                too_large: false,
            }),
            Err(_) => Ok(PostedForm { fields: Params(Vec::new()), too_large: true }),
        }
    }
}

impl PostedForm {
    /// A field's value, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> String {
        self.fields.text(name).unwrap_or_default().to_string()
    }

    /// A field's raw value, untrimmed ("" when absent): free text keeps its
    /// line breaks and spaces.
    pub fn raw(&self, name: &str) -> String {
        self.fields.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }

    /// Every value of a repeated field.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields.list(name).into_iter().map(str::to_string).collect()
    }
}
