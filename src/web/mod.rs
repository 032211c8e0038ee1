//! HTTP: pages and API.
use crate::config::Config;
use crate::storage::Db;

pub async fn serve(_db: Db, _config: Config) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
