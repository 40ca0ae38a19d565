//! The command line: `serve` (default), `migrate`, `create-user`, `demo`, `backup FILE`,
//! `gen-key`. The binary only parses arguments and calls `run`.

use crate::db::directory::{self, UnitKind};
use crate::db::{self, roles, settings, users, Backend, Db};
use crate::domain::email::EmailAddress;
use crate::domain::password::check_new_password;
use crate::domain::role::Role;
use crate::platform::app;
use crate::platform::audit::{self, Actor};
use crate::platform::clock::Clock;
use crate::platform::config::{self, Mode, Resolved};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "huoban",
    version,
    about = "Huoban 伙伴: social organizations and government purchase of services"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create a confirmed user, optionally with staff roles.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// A role, repeatable; scoped roles name their unit: `registrar:nb-city`,
        /// `purchaser:nb-civil-affairs`, `procurement_agency:nb-procurement-centre`.
        #[arg(long = "role")]
        roles: Vec<String>,
        /// The password; a random one is generated and printed when absent.
        #[arg(long, env = "HUOBAN_NEW_PASSWORD")]
        password: Option<String>,
    },
    /// Load the demo data into the configured database; with --orgs N, add N generated
    /// organizations (for the directory at scale).
    Demo {
        #[arg(long)]
        orgs: Option<u64>,
    },
    /// Write a consistent copy of the database to FILE (SQLite), or print the pg_dump command.
    Backup { file: PathBuf },
    /// Import registered organizations from a legacy system (CSV or XLSX; idempotent by USCC).
    ImportOrgs { file: PathBuf },
    /// Check the audit trail: the chain, every HMAC, and the published heads (also those in
    /// FILE, the heads file the daily job appends to). Names the first bad entry.
    VerifyAudit {
        #[arg(long)]
        heads: Option<PathBuf>,
    },
    /// Set the contact printed under an issuing body's notices: a registering authority, a
    /// purchasing department or an agency by its code, or `supervisor` (the procurement
    /// supervisor, named with --name-zh and --name-en) for complaint decisions.
    Issuer {
        /// The unit's code (e.g. nb-city), or `supervisor`.
        #[arg(long)]
        unit: String,
        #[arg(long)]
        phone: String,
        #[arg(long)]
        address: String,
        #[arg(long)]
        name_zh: Option<String>,
        #[arg(long)]
        name_en: Option<String>,
    },
    /// Give a registering authority a block of serials to issue USCC subject identifiers from
    /// (positions 9–16; the system never reuses one and skips any already recorded).
    UsccBlock {
        /// The authority's code, e.g. nb-city.
        #[arg(long)]
        authority: String,
        #[arg(long)]
        first: u32,
        #[arg(long)]
        last: u32,
    },
    /// Benchmark set-up: N bidders and a consultation closing in S seconds (bench/bid_crunch.py).
    #[command(hide = true)]
    BenchBidders {
        #[arg(long)]
        orgs: i64,
        #[arg(long)]
        deadline_secs: i64,
        #[arg(long)]
        password: String,
    },
    /// Benchmark check: every bid of the project decrypts to its digest.
    #[command(hide = true)]
    BenchVerifyBids { number: String },
    /// Load an indicator standard (TOML, as in seeds/standards/) as a new version; loading the
    /// same file again changes nothing, other content under a loaded version is refused.
    LoadStandard { file: PathBuf },
    /// The working-day calendar: load a year's official table, or show a year.
    Calendar {
        #[command(subcommand)]
        action: CalendarCommand,
    },
    /// Print a new key line for the [keys] section of Huoban.toml.
    GenKey {
        /// cookie_secret, audit_hmac, bid_sealing or identity
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum CalendarCommand {
    /// Load the State Council's table for a year (TOML, as in seeds/calendar/) as official:
    /// a year already loaded keeps its old version in the history, and every due date ahead
    /// that depended on the year is recomputed, audited and mailed.
    Load { file: PathBuf },
    /// Print a year's holidays and adjusted working days, one date a line, and whether the year
    /// is official or provisional (computed from the law).
    Show { year: i32 },
}

pub async fn run(cli: Cli) -> Result<(), String> {
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::GenKey { name } = &command {
        println!("{name} = \"{}\"", config::new_key_line(name));
        return Ok(());
    }
    if let Command::VerifyAudit { heads } = &command {
        // Before `config::load`, which would generate demo keys: a trail checked against a new
        // key only "finds" tampering.
        return verify_audit(heads.clone()).await;
    }
    let resolved = config::load().map_err(|e| e.to_string())?;
    let clock = Clock::system_ahead(resolved.config.clock_offset_hours);
    if resolved.config.clock_offset_hours != 0 {
        log::warn!(
            "demo clock running {} hour(s) ahead of the system time",
            resolved.config.clock_offset_hours
        );
    }
    let db = db::connect(&resolved.database_url, resolved.config.max_connections)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    match command {
        Command::Serve => serve(resolved, db, clock).await,
        Command::Migrate => {
            db::migrate::run(&db).await.map_err(|e| e.to_string())?;
            println!("migrations applied");
            Ok(())
        }
        Command::CreateUser {
            email,
            name,
            roles,
            password,
        } => create_user(&resolved, &db, &clock, &email, name, &roles, password).await,
        Command::Demo { orgs: Some(n) } => {
            app::prepare(&db, &resolved, &clock)
                .await
                .map_err(|e| e.to_string())?;
            let auditor = app::auditor(&resolved, &db);
            let started = std::time::Instant::now();
            let step = (n / 20).max(1);
            crate::platform::scale::generate_orgs(&db, n, &clock, &auditor, |done| {
                if done % step < 400 || done == n {
                    eprintln!("  {done}/{n} organizations ({:.0?})", started.elapsed());
                }
            })
            .await?;
            println!("{n} organizations added in {:.1?}", started.elapsed());
            Ok(())
        }
        Command::Demo { orgs: None } => {
            app::prepare(&db, &resolved, &clock)
                .await
                .map_err(|e| e.to_string())?;
            let auditor = app::auditor(&resolved, &db);
            let sealer = crate::procurement::sealing::Sealer::new(&resolved.keys.bid_sealing);
            crate::seed::load(
                &db,
                resolved.config.password_hash,
                &clock,
                &auditor,
                &sealer,
                &resolved.config.uploads_path(),
            )
            .await
            .map_err(|e| e.to_string())?;
            let started = std::time::Instant::now();
            let s = crate::seed::city::run(&db, &resolved, &clock)
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "a city's year: {} organizations, {} projects, {} contracts ({:.1?})",
                s.organizations,
                s.projects,
                s.contracts,
                started.elapsed()
            );
            print_logins();
            Ok(())
        }
        Command::BenchBidders {
            orgs,
            deadline_secs,
            password,
        } => {
            crate::seed::bench::bidders(&db, &resolved, &clock, orgs, deadline_secs, &password)
                .await
        }
        Command::BenchVerifyBids { number } => {
            crate::seed::bench::verify(&db, &resolved, &number).await
        }
        Command::ImportOrgs { file } => import_orgs(&db, &resolved, &clock, &file).await,
        Command::VerifyAudit { .. } => Ok(()),
        Command::Backup { file } => backup(&db, &resolved, &file).await,
        Command::UsccBlock {
            authority,
            first,
            last,
        } => uscc_block(&db, &resolved, &clock, &authority, first, last).await,
        Command::Issuer {
            unit,
            phone,
            address,
            name_zh,
            name_en,
        } => {
            let body = crate::db::documents::Issuer {
                name_zh: name_zh.unwrap_or_default(),
                name_en: name_en.unwrap_or_default(),
                phone,
                address,
            };
            issuer(&db, &resolved, &clock, &unit, &body).await
        }
        Command::LoadStandard { file } => load_standard(&db, &resolved, &clock, &file).await,
        Command::Calendar { action } => calendar(db, &resolved, clock, action).await,
        Command::GenKey { .. } => Ok(()),
    }
}

