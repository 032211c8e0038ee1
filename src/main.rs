//! The `monlyceepro` binary: `serve` (default), `migrate`, `import`,
//! `worker`, `users`, `download`, `backup`, `seed`.

use clap::{Parser, Subcommand};
use monlyceepro::config::Config;
use monlyceepro::import::{self, Dataset, Progress};
use monlyceepro::storage::Db;
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "monlyceepro",
    version,
    about = "MonLycéePro : les lycées professionnels et les entreprises",
    disable_help_subcommand = true,
    disable_version_flag = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Affiche la version.
    #[arg(short = 'V', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Subcommand)]
enum Command {
    /// Applique les migrations, importe les données au premier démarrage et sert le site.
    Serve,
    /// Applique les migrations et s'arrête.
    Migrate,
    /// N'exécute que le travailleur : envoi des courriels, relances (plusieurs possibles sur PostgreSQL).
    Worker,
    /// Comptes de l'espace des lycées : ajout, liste.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Clés d'API des plateformes partenaires : création, liste, révocation.
    #[command(name = "api-keys")]
    ApiKeys {
        #[command(subcommand)]
        command: ApiKeysCommand,
    },
    /// (Ré)importe les données de référence depuis le dossier de données.
    Import {
        /// N'importer que ce jeu de données : territoires (régions, académies,
        /// départements, communes), metiers (ROME, NAF), formations (diplômes et
        /// métiers auxquels ils mènent), lycees (les lycées et ce qu'ils
        /// enseignent) ou insertion (résultats InserJeunes).
        #[arg(long, value_enum, hide_possible_values = true, value_name = "JEU")]
        only: Option<Dataset>,
        /// Réimporter même si les fichiers n'ont pas changé.
        #[arg(long)]
        force: bool,
    },
    /// Télécharge les données de référence chez leurs producteurs, dans les
    /// formes qu'ils publient (ou depuis le miroir MLP_DATA_MIRROR), et les
    /// met dans la disposition du dossier de données : reprise après
    /// coupure, chaque fichier converti et vérifié avant de remplacer le
    /// précédent, SOURCES.lock tenu à jour.
    Download {
        /// Ne télécharger que ce jeu : etablissements, formations, rome, naf,
        /// territoires, insertion ou calendrier.
        #[arg(long, value_name = "JEU", value_parser = monlyceepro::download::parse_dataset)]
        only: Option<String>,
        /// Lire une autre liste de sources que celle du dépôt (même format
        /// que sources.toml) : miroir privé des fichiers des producteurs, essais.
        #[arg(long, value_name = "FICHIER")]
        sources: Option<std::path::PathBuf>,
    },
    /// Sauvegarde la base pendant que le service tourne (SQLite : copie
    /// vérifiée dans FICHIER ; PostgreSQL : la commande pg_dump à lancer).
    Backup {
        /// Fichier de la sauvegarde (jamais écrasé s'il existe).
        fichier: std::path::PathBuf,
    },
    /// Remplit une base sans demandes de ce que deux ans de service
    /// national y laissent (demandes dans tous les états, besoins de stages,
    /// événements, partenaires, comptes, courriels et webhooks), pour mesurer
    /// chaque page à ce volume ; importe d'abord le catalogue s'il est vide.
    Seed {
        /// national (100 000 demandes sur deux ans…) ou small (quelques-unes
        /// de chaque, en secondes).
        #[arg(long, default_value = "national", value_parser = parse_volume, value_name = "VOLUME")]
        volume: monlyceepro::seed::Volume,
    },
}

fn parse_volume(s: &str) -> Result<monlyceepro::seed::Volume, String> {
    s.parse()
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Crée ou met à jour un compte et dit ce qui a été fait.
    Add {
        /// Adresse électronique de la personne.
        email: String,
        /// rbe (référent entreprises, DDFPT, proviseur), coordinateur ou admin.
        #[arg(long)]
        role: String,
        /// Lycée (UAI) dont la personne s'occupe ; répétable.
        #[arg(long = "lycee")]
        lycees: Vec<String>,
        /// Académie d'un coordinateur (nom ou code).
        #[arg(long)]
        academie: Option<String>,
        #[arg(long)]
        prenom: Option<String>,
        #[arg(long)]
        nom: Option<String>,
    },
    /// Liste les comptes.
    List,
}

