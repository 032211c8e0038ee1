//! `monlyceepro backup FILE`: a consistent copy of the database while the
//! service runs.
//!
//! SQLite: `VACUUM INTO` writes a compact copy from one read transaction —
//! every write committed before it began is in the copy, none after — while
//! writers go on (WAL mode). The copy is written beside the target, checked
//! (`PRAGMA integrity_check` on the copy itself) and only then renamed to
//! the target, so a half-written file never carries the target's name. An
//! existing file is never overwritten: a backup is not where to lose the
//! previous one.
//!
//! PostgreSQL: its own tools do it better (`pg_dump`, consistent by
//! snapshot); the command says how.

use super::Db;
use anyhow::{Context, bail};
use sqlx::ConnectOptions;
use std::path::{Path, PathBuf};

/// What a backup did.
#[derive(Debug)]
pub enum Backup {
    /// The SQLite copy, checked: its path and size in bytes.
    Copied { path: PathBuf, bytes: u64 },
    /// PostgreSQL: the commands to run (backup and restore).
    Recipe(String),
}

/// Backs `db` up to `to`.
pub async fn backup(db: &Db, to: &Path) -> anyhow::Result<Backup> {
    let pool = match db {
        Db::Sqlite(pool) => pool,
        Db::Postgres(_) => return Ok(Backup::Recipe(postgres_recipe(to))),
    };
    if to.exists() {
        bail!(
            "{} existe déjà : choisissez un autre fichier (une sauvegarde n'en écrase jamais une autre)",
            to.display()
        );
    }
    let dir = match to.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        bail!("le dossier {} n'existe pas", dir.display());
    }
    let name = to.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "sauvegarde".into());
    let partial = dir.join(format!(".{name}.en-cours"));
    let _ = std::fs::remove_file(&partial);
    let result = async {
        sqlx::query("VACUUM INTO ?")
            .bind(partial.to_string_lossy().into_owned())
            .execute(pool)
            .await
            .with_context(|| format!("copie de la base vers {}", partial.display()))?;
        check(&partial).await?;
        std::fs::rename(&partial, to).with_context(|| format!("renommage en {}", to.display()))?;
        anyhow::Ok(())
    }
    .await;
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result?;
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    Ok(Backup::Copied { path: to.to_path_buf(), bytes })
}

/// `PRAGMA integrity_check` on a copy, read-only.
pub async fn check(path: &Path) -> anyhow::Result<()> {
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .connect()
        .await
        .with_context(|| format!("ouverture de la copie {}", path.display()))?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await?;
    if verdict != "ok" {
        bail!("la copie {} est corrompue : {verdict}", path.display());
    }
    Ok(())
}

fn postgres_recipe(to: &Path) -> String {
    let file = to.display();
    format!(
        "PostgreSQL se sauvegarde avec ses propres outils, cohérents pendant que le service tourne :\n\
         \n  pg_dump --format=custom --no-owner --file={file} \"$DATABASE_URL\"\n\
         \nRestauration (base vide, service arrêté), puis `monlyceepro migrate` :\n\
         \n  pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" {file}\n"
    )
}
