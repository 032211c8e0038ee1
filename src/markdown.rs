//! The Markdown that lycées write on their showcase, made safe to show:
//! raw HTML is shown as text, links and images only to `https:`, `http:`
//! and `mailto:` addresses (no `javascript:`), images become links. The
//! result is HTML with nothing but what Markdown itself makes.

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// The address a link or image may point to: the destination if its scheme
/// is allowed, else `#`. It is trimmed, as checked: a destination written
/// in `<…>` may hold spaces around it, and written as typed it would be a
/// relative link (`%20https://…`) to a page of our own site.
fn safe_dest(url: CowStr<'_>) -> CowStr<'_> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")) {
        CowStr::Borrowed("#")
    } else if trimmed.len() == url.len() {
        url
    } else {
        CowStr::from(trimmed.to_string())
    }
}

/// Markdown to safe HTML.
pub fn to_safe_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        // Raw HTML is text: what was typed is shown, never run.
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        // An email autolink (`<nom@lycee.fr>`) holds a bare address that
        // the HTML writer prefixes with `mailto:` itself; CommonMark only
        // makes one from address characters, so it is kept as is.
        e @ Event::Start(Tag::Link { link_type: LinkType::Email, .. }) => e,
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_dest(dest_url), title, id })
        }
        // Images are not embedded (no third-party requests from our pages):
        // they become links to the image.
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: safe_dest(dest_url), title, id })
        }
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        // Headings would break the page's outline: they become strong text.
        Event::Start(Tag::Heading { .. }) => Event::Start(Tag::Paragraph),
        Event::End(TagEnd::Heading(_)) => Event::End(TagEnd::Paragraph),
        e => e,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn markdown_is_made_safe() {
        assert_eq!(to_safe_html("**Atelier** de *soudure*"), "<p><strong>Atelier</strong> de <em>soudure</em></p>\n");
        assert!(to_safe_html("- CAP\n- Bac pro").contains("<li>CAP</li>"));
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[clic](javascript:alert(1))",
            "![x](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[x](  JAVASCRIPT:alert(1))",
            "<iframe src=https://evil.example></iframe>",
        ];
        for c in cases {
            let html = to_safe_html(c);
            assert!(!html.contains("<script") && !html.contains("<img") && !html.contains("<iframe"), "{c} → {html}");
            // A real link to javascript: never; the same text shown escaped is harmless.
            assert!(!html.to_lowercase().contains("<a href=\"javascript"), "{c} → {html}");
        }
        assert!(to_safe_html("[site](https://lycee.fr)").contains("<a href=\"https://lycee.fr\">site</a>"));
        assert!(to_safe_html("# Titre").starts_with("<p>Titre</p>"));
    }

    #[test]
    fn addresses_are_followed_as_checked() {
        // Found while writing the fuzz checker (fuzz/ markdown): an address
        // in <…> may start with a space; it was checked trimmed but written
        // as typed, a relative link to "%20https://…" on our own site.
        assert_eq!(to_safe_html("[site](< https://lycee.fr >)"), "<p><a href=\"https://lycee.fr\">site</a></p>\n");
        assert_eq!(
            to_safe_html("![plan](< https://lycee.fr/p.png>)"),
            "<p><a href=\"https://lycee.fr/p.png\">plan</a></p>\n"
        );
        assert_eq!(to_safe_html("[x](< javascript:alert(1)>)"), "<p><a href=\"#\">x</a></p>\n");
    }

    #[test]
    fn email_autolinks_keep_their_address() {
        // Found by fuzzing (fuzz/ markdown): the address of `<a@b.fr>` has no
        // scheme, so it was replaced by "#" and the link became `mailto:#`.
        assert_eq!(
            to_safe_html("Écrivez à <ce.0690043x@ac-lyon.fr>"),
            "<p>Écrivez à <a href=\"mailto:ce.0690043x@ac-lyon.fr\">ce.0690043x@ac-lyon.fr</a></p>\n"
        );
    }
}