#[derive(Subcommand)]
enum ApiKeysCommand {
    /// Crée la clé d'une plateforme partenaire et l'affiche (une seule fois).
    Add {
        /// Nom de la plateforme, montré aux lycées (« via NOM ») et utilisé
        /// dans l'adresse du formulaire intégrable.
        nom: String,
        /// Adresse https qui reçoit les événements signés de ses demandes.
        #[arg(long, value_name = "URL")]
        webhook: Option<String>,
        /// Origine autorisée à intégrer le formulaire (https://…) ; répétable.
        #[arg(long = "origine", value_name = "ORIGINE")]
        origines: Vec<String>,
    },
    /// Liste les clés : dernière utilisation, demandes créées, état.
    List,
    /// Révoque une clé : ses appels suivants sont refusés (401).
    Revoke {
        /// Nom de la plateforme.
        nom: String,
    },
}

fn init_tracing() {
    // Third-party libraries speak at warn unless asked (tantivy logs every
    // index build at info; sqlx every PostgreSQL notice).
    let wanted =
        monlyceepro::config::var("RUST_LOG").unwrap_or_else(|| "info,tantivy=warn,sqlx::postgres::notice=warn".into());
    let filter =
        tracing_subscriber::EnvFilter::try_new(wanted).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        builder.init();
    } else {
        builder.json().init();
    }
}

/// The command line with clap's own words in French: "Print help", the
/// headings and the usage line of every (sub)command's help.
fn french(cmd: clap::Command) -> clap::Command {
    fn each(mut cmd: clap::Command) -> clap::Command {
        cmd = cmd
            .help_template("{about-with-newline}\nUtilisation : {usage}\n\n{all-args}{after-help}")
            .subcommand_help_heading("Commandes")
            .subcommand_value_name("COMMANDE");
        let subcommands: Vec<String> = cmd.get_subcommands().map(|c| c.get_name().to_string()).collect();
        for name in subcommands {
            cmd = cmd.mut_subcommand(name, each);
        }
        cmd
    }
    each(
        cmd.disable_help_flag(true).arg(
            clap::Arg::new("aide")
                .short('h')
                .long("help")
                .action(clap::ArgAction::Help)
                .help("Affiche l'aide")
                .global(true),
        ),
    )
}

/// A command-line mistake said in French (clap writes English), with the
/// usual exit code 2; help and version are printed as asked.
fn refuse(e: &clap::Error) -> ! {
    use clap::error::{ContextKind, ErrorKind};
    let what = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            e.exit()
        }
        ErrorKind::InvalidSubcommand => "commande inconnue",
        ErrorKind::UnknownArgument => "option inconnue",
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => "valeur invalide",
        ErrorKind::MissingRequiredArgument => "argument obligatoire manquant",
        ErrorKind::ArgumentConflict => "options incompatibles",
        _ => "ligne de commande invalide",
    };
    let detail =
        match (e.get(ContextKind::InvalidSubcommand), e.get(ContextKind::InvalidValue), e.get(ContextKind::InvalidArg))
        {
            (Some(sub), _, _) => format!(" : {sub}"),
            (None, Some(value), Some(arg)) => format!(" « {value} » pour {arg}"),
            (None, _, Some(arg)) => format!(" : {arg}"),
            _ => String::new(),
        };
    eprintln!("erreur : {what}{detail} (voir « monlyceepro --help »)");
    std::process::exit(2)
}

fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let cli = match french(Cli::command()).try_get_matches().and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) => refuse(&e),
    };
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
    if let Command::Download { only, sources } = command {
        return download(only, sources, &config).await;
    }
    let db = Db::connect_with(&config.database_url, config.sqlite_sync).await?;
    db.migrate().await?;
    match command {
        Command::Migrate => {
            println!("migrations appliquées ({})", db.engine().name());
        }
        Command::Import { only, force } => {
            let opts = import::Options { data_dir: config.data_dir.clone(), only, force };
            let started = std::time::Instant::now();
            let origin = monlyceepro::refresh::Origin::Command;
            let outcomes = monlyceepro::refresh::import_recorded(&db, &opts, origin, &Progress::auto(), None).await?;
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
        Command::Users { command } => users(db, &config, command).await?,
        Command::ApiKeys { command } => api_keys(db, &config, command).await?,
        Command::Backup { fichier } => match monlyceepro::storage::backup::backup(&db, &fichier).await? {
            monlyceepro::storage::backup::Backup::Copied { path, bytes } => {
                println!(
                    "Sauvegarde vérifiée : {} ({} octets)",
                    path.display(),
                    domain::text::thousands(i64::try_from(bytes).unwrap_or(i64::MAX))
                );
            }
            monlyceepro::storage::backup::Backup::Recipe(text) => println!("{text}"),
        },
        Command::Serve => {
            monlyceepro::download::before_first_import(&db, &config).await?;
            monlyceepro::web::serve(db, config).await?
        }
        Command::Download { .. } => unreachable!("handled before the database"),
        Command::Worker => monlyceepro::web::work(db, config).await?,
        Command::Seed { volume } => seed(db, config, volume).await?,
    }
    Ok(())
}

/// `monlyceepro seed`: the catalogue first when missing, then the volume.
async fn seed(db: Db, config: Config, volume: monlyceepro::seed::Volume) -> anyhow::Result<()> {
    monlyceepro::web::import_if_empty(&db, &config).await?;
    let state = monlyceepro::web::AppState::new(db, config).await?;
    let started = std::time::Instant::now();
    let report = monlyceepro::seed::seed(&state, volume, time::OffsetDateTime::now_utc()).await?;
    println!("Base remplie en {:.0} s :", started.elapsed().as_secs_f64());
    for (what, n, secs) in &report.lines {
        let took = if *secs > 0.0 { format!(" ({secs:.1} s)") } else { String::new() };
        println!("  {:>9} {what}{took}", domain::text::thousands(*n as i64));
    }
    let statuses: Vec<String> =
        report.statuses.iter().map(|(s, n)| format!("{} {}", s.code(), domain::text::thousands(*n as i64))).collect();
    println!("  demandes par statut : {}", statuses.join(", "));
    if report.unscheduled > 0 {
        println!("  {} demandes laissées à l'échéancier du travailleur", report.unscheduled);
    }
    println!("  lycée des comptes du banc : {}", report.bench_lycee);
    for (name, key) in &report.keys {
        println!("  clé d'API « {name} » (affichée une seule fois) : {key}");
    }
    Ok(())
}