async fn calendar(
    db: Db,
    resolved: &Resolved,
    clock: Clock,
    action: CalendarCommand,
) -> Result<(), String> {
    use crate::domain::calendar::{iso_date, YearTable};
    let e = |e: sqlx::Error| e.to_string();
    db::migrate::run(&db).await.map_err(|e| e.to_string())?;
    let mut tx = db.begin_write().await.map_err(e)?;
    crate::platform::calendars::ensure_built_in(
        &mut tx,
        &app::auditor(resolved, &db),
        Actor::Cli,
        clock.now_ms(),
    )
    .await
    .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(e)?;
    let state = app::state(resolved, db, clock).map_err(|e| e.to_string())?;
    match action {
        CalendarCommand::Load { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let table = YearTable::parse(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            let loader = crate::platform::calendars::Loader {
                db: &state.db,
                calendars: &state.calendars,
                clock: &state.clock,
                auditor: &state.auditor,
                mailer: &state.mailer,
            };
            let done = loader
                .load(&table, Actor::Cli)
                .await
                .map_err(|e| e.to_string())?;
            if done.unchanged {
                println!(
                    "{}: the same table is already in force (version {}); nothing changed",
                    table.year, done.version
                );
                return Ok(());
            }
            match done.replaced {
                Some(old) => println!(
                    "{}: official table {} loaded as version {} (version {old} kept as replaced)",
                    table.year, table.reference, done.version
                ),
                None => println!(
                    "{}: official table {} loaded as version {}",
                    table.year, table.reference, done.version
                ),
            }
            println!(
                "{} due date(s) recomputed, {} moved later and their parties mailed",
                done.changes.len(),
                done.moved
            );
            for c in done.changes.iter().filter(|c| c.running) {
                println!(
                    "  {} {}: {} -> {}",
                    c.clock.code(),
                    c.entity_id,
                    c.old,
                    c.new
                );
            }
            Ok(())
        }
        CalendarCommand::Show { year } => {
            if !crate::domain::calendar::YEARS.contains(&year) {
                return Err(format!("the year must be between 2000 and 2100: {year}"));
            }
            let mut c = state.db.acquire().await.map_err(e)?;
            let cal = state.calendars.exact(&mut c).await.map_err(e)?;
            let t = cal.table(year);
            if t.official {
                println!("{year} official {} (version {})", t.reference, t.version);
            } else {
                println!("{year} provisional {}", t.reference);
            }
            for d in &t.holidays {
                println!("{} holiday", iso_date(*d));
            }
            for d in &t.adjusted_working_days {
                println!("{} working", iso_date(*d));
            }
            Ok(())
        }
    }
}

async fn load_standard(
    db: &Db,
    resolved: &Resolved,
    clock: &Clock,
    file: &std::path::Path,
) -> Result<(), String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    db::migrate::run(db).await.map_err(|e| e.to_string())?;
    let e = |e: sqlx::Error| e.to_string();
    let mut tx = db.begin_write().await.map_err(e)?;
    let (loaded, standard) = crate::db::standards::load(&mut tx, &text, clock.now_ms())
        .await
        .map_err(|e| format!("{}: {e}", file.display()))?;
    match loaded {
        crate::db::standards::Loaded::Unchanged(id) => {
            println!(
                "{} version {} is already loaded (standard {id}); nothing changed",
                standard.code, standard.version
            );
            Ok(())
        }
        crate::db::standards::Loaded::Added(id) => {
            app::auditor(resolved, db)
                .record(
                    &mut tx,
                    clock.now_ms(),
                    crate::platform::audit::Actor::Cli,
                    "standard.loaded",
                    ("eval_standard", id.to_string()),
                    serde_json::json!({ "type": standard.code, "version": standard.version, "title": standard.title }),
                )
                .await
                .map_err(e)?;
            tx.commit().await.map_err(e)?;
            println!(
                "standard {id}: {} version {} ({} items, base total {})",
                standard.code,
                standard.version,
                standard.items().count(),
                standard.base_total()
            );
            Ok(())
        }
    }
}

