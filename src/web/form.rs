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

/// A date as people type it in a French form: `11/01/2027`, `11-01-2027`,
/// `11.01.2027`, `1/1/2027`, `11012027` (day first, always), or the
/// `2027-01-11` a date picker sends. Text fields rather than
/// `<input type="date">`: a date picker reads "11012027" in the browser's
/// locale (11 January became 1 November in an English Chromium).
pub fn typed_date(text: &str) -> Option<time::Date> {
    let t = text.trim();
    let number = |s: &str| s.parse::<u16>().ok();
    let (day, month, year) = if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
        (number(&t[..2])?, number(&t[2..4])?, number(&t[4..])?)
    } else {
        let parts: Vec<&str> = t.split(['/', '-', '.', ' ']).filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [y, m, d] if y.len() == 4 => (number(d)?, number(m)?, number(y)?),
            [d, m, y] if y.len() == 4 && d.len() <= 2 && m.len() <= 2 => (number(d)?, number(m)?, number(y)?),
            _ => return None,
        }
    };
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    time::Date::from_calendar_date(i32::from(year), month, u8::try_from(day).ok()?).ok()
}

/// A date as French forms show it: `11/01/2027`.
pub fn date_text(d: time::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_typed_day_first() {
        let jan11 = time::macros::date!(2027 - 01 - 11);
        for typed in ["11/01/2027", "11012027", " 11-01-2027 ", "11.01.2027", "2027-01-11", "11 01 2027"] {
            assert_eq!(typed_date(typed), Some(jan11), "{typed}");
        }
        assert_eq!(typed_date("1/2/2027"), Some(time::macros::date!(2027 - 02 - 01)));
        for bad in ["", "31/02/2027", "13/13/2027", "11/01/27", "demain", "110127", "11/01/2027/3", "00/01/2027"] {
            assert_eq!(typed_date(bad), None, "{bad}");
        }
        assert_eq!(date_text(jan11), "11/01/2027");
    }
}

/// A file sent with a form (`multipart/form-data`): the form's CSRF token
/// and the one file field, read without ever rejecting the request.
#[derive(Debug, Default)]
pub struct Upload {
    /// The `csrf` field.
    pub csrf: String,
    /// The file's name and bytes, when one was chosen.
    pub file: Option<(String, Vec<u8>)>,
    /// The file, or the body, was over the limit.
    pub too_large: bool,
}

impl Upload {
    /// Reads `multipart` (the file in field `field`, at most `max` bytes);
    /// `None` when the body is not a multipart form at all.
    pub async fn read(
        multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
        field: &str,
        max: usize,
    ) -> Option<Upload> {
        let mut m = multipart.ok()?;
        let mut out = Upload::default();
        loop {
            match m.next_field().await {
                Ok(Some(f)) => {
                    let name = f.name().unwrap_or("").to_string();
                    let filename = f.file_name().unwrap_or("").to_string();
                    match f.bytes().await {
                        Ok(b) if name == "csrf" => out.csrf = String::from_utf8_lossy(&b).into_owned(),
                        Ok(b) if name == field => {
                            out.too_large |= b.len() > max;
                            out.file = Some((filename, b.to_vec()));
                        }
                        Ok(_) => {}
                        Err(_) => {
                            out.too_large = true;
                            break;
                        }
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    out.too_large = true;
                    break;
                }
            }
        }
        Some(out)
    }

    /// The chosen file as CSV text, or what is wrong with it, in French.
    pub fn csv_text(self, max_label: &str) -> Result<String, String> {
        if self.too_large {
            return Err(format!("Fichier trop volumineux : {max_label} au plus."));
        }
        let Some((filename, bytes)) = self.file.filter(|(f, b)| !f.is_empty() || !b.is_empty()) else {
            return Err("Choisissez un fichier CSV.".into());
        };
        let lower = filename.to_lowercase();
        if !(lower.ends_with(".csv") || lower.ends_with(".txt")) {
            return Err("Le fichier doit être un CSV (extension .csv).".into());
        }
        String::from_utf8(bytes)
            .map_err(|_| "Le fichier n'est pas en UTF-8 : dans votre tableur, enregistrez-le en « CSV UTF-8 ».".into())
    }
}
