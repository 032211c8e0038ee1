//! The `monlyceepro` binary: `serve` (default), `migrate`, `import`.

use clap::{Parser, Subcommand};
use monlyceepro::config::Config;
use monlyceepro::import::{self, Dataset, Progress};
use monlyceepro::storage::Db;
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "monlyceepro", version, about = "MonLycéePro : les lycées professionnels et les entreprises")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Applique les migrations, importe les données au premier démarrage et sert le site.
    Serve,
    /// Applique les migrations et s'arrête.
    Migrate,
    /// N'exécute que le travailleur : envoi des courriels, relances (plusieurs possibles sur PostgreSQL).
    Worker,
    /// (Ré)importe les données de référence depuis le dossier de données.
    Import {
        /// N'importer que ce jeu de données.
        #[arg(long, value_enum)]
        only: Option<Dataset>,
        /// Réimporter même si les fichiers n'ont pas changé.
        #[arg(long)]
        force: bool,
    },
}

fn init_tracing() {
    let wanted = monlyceepro::config::var("RUST_LOG").unwrap_or_else(|| "info".into());
    let filter =
        tracing_subscriber::EnvFilter::try_new(wanted).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        builder.init();
    } else {
        builder.json().init();
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration invalide : {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("erreur : {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("erreur : {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    match command {
        Command::Migrate => {
            println!("migrations appliquées ({})", db.engine().name());
        }
        Command::Import { only, force } => {
            let opts = import::Options { data_dir: config.data_dir.clone(), only, force };
            let started = std::time::Instant::now();
            let outcomes = import::run(&db, &opts, &Progress::auto()).await?;
            println!(
                "Import terminé en {:.1} s depuis {} :",
                started.elapsed().as_secs_f64(),
                config.data_dir.display()
            );
            for o in outcomes {
                let state = if o.changed { "importé" } else { "inchangé" };
                println!("  {:<12} {state:<9} {}", o.dataset.name(), o.summary);
            }
        }
        Command::Serve => monlyceepro::web::serve(db, config).await?,
        Command::Worker => monlyceepro::web::work(db, config).await?,
    }
    Ok(())
}
