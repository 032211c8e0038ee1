//! What every page shares: the DSFR header, footer and assets.

use super::assets;

/// Data the base layout needs on every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The main navigation entry to mark as current ("accueil", "lycees"…).
    pub current: &'static str,
    pub dsfr: &'static str,
    pub app_css: &'static str,
    pub app_js: &'static str,
}

impl Chrome {
    pub fn new(current: &'static str) -> Chrome {
        Chrome { current, dsfr: assets::DSFR, app_css: assets::APP_CSS, app_js: assets::APP_JS }
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

/// Formats a count the French way ("2 090", with a narrow no-break space).
pub fn thousands(n: i64) -> String {
    let neg = n < 0;
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if neg { format!("-{out}") } else { out }
}

/// "1,3 km".
pub fn km(d: f64) -> String {
    format!("{:.1} km", d).replace('.', ",")
}

#[cfg(test)]
mod tests {
    #[test]
    fn french_numbers() {
        assert_eq!(super::thousands(2090), "2\u{202f}090");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(-1234567), "-1\u{202f}234\u{202f}567");
        assert_eq!(super::km(1.26), "1,3 km");
    }
}
