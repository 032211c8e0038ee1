//! What every page shares: the DSFR header, footer and assets (the
//! header and footer left out of the pages shown in a partner's frame).

use super::assets;

/// Data the base layout needs on every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The main navigation entry to mark as current ("accueil", "lycees"…).
    pub current: &'static str,
    pub dsfr: &'static str,
    pub app_css: &'static str,
    pub app_js: &'static str,
    /// The conformance level of the accessibility statement (footer).
    pub accessibility: &'static str,
    /// Shown inside a partner platform's page (`/integration/…`): no
    /// header, footer or skip links, whose links would lead the frame to
    /// pages that refuse to be framed; the partner's page is the site.
    pub framed: bool,
}

impl Chrome {
    pub fn new(current: &'static str) -> Chrome {
        Chrome {
            current,
            dsfr: assets::DSFR,
            app_css: assets::APP_CSS,
            app_js: assets::APP_JS,
            accessibility: super::accessibilite::level(),
            framed: false,
        }
    }

    /// The minimal layout of the pages embedded by partner platforms.
    pub fn framed() -> Chrome {
        Chrome { framed: true, ..Chrome::new("") }
    }
}

/// A link of a breadcrumb.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub label: String,
    pub href: String,
}

impl Crumb {
    pub fn new(label: impl Into<String>, href: impl Into<String>) -> Crumb {
        Crumb { label: label.into(), href: href.into() }
    }
}

pub use domain::text::thousands;

/// "1,3 km".
pub fn km(d: f64) -> String {
    format!("{:.1} km", d).replace('.', ",")
}

#[cfg(test)]
mod tests {
    #[test]
    fn french_numbers() {
        assert_eq!(super::km(1.26), "1,3 km");
    }
}

/// A link of a list's pagination.
pub struct PageLink {
    pub number: usize,
    pub href: String,
    pub current: bool,
}

/// The DSFR pagination of a list (`templates/pagination.html`): the
/// first and last pages, two on each side of the current one, the
/// previous and the next. Empty when everything fits on one page.
#[derive(Default)]
pub struct Pager {
    pub pages: Vec<PageLink>,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// What the navigation is called for screen readers.
    pub label: &'static str,
}

impl Pager {
    /// `total` items, `per_page` a page, page `current` (from 1) shown;
    /// `url` gives a page's address.
    pub fn new(
        total: usize,
        per_page: usize,
        current: usize,
        label: &'static str,
        url: impl Fn(usize) -> String,
    ) -> Pager {
        let last = total.div_ceil(per_page).max(1);
        if total <= per_page {
            return Pager { label, ..Pager::default() };
        }
        let mut numbers: Vec<usize> = vec![1];
        numbers.extend((current.saturating_sub(2).max(1))..=(current + 2).min(last));
        numbers.push(last);
        numbers.sort_unstable();
        numbers.dedup();
        Pager {
            pages: numbers.into_iter().map(|n| PageLink { number: n, href: url(n), current: n == current }).collect(),
            previous: (current > 1).then(|| url(current.min(last + 1) - 1)),
            next: (current < last).then(|| url(current + 1)),
            label,
        }
    }

    /// The number of pages of `total` items.
    pub fn last(total: usize, per_page: usize) -> usize {
        total.div_ceil(per_page).max(1)
    }
}