/// Sets an issuing body's contact (and names the supervisor), audited.
async fn issuer(
    db: &Db,
    resolved: &Resolved,
    clock: &Clock,
    unit: &str,
    body: &crate::db::documents::Issuer,
) -> Result<(), String> {
    use crate::db::directory::{id_by_code, UnitKind};
    use crate::db::documents::{self, IssuerRef};
    if body.phone.trim().is_empty() || body.address.trim().is_empty() {
        return Err("give both --phone and --address".into());
    }
    db::migrate::run(db).await.map_err(|e| e.to_string())?;
    let e = |e: sqlx::Error| e.to_string();
    let mut tx = db.begin_write().await.map_err(e)?;
    let who = if unit == "supervisor" {
        if body.name_zh.trim().is_empty() || body.name_en.trim().is_empty() {
            return Err("name the supervisor with --name-zh and --name-en".into());
        }
        documents::set_supervisor(&mut tx, body).await.map_err(e)?;
        IssuerRef::Supervisor
    } else {
        let mut found = None;
        for (kind, who) in [
            (
                UnitKind::Authority,
                IssuerRef::Authority as fn(i64) -> IssuerRef,
            ),
            (UnitKind::Department, IssuerRef::Department),
            (UnitKind::Agency, IssuerRef::Agency),
        ] {
            if let Some(id) = id_by_code(&mut tx, kind, unit).await.map_err(e)? {
                found = Some(who(id));
                break;
            }
        }
        let who = found.ok_or_else(|| format!("no unit with code `{unit}`"))?;
        documents::set_contact(&mut tx, who, body.phone.trim(), body.address.trim())
            .await
            .map_err(e)?;
        who
    };
    app::auditor(resolved, db)
        .record(
            &mut tx,
            clock.now_ms(),
            crate::platform::audit::Actor::Cli,
            "issuer.contact_set",
            ("issuer", unit.to_string()),
            serde_json::json!({ "unit": unit, "phone": body.phone, "address": body.address }),
        )
        .await
        .map_err(e)?;
    tx.commit().await.map_err(e)?;
    let mut c = db.acquire().await.map_err(e)?;
    let stored = documents::issuer(&mut c, who)
        .await
        .map_err(e)?
        .unwrap_or_default();
    println!(
        "{unit}: {} · {} · {}",
        stored.name_zh, stored.phone, stored.address
    );
    Ok(())
}