/// `monlyceepro download`: needs no database.
async fn download(only: Option<String>, sources: Option<std::path::PathBuf>, config: &Config) -> anyhow::Result<()> {
    use monlyceepro::download::{self, Outcome, Settings};
    let settings = match Settings::from_env(&config.data_dir) {
        Ok(s) => Settings { only, sources: sources.or(s.sources.clone()), ..s },
        Err(e) => {
            eprintln!("configuration invalide : {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = settings.manifest() {
        eprintln!("erreur : {e:#}");
        std::process::exit(2);
    }
    let started = std::time::Instant::now();
    let outcomes = download::run(&settings, &Progress::auto()).await?;
    println!(
        "Téléchargement terminé en {:.1} s dans {}{} :",
        started.elapsed().as_secs_f64(),
        config.data_dir.display(),
        match (&settings.mirror, &settings.sources) {
            (Some(m), _) => format!(" (miroir {m})"),
            (None, Some(s)) => format!(" (sources de {})", s.display()),
            (None, None) => String::new(),
        }
    );
    for o in outcomes {
        match o {
            Outcome::Fetched { path, size, rows } => println!("  {path:<62} {size:>10} octets  {rows:>6} lignes"),
            Outcome::Skipped { path, why } => println!("  {path:<62} ignoré : {why}"),
        }
    }
    Ok(())
}

async fn users(db: Db, config: &Config, command: UsersCommand) -> anyhow::Result<()> {
    use monlyceepro::accounts::{AccountService, NewAccount, Role};
    let service =
        AccountService::new(db, monlyceepro::security::Signer::new(config.secret_key.expose()), &config.base_url);
    match command {
        UsersCommand::Add { email, role, lycees, academie, prenom, nom } => {
            let role = Role::from_code(&role)
                .ok_or_else(|| anyhow::anyhow!("rôle inconnu « {role} » : rbe, coordinateur ou admin"))?;
            let new = NewAccount { lycees, academie, prenom, nom, ..NewAccount::new(&email, role) };
            let by = format!("ligne de commande ({})", whoami());
            match service.add(&new, &by, time::OffsetDateTime::now_utc()).await? {
                Ok(added) => {
                    let a = &added.agent;
                    println!(
                        "Compte {} : {} — {}{}{}",
                        if added.created { "créé" } else { "mis à jour" },
                        a.email,
                        a.role.label(),
                        a.academie.as_ref().map_or(String::new(), |c| format!(", académie {c}")),
                        if a.lycees.is_empty() { String::new() } else { format!(", lycées {}", a.lycees.join(" ")) },
                    );
                    if !added.granted.is_empty() {
                        println!("Lycées ajoutés : {}", added.granted.join(" "));
                    }
                }
                Err(e) => anyhow::bail!("{e}"),
            }
        }
        UsersCommand::List => {
            let all = service.list().await?;
            if all.is_empty() {
                println!("Aucun compte. Créez le premier : monlyceepro users add EMAIL --role admin");
            }
            for (a, actif, last) in all {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    a.email,
                    a.role.code(),
                    a.academie.as_deref().unwrap_or("-"),
                    if a.lycees.is_empty() { "-".to_string() } else { a.lycees.join(",") },
                    if actif { "actif" } else { "désactivé" },
                    last.as_deref().unwrap_or("jamais connecté"),
                );
            }
        }
    }
    Ok(())
}

async fn api_keys(db: Db, config: &Config, command: ApiKeysCommand) -> anyhow::Result<()> {
    use monlyceepro::partner_api::{ApiKeys, NewKey};
    use monlyceepro::web::suivi::when;
    let keys = ApiKeys::new(db, &config.base_url);
    let by = format!("ligne de commande ({})", whoami());
    let now = time::OffsetDateTime::now_utc();
    match command {
        ApiKeysCommand::Add { nom, webhook, origines } => {
            let created = keys.create(&NewKey { name: nom, webhook, origins: origines }, &by, now).await?;
            println!("Clé créée pour « {} » (elle ne sera plus jamais affichée) :", created.name);
            println!("  {}", created.key);
            if let Some(secret) = &created.webhook_secret {
                println!("Secret de signature des webhooks (X-MLP-Signature) :");
                println!("  {secret}");
            }
            println!(
                "Formulaire intégrable : {}/integration/demande?partenaire={}",
                config.base_url,
                urlencoded(&created.name)
            );
        }
        ApiKeysCommand::List => {
            let all = keys.list().await?;
            if all.is_empty() {
                println!(
                    "Aucune clé. Créez la première : monlyceepro api-keys add NOM [--webhook URL] [--origine https://…]"
                );
            }
            for line in all {
                let k = &line.key;
                println!(
                    "{}\t{}…\t{}\t{}\t{}\t{}\t{}",
                    k.nom,
                    k.debut,
                    domain::text::count_of(line.demandes, "demande", "demandes"),
                    k.utilisee_le
                        .as_deref()
                        .map_or("jamais utilisée".to_string(), |t| format!("utilisée le {}", when(t))),
                    k.webhook_url.as_deref().unwrap_or("sans webhook"),
                    if k.origines.is_empty() { "-" } else { &k.origines },
                    k.revoquee_le.as_deref().map_or("active".to_string(), |t| format!("révoquée le {}", when(t))),
                );
            }
        }
        ApiKeysCommand::Revoke { nom } => {
            keys.revoke(&nom, &by, now).await?;
            println!("Clé « {nom} » révoquée : ses appels sont désormais refusés.");
        }
    }
    Ok(())
}

/// A value in a URL's query.
fn urlencoded(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// Who runs the command, for the audit log.
fn whoami() -> String {
    std::env::var("SUDO_USER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "inconnu".into())
}
