//! Embeds the static files in the binary: the DSFR design system from npm
//! (`node_modules/@gouvfr/dsfr/dist`, only the files pages use) and our own
//! `assets/`. Text files are precompressed (gzip, brotli) here once, so the
//! server never compresses them at run time.
//!
//! URLs are fingerprinted so they can be cached forever: the DSFR version is
//! part of its folder name (its CSS refers to fonts and icons by relative
//! paths), and our own files carry a hash of their content.

use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

struct Asset {
    url: String,
    source: PathBuf,
    content_type: &'static str,
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

fn compressible(ct: &str) -> bool {
    ct.starts_with("text/") || ct.starts_with("image/svg") || ct.starts_with("image/x-icon") || ct.contains("json")
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let dsfr = root.join("node_modules/@gouvfr/dsfr");
    println!("cargo:rerun-if-changed=assets");
    println!("cargo:rerun-if-changed=node_modules/@gouvfr/dsfr/package.json");
    if !dsfr.join("dist/dsfr.min.css").exists() {
        panic!(
            "\n\nLe système de design de l'État (DSFR) n'est pas installé : lancez `npm ci` \
             (ou `make setup`) à la racine du dépôt avant de compiler.\n\n"
        );
    }
    let pkg = std::fs::read_to_string(dsfr.join("package.json")).expect("DSFR package.json");
    let version = pkg
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"version\": \""))
        .and_then(|v| v.split('"').next())
        .expect("DSFR version")
        .to_string();
    let dist = dsfr.join("dist");
    let prefix = format!("/static/dsfr-{version}");

    let mut assets = Vec::new();
    let mut add = |rel: &str| {
        let source = dist.join(rel);
        assert!(source.exists(), "fichier DSFR manquant : {}", source.display());
        assets.push(Asset { url: format!("{prefix}/{rel}"), content_type: content_type(&source), source });
    };
    add("dsfr.min.css");
    add("dsfr.module.min.js");
    add("dsfr.nomodule.min.js");
    for f in
        ["favicon/apple-touch-icon.png", "favicon/favicon.svg", "favicon/favicon.ico", "favicon/manifest.webmanifest"]
    {
        if dist.join(f).exists() {
            add(f);
        }
    }
    // Fonts and icons the CSS refers to (modern browsers take the woff2).
    let css = std::fs::read_to_string(dist.join("dsfr.min.css")).expect("dsfr.min.css");
    let mut referenced: Vec<String> = css
        .split("url(")
        .skip(1)
        .filter_map(|s| s.split(')').next())
        .map(|s| s.trim_matches(|c| c == '"' || c == '\'').to_string())
        .filter(|s| {
            (s.starts_with("fonts/") && s.ends_with(".woff2")) || (s.starts_with("icons/") && s.ends_with(".svg"))
        })
        .collect();
    // The DSFR ships every icon class in one 350 KB file; keep only the
    // `fr-icon-…` classes our templates use, with their SVG files.
    let (subset_css, icon_files) = icon_subset(&root.join("templates"), &dist.join("utility/icons/icons.min.css"));
    let subset_path = out.join("icons-subset.css");
    std::fs::write(&subset_path, subset_css).expect("write icons subset");
    referenced.extend(icon_files);
    referenced.sort();
    referenced.dedup();
    for rel in &referenced {
        add(rel);
    }
    assets.push(Asset {
        url: format!("{prefix}/utility/icons/icons-subset.css"),
        content_type: "text/css; charset=utf-8",
        source: subset_path,
    });

    // Our own files, named by content hash.
    let mut own = Vec::new();
    for name in ["app.css", "app.js"] {
        let source = root.join("assets").join(name);
        let bytes = std::fs::read(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
        let hash = hex8(&bytes);
        let (stem, ext) = name.split_once('.').expect("name.ext");
        let url = format!("/static/{stem}-{hash}.{ext}");
        own.push((name, url.clone()));
        assets.push(Asset { url, content_type: content_type(&source), source });
    }

    let mut code = String::new();
    writeln!(code, "/// DSFR version embedded.\npub const DSFR_VERSION: &str = {version:?};")
        .expect("écriture dans une String");
    writeln!(code, "/// URL prefix of the DSFR files.\npub const DSFR: &str = {prefix:?};")
        .expect("écriture dans une String");
    for (name, url) in &own {
        let ident = name.replace('.', "_").to_uppercase();
        writeln!(code, "/// Fingerprinted URL of `assets/{name}`.\npub const {ident}: &str = {url:?};")
            .expect("écriture dans une String");
    }
    writeln!(code, "/// Every embedded file.\npub static FILES: &[StaticFile] = &[").expect("écriture dans une String");
    for (i, a) in assets.iter().enumerate() {
        let bytes = std::fs::read(&a.source).expect("asset");
        let (gz, br) = if compressible(a.content_type) && bytes.len() > 512 {
            let gz_path = out.join(format!("asset{i}.gz"));
            let br_path = out.join(format!("asset{i}.br"));
            std::fs::write(&gz_path, gzip(&bytes)).expect("write gz");
            std::fs::write(&br_path, brotli(&bytes)).expect("write br");
            (
                format!("Some(include_bytes!({:?}))", gz_path.display().to_string()),
                format!("Some(include_bytes!({:?}))", br_path.display().to_string()),
            )
        } else {
            ("None".into(), "None".into())
        };
        writeln!(
            code,
            "    StaticFile {{ path: {:?}, content_type: {:?}, body: include_bytes!({:?}), gzip: {gz}, brotli: {br} }},",
            a.url,
            a.content_type,
            a.source.display().to_string()
        )
        .expect("écriture dans une String");
    }
    writeln!(code, "];").expect("écriture dans une String");
    std::fs::write(out.join("assets.rs"), code).expect("write assets.rs");
}

/// The rules of `icons.min.css` for the icon classes used in `templates/`,
/// and the icon files they point to (relative to `dist/`).
fn icon_subset(templates: &Path, icons_css: &Path) -> (String, Vec<String>) {
    println!("cargo:rerun-if-changed=templates");
    let mut names: Vec<String> = Vec::new();
    for entry in std::fs::read_dir(templates).expect("templates/").flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for part in text.split("fr-icon-").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            if !name.is_empty() && !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names.sort();
    let css = std::fs::read_to_string(icons_css).expect("icons.min.css");
    let mut out = String::new();
    let mut files = Vec::new();
    for name in &names {
        let selector = format!(".fr-icon-{name}:after,.fr-icon-{name}:before{{");
        let Some(start) = css.find(&selector) else {
            panic!("icône DSFR inconnue dans les gabarits : fr-icon-{name}");
        };
        let end = start + css[start..].find('}').expect("rule end") + 1;
        let rule = &css[start..end];
        out.push_str(rule);
        out.push('\n');
        if let Some(url) = rule.split("url(").nth(1).and_then(|u| u.split(')').next()) {
            files.push(url.trim_start_matches("../../").to_string());
        }
    }
    (out, files)
}

fn hex8(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().take(4).map(|b| format!("{b:02x}")).collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 9, lgwin: 22, ..Default::default() };
    brotli::BrotliCompress(&mut std::io::Cursor::new(bytes), &mut out, &params).expect("brotli");
    out
}
