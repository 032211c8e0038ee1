//! One rule at the boundary for every text the service accepts: the
//! control characters other than tab and line breaks are refused before
//! any handler runs — in the path, the query string, a posted form or a
//! JSON body (`domain::text::forbidden_character`). A page answers with a
//! French message naming the field, the API with its JSON error (422,
//! `champs`). Nothing is stored, nothing reaches the database (PostgreSQL
//! refuses NUL in text: it used to answer 500).
//!
//! Multipart forms (CSV files) are left to their readers, which check each
//! line themselves.

use super::error::{ApiError, error_page};
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::text::{character_code, forbidden_character};

/// Largest body read to be checked; a larger form or JSON body is refused
/// here (the handlers' own limits are smaller: 128 KiB for forms, 64 KiB
/// for the API).
const MAX_CHECKED_BODY: usize = 1024 * 1024;

/// Where a forbidden character was found: the field (or "adresse" for the
/// path) and the character.
struct Found {
    field: String,
    character: char,
}

fn in_pairs(text: &[u8]) -> Option<Found> {
    form_urlencoded::parse(text).find_map(|(k, v)| {
        forbidden_character(&k)
            .or_else(|| forbidden_character(&v))
            .map(|character| Found { field: k.into_owned(), character })
    })
}

fn in_json(value: &serde_json::Value, path: &str) -> Option<Found> {
    use serde_json::Value;
    match value {
        Value::String(s) => forbidden_character(s).map(|character| Found { field: path.to_string(), character }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| in_json(v, &format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let here = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            forbidden_character(k)
                .map(|character| Found { field: here.clone(), character })
                .or_else(|| in_json(v, &here))
        }),
        _ => None,
    }
}

fn in_path(path: &str) -> Option<Found> {
    let decoded = percent_decode(path);
    forbidden_character(&decoded).map(|character| Found { field: "adresse".into(), character })
}

/// The path with its `%XX` escapes decoded (invalid UTF-8 replaced: a path
/// that is not text is not looked for anyway).
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = path.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn refused(api: bool, found: &Found) -> Response {
    let code = character_code(found.character);
    if api {
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "champs_invalides",
            format!("caractère non autorisé ({code})"),
        );
        e.champs.insert(
            found.field.clone(),
            format!("caractère de contrôle non autorisé ({code}) : seuls le texte, les tabulations et les retours à la ligne sont admis"),
        );
        return e.into_response();
    }
    error_page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Caractère non autorisé",
        format!(
            "Le champ « {} » contient un caractère invisible qui n'est pas du texte ({code}) : rien n'a été \
             enregistré. Revenez à la page précédente, retirez-le (ou retapez le texte) et envoyez de nouveau.",
            found.field
        ),
    )
}

/// The middleware: checks the path and query, and a form or JSON body.
pub async fn refuse_control_characters(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    if let Some(found) = in_path(req.uri().path()).or_else(|| req.uri().query().and_then(|q| in_pairs(q.as_bytes()))) {
        return refused(api, &found);
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .unwrap_or_default();
    let json = kind == "application/json" || kind.ends_with("+json");
    let form = kind == "application/x-www-form-urlencoded";
    if !(json || form) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_CHECKED_BODY).await {
        Ok(b) => b,
        Err(_) if api => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "trop_volumineux",
                "corps de la requête trop volumineux",
            )
            .into_response();
        }
        Err(_) => {
            return error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Formulaire trop volumineux",
                "Le formulaire envoyé est trop volumineux : rien n'a été enregistré.".to_string(),
            );
        }
    };
    let found = if form {
        in_pairs(&bytes)
    } else {
        // A body that is not JSON is the handler's to refuse, in its words.
        serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|v| in_json(&v, ""))
    };
    if let Some(found) = found {
        return refused(api, &found);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_a_text_comes_from() {
        assert_eq!(in_pairs(b"message=a%00b&x=1").map(|f| f.field), Some("message".into()));
        assert_eq!(in_pairs(b"message=ligne%0D%0Asuite%09tab").map(|f| f.field), None);
        assert_eq!(in_pairs(b"a%1Bb=1").map(|f| f.character), Some('\u{1b}'));
        let v: serde_json::Value =
            serde_json::from_str(r#"{"contact":{"nom":"ok","prenom":"a\u0000"},"metiers":["F1602","\u0007"]}"#)
                .expect("json");
        assert_eq!(in_json(&v, "").map(|f| f.field), Some("contact.prenom".into()));
        let v: serde_json::Value = serde_json::from_str(r#"{"metiers":["F1602","\u0007"]}"#).expect("json");
        assert_eq!(in_json(&v, "").map(|f| f.field), Some("metiers[1]".into()));
        assert!(in_path("/espace/demandes/MLP%00").is_some());
        assert!(in_path("/lycees/0690043X").is_none());
        assert!(in_path("/suivi/%E2%82%AC").is_none());
    }
}
