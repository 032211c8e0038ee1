//! The showcase's Markdown sanitizer (`markdown::to_safe_html`) on arbitrary
//! text. The output is read back by a small checker, independent of
//! pulldown-cmark: every tag must be one Markdown makes, with only its
//! attributes, and every link must go to `https:`, `http:`, a `mailto:`
//! address or `#`. Text between tags must be escaped (no stray `<`/`>`), so
//! raw HTML typed by a lycée can never become markup.

#![no_main]

use libfuzzer_sys::fuzz_target;
use monlyceepro::markdown::to_safe_html;

/// Tags the sanitizer may produce and the attributes each may carry.
const ALLOWED: &[(&str, &[&str])] = &[
    ("p", &[]),
    ("strong", &[]),
    ("em", &[]),
    ("del", &[]),
    ("a", &["href", "title"]),
    ("ul", &[]),
    ("ol", &["start"]),
    ("li", &[]),
    ("blockquote", &[]),
    ("pre", &[]),
    ("code", &["class"]),
    ("hr", &[]),
    ("br", &[]),
];

/// The few entities the HTML writer produces in attribute values, decoded
/// so that an encoded `javascript:` cannot slip past the prefix check.
fn decode_entities(v: &str) -> String {
    v.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

fn check_href(href: &str, html: &str, typed: &str) {
    let v = decode_entities(href);
    let lower = v.to_ascii_lowercase();
    assert!(
        v == "#" || lower.starts_with("https:") || lower.starts_with("http:") || lower.starts_with("mailto:"),
        "href {href:?} in {html}"
    );
    // The "#" put in place of an unsafe address must stand alone: glued to
    // the `mailto:` the writer adds to email autolinks it is a broken link
    // the sanitizer made up (unless the author typed it).
    assert!(lower != "mailto:#" || typed.to_ascii_lowercase().contains("mailto:#"), "href {href:?} in {html}");
}

/// Reads one tag starting at `<` and returns the rest of the text after it.
fn check_tag<'a>(rest: &'a str, html: &str, typed: &str) -> &'a str {
    let mut s = rest.strip_prefix('<').expect("at a tag");
    let closing = s.starts_with('/');
    if closing {
        s = &s[1..];
    }
    let name_len = s.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(s.len());
    let name = &s[..name_len];
    s = &s[name_len..];
    let Some((_, attrs)) = ALLOWED.iter().find(|(n, _)| *n == name) else {
        panic!("tag <{}{name}> not allowed in {html}", if closing { "/" } else { "" });
    };
    loop {
        s = s.trim_start_matches(' ');
        if let Some(after) = s.strip_prefix("/>").or_else(|| s.strip_prefix('>')) {
            return after;
        }
        assert!(!closing, "attributes on a closing tag in {html}");
        let attr_len = s.find(|c: char| !(c.is_ascii_lowercase() || c == '-')).unwrap_or(s.len());
        let attr = &s[..attr_len];
        assert!(attrs.contains(&attr), "attribute {attr:?} on <{name}> in {html}");
        s = s[attr_len..].strip_prefix("=\"").unwrap_or_else(|| panic!("unquoted attribute in {html}"));
        let end = s.find('"').unwrap_or_else(|| panic!("unterminated attribute in {html}"));
        let value = &s[..end];
        assert!(!value.contains('<') && !value.contains('>'), "markup in attribute {value:?} in {html}");
        match attr {
            "href" => check_href(value, html, typed),
            "start" => assert!(value.bytes().all(|b| b.is_ascii_digit()), "start={value:?} in {html}"),
            "class" => assert!(value.starts_with("language-"), "class={value:?} in {html}"),
            _ => {}
        }
        s = &s[end + 1..];
    }
}

fn check(html: &str, typed: &str) {
    // Text keeps its quotes (`href="javascript:` may be shown as typed), so
    // only tags are looked for here; attributes are checked tag by tag.
    let lower = html.to_ascii_lowercase();
    for banned in ["<script", "<img", "<iframe", "<style", "<svg", "<input"] {
        assert!(!lower.contains(banned), "{banned} in {html}");
    }
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        assert!(!rest[..i].contains('>'), "unescaped > in text of {html}");
        rest = check_tag(&rest[i..], html, typed);
    }
    assert!(!rest.contains('>'), "unescaped > in text of {html}");
}

fuzz_target!(|data: &[u8]| {
    let markdown = String::from_utf8_lossy(data);
    check(&to_safe_html(&markdown), &markdown);
});