async fn uscc_block(
    db: &Db,
    resolved: &Resolved,
    clock: &Clock,
    authority: &str,
    first: u32,
    last: u32,
) -> Result<(), String> {
    if first > last || last > 99_999_999 {
        return Err(format!(
            "the block {first}–{last} is not a range of 8-digit serials (first ≤ last ≤ 99999999)"
        ));
    }
    db::migrate::run(db).await.map_err(|e| e.to_string())?;
    let e = |e: sqlx::Error| e.to_string();
    let mut tx = db.begin_write().await.map_err(e)?;
    let id = crate::db::directory::id_by_code(
        &mut tx,
        crate::db::directory::UnitKind::Authority,
        authority,
    )
    .await
    .map_err(e)?
    .ok_or_else(|| format!("no registering authority with code `{authority}`"))?;
    let overlap = crate::db::uscc_blocks::overlapping(&mut tx, i64::from(first), i64::from(last))
        .await
        .map_err(e)?;
    if overlap.is_some() {
        return Err(format!(
            "serials {first}–{last} overlap a block already configured"
        ));
    }
    let block = crate::db::applications::add_block(
        &mut tx,
        id,
        i64::from(first),
        i64::from(last),
        clock.now_ms(),
    )
    .await
    .map_err(e)?;
    app::auditor(resolved, db)
        .record(
            &mut tx,
            clock.now_ms(),
            crate::platform::audit::Actor::Cli,
            "uscc_block.added",
            ("uscc_block", block.to_string()),
            serde_json::json!({ "authority": authority, "first": first, "last": last }),
        )
        .await
        .map_err(e)?;
    tx.commit().await.map_err(e)?;
    println!("block {block}: serials {first}–{last} for {authority}");
    Ok(())
}

fn print_logins() {
    println!("Demo logins (email / password / role):");
    for (email, password, what) in crate::seed::logins() {
        println!("  {email:<34} {password:<22} {what}");
    }
}

async fn serve(resolved: Resolved, db: Db, clock: Clock) -> Result<(), String> {
    app::prepare(&db, &resolved, &clock)
        .await
        .map_err(|e| e.to_string())?;
    if resolved.mode == Mode::Demo {
        println!(
            "Huoban is running in DEMO mode on an embedded SQLite database ({}).",
            config::demo_database_path(&resolved.config).display()
        );
        println!(
            "Open http://{}:{}/",
            resolved.config.address, resolved.config.port
        );
        print_logins();
    }
    let state = app::state(&resolved, db, clock).map_err(|e| e.to_string())?;
    app::build(&resolved, state)
        .launch()
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

async fn create_user(
    resolved: &Resolved,
    db: &Db,
    clock: &Clock,
    email: &str,
    name: Option<String>,
    role_args: &[String],
    password: Option<String>,
) -> Result<(), String> {
    app::prepare(db, resolved, clock)
        .await
        .map_err(|e| e.to_string())?;
    let email = EmailAddress::parse(email).ok_or("the email address is not valid")?;
    let (password, generated) = match password {
        Some(p) => (p, false),
        None => (
            crate::platform::auth::tokens::new_token()[..16].to_string(),
            true,
        ),
    };
    check_new_password(&password, email.as_str())
        .map_err(|p| format!("password refused: {p:?}"))?;
    let hash = crate::platform::auth::password::hash(&password, resolved.config.password_hash)?;
    let now = clock.now_ms();
    let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
    let name = name.unwrap_or_else(|| {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("user")
            .to_string()
    });
    let uid = users::create_confirmed(&mut tx, email.as_str(), &name, &hash, now)
        .await
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                "a user with this email exists".to_string()
            } else {
                e.to_string()
            }
        })?;
    let version = settings::snapshot(&mut tx, now)
        .await
        .map_err(|e| e.to_string())?
        .version;
    for arg in role_args {
        let (code, unit) = match arg.split_once(':') {
            Some((c, u)) => (c, Some(u)),
            None => (arg.as_str(), None),
        };
        let role = Role::parse(code).ok_or_else(|| {
            format!(
                "unknown role `{code}`; roles: {}",
                Role::ALL.map(|r| r.code()).join(", ")
            )
        })?;
        let kind = UnitKind::for_scope(role.scope());
        let unit_id = match (kind, unit) {
            (None, None) => None,
            (None, Some(_)) => return Err(format!("role `{code}` takes no unit")),
            (Some(_), None) => {
                return Err(format!("role `{code}` needs a unit: `{code}:<unit code>`"))
            }
            (Some(k), Some(u)) => Some(
                directory::id_by_code(&mut tx, k, u)
                    .await
                    .map_err(|e| e.to_string())?
                    .ok_or_else(|| format!("no unit with code `{u}`"))?,
            ),
        };
        let g = roles::NewGrant {
            user: uid,
            role,
            authority_id: unit_id.filter(|_| kind == Some(UnitKind::Authority)),
            department_id: unit_id.filter(|_| kind == Some(UnitKind::Department)),
            agency_id: unit_id.filter(|_| kind == Some(UnitKind::Agency)),
            granted_by: None,
            settings_version: version,
            now,
        };
        roles::grant_role(&mut tx, &g)
            .await
            .map_err(|e| e.to_string())?;
    }
    let summary = serde_json::json!({ "roles": role_args, "generated_password": generated });
    app::auditor(resolved, db)
        .record(
            &mut tx,
            now,
            Actor::Cli,
            "user.created",
            ("user", uid.to_string()),
            summary,
        )
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    println!("created user {} ({})", email, uid);
    if generated {
        println!("password: {password}");
    }
    Ok(())
}

async fn backup(db: &Db, resolved: &Resolved, file: &std::path::Path) -> Result<(), String> {
    match db.backend {
        Backend::Postgres => {
            println!("PostgreSQL is backed up with its own tool, for example:");
            println!(
                "  pg_dump --format=custom --file={} \"$DATABASE_URL\"",
                file.display()
            );
            let _ = resolved;
            Ok(())
        }
        Backend::Sqlite => {
            if file.exists() {
                return Err(format!("{} exists; choose a new file", file.display()));
            }
            let path = file.to_str().ok_or("the backup path must be UTF-8")?;
            // VACUUM INTO writes a consistent snapshot while the server keeps serving.
            db::maintenance::vacuum_into(db, path)
                .await
                .map_err(|e| e.to_string())?;
            // A backup holds everything the database does: the service user's alone.
            crate::platform::files::make_private(file)
                .map_err(|e| format!("{} not made private: {e}", file.display()))?;
            println!("backup written to {}", file.display());
            Ok(())
        }
    }
}

async fn verify_audit(heads: Option<PathBuf>) -> Result<(), String> {
    let setup = config::load_for_audit().map_err(|e| e.to_string())?;
    let db = db::connect(&setup.database_url, 2)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let heads = heads.or_else(|| setup.heads_file.clone().filter(|p| p.exists()));
    let path = heads.as_ref().map(|p| p.display().to_string());
    let report = audit::verify(&db, &setup.audit_keys, path.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    match report.problem {
        None => {
            println!(
                "audit trail verified: {} entries, head {}",
                report.entries, report.head_hash
            );
            match report.newest_published {
                Some(seq) => println!(
                    "the newest published head counts {seq} entries; {} written since",
                    report.entries - seq
                ),
                None => println!("no head has been published yet"),
            }
            if let Some(p) = path {
                println!("published heads checked, including {p}");
            }
            Ok(())
        }
        Some(p) => Err(format!("audit trail NOT valid: {p}")),
    }
}

async fn import_orgs(
    db: &Db,
    resolved: &Resolved,
    clock: &Clock,
    file: &std::path::Path,
) -> Result<(), String> {
    app::prepare(db, resolved, clock)
        .await
        .map_err(|e| e.to_string())?;
    let auditor = app::auditor(resolved, db);
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let report = crate::registry::import::import(db, file, clock, &auditor, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "imported {} organizations ({} with a legacy code whose checksum is not valid, kept and flagged); {} already present; {} rejected",
        report.added,
        report.legacy_flagged,
        report.already_present,
        report.rejected.len()
    );
    for (line, reason) in &report.rejected {
        println!("  line {line}: {reason}");
    }
    Ok(())
}
