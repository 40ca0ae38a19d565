//! Static configuration: one typed value, read once at start from defaults < `Huoban.toml` <
//! `HUOBAN_*` environment (nested keys with `__`) plus `DATABASE_URL`, then validated.
//!
//! Without a configuration file and without a database URL the application runs in *demo
//! mode*: an embedded SQLite file filled with demo data, and keys generated once and kept in a
//! file beside it. Anything else is production: every key must be configured.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Demo,
    Production,
}

/// A secret string: never printed by `Debug`.
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct KeyConfig {
    /// Rocket's private-cookie key: `[id:]base64` of 64 bytes.
    pub cookie_secret: Option<Secret>,
    /// HMAC key of the audit trail: `[id:]base64` of at least 32 bytes.
    pub audit_hmac: Option<Secret>,
    /// Earlier audit keys, kept after a rotation so `verify-audit` can check the entries they
    /// signed (never used to sign).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_hmac_retired: Vec<Secret>,
    /// Bid-sealing key: `[id:]base64` of exactly 32 bytes.
    pub bid_sealing: Option<Secret>,
    /// Key of the identity-number hash: `[id:]base64` of at least 32 bytes.
    pub identity: Option<Secret>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
pub struct HashParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl Default for HashParams {
    /// OWASP's argon2id recommendation (19 MiB, 2 passes, 1 lane).
    fn default() -> Self {
        HashParams {
            m_cost_kib: 19 * 1024,
            t_cost: 2,
            p_cost: 1,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host or network).
    None,
    /// STARTTLS on the submission port.
    Starttls,
    /// Implicit TLS (SMTPS).
    Tls,
}

/// The SMTP server mail is delivered through. Without it mail stays in the outbox.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// The sender, e.g. `伙伴平台 <noreply@huoban.example.gov.cn>`.
    pub from: String,
    /// Seconds to wait for the server.
    #[serde(default = "default_smtp_timeout")]
    pub timeout_secs: u64,
}

fn default_smtp_timeout() -> u64 {
    20
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Config {
    pub address: String,
    pub port: u16,
    /// Rocket's log level: off, critical, normal, debug.
    pub log_level: String,
    pub database_url: Option<String>,
    /// Where the demo database, its key file and (later) uploads are kept.
    pub data_dir: PathBuf,
    pub template_dir: PathBuf,
    /// The address people reach the site at, used in mailed links.
    pub public_url: String,
    /// Mark cookies `Secure`. Set it when a proxy terminates TLS in front of Huoban.
    pub secure_cookies: bool,
    /// Run background jobs in this process.
    pub jobs: bool,
    /// The header a trusted proxy puts the client address in (e.g. `X-Real-IP`). Unset when
    /// clients connect directly, so a client cannot choose its own address for throttling.
    pub ip_header: Option<String>,
    pub max_connections: u32,
    pub password_hash: HashParams,
    pub smtp: Option<SmtpConfig>,
    /// How often the mail worker looks for mail to deliver, in milliseconds.
    pub mail_poll_ms: u64,
    /// A file outside the database the daily audit head is also appended to.
    pub audit_heads_file: Option<PathBuf>,
    /// Where uploaded attachments are kept, named by SHA-256 (default: `<data_dir>/uploads`).
    pub uploads_dir: Option<PathBuf>,
    /// The largest upload accepted, in bytes.
    pub upload_max_bytes: u64,
    /// Demo mode only: run the clock this many hours ahead, to rehearse steps that wait for
    /// working days (the award notice, the filing clock) without waiting. Refused in production.
    pub clock_offset_hours: i64,
    /// The OCDS ocid prefix registered with the Open Contracting Partnership (`ocds-` and six
    /// letters or digits); ocids are `<prefix>-<project number>`.
    pub ocds_prefix: String,
    /// Send a `Server-Timing` header with each public page rendered from scratch: the time
    /// spent reading its data (`data`), rendering its template (`render`, escaping included)
    /// and, as an estimate of the escaping's share, escaping every text of its context once
    /// (`escape`). For the benchmarks (issue 26 item 3); off by default.
    pub server_timing: bool,
    /// The public statistics and the home page's counts (`platform::kept`) are computed again,
    /// while the visitor waits, when the data has changed and their last computation took at
    /// most this many milliseconds; a slower one (a nation's data) is redone in the background,
    /// at most once per ten times its own duration, and the page shows the figures it has (the
    /// statistics with the instant they are of).
    pub figures_inline_ms: u64,
    pub keys: KeyConfig,
}

impl Config {
    /// Where uploads are kept: `uploads_dir`, or `<data_dir>/uploads`.
    pub fn uploads_path(&self) -> PathBuf {
        self.uploads_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("uploads"))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            address: "127.0.0.1".into(),
            port: 8000,
            log_level: "normal".into(),
            database_url: None,
            data_dir: PathBuf::from("data"),
            template_dir: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/templates")),
            public_url: "http://127.0.0.1:8000".into(),
            secure_cookies: false,
            jobs: true,
            ip_header: None,
            max_connections: 8,
            password_hash: HashParams::default(),
            smtp: None,
            mail_poll_ms: 2000,
            audit_heads_file: None,
            uploads_dir: None,
            upload_max_bytes: 10 * 1024 * 1024,
            clock_offset_hours: 0,
            ocds_prefix: "ocds-hb2026".into(),
            server_timing: false,
            figures_inline_ms: 250,
            keys: KeyConfig::default(),
        }
    }
}

/// One key with the id that is recorded beside everything it makes.
#[derive(Clone)]
pub struct KeyMaterial {
    pub id: String,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyMaterial({}, ***)", self.id)
    }
}

#[derive(Debug, Clone)]
pub struct Keys {
    pub cookie: KeyMaterial,
    pub audit_hmac: KeyMaterial,
    pub bid_sealing: KeyMaterial,
    pub identity: KeyMaterial,
}

/// The configuration the application runs with, after resolution and validation.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub config: Config,
    pub mode: Mode,
    pub database_url: String,
    pub keys: Keys,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration could not be read: {0}")]
    Figment(String),
    #[error("production mode needs these keys configured (in Huoban.toml [keys] or HUOBAN_KEYS__<NAME>): {0}")]
    MissingKeys(String),
    #[error("key `{0}` is not valid: {1}")]
    BadKey(&'static str, String),
    #[error("database_url must start with sqlite: or postgres://, got a URL of another kind")]
    BadDatabaseUrl,
    #[error("{0}")]
    Invalid(String),
    #[error("verify-audit needs the audit key, and never creates one: {0}")]
    MissingAuditKey(String),
    #[error("demo key file {0}: {1}")]
    KeyFile(PathBuf, String),
}

const KEY_NAMES: [&str; 4] = ["cookie_secret", "audit_hmac", "bid_sealing", "identity"];

/// The configuration file in use: `HUOBAN_CONFIG` or `Huoban.toml` in the working folder.
pub fn config_file() -> PathBuf {
    std::env::var_os("HUOBAN_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("Huoban.toml"))
}

pub fn figment(file: &Path) -> Figment {
    Figment::from(Serialized::defaults(Config::default()))
        .merge(Toml::file(file))
        .merge(Env::prefixed("HUOBAN_").split("__").ignore(&["config"]))
        .merge(Env::raw().only(&["DATABASE_URL"]))
}

/// Reads, resolves and validates the configuration.
pub fn load() -> Result<Resolved, ConfigError> {
    let (config, mode) = read()?;
    resolve(config, mode)
}

/// The configuration as given (file, environment) and the mode it means: production when a
/// configuration file exists or a database is named, the demo otherwise.
fn read() -> Result<(Config, Mode), ConfigError> {
    let file = config_file();
    let config: Config = figment(&file)
        .extract()
        .map_err(|e| ConfigError::Figment(e.to_string()))?;
    let mode = if file.exists() || config.database_url.is_some() {
        Mode::Production
    } else {
        Mode::Demo
    };
    Ok((config, mode))
}

/// What `verify-audit` needs: the database and every audit key, current and retired.
#[derive(Debug, Clone)]
pub struct AuditSetup {
    pub database_url: String,
    pub audit_keys: Vec<KeyMaterial>,
    pub heads_file: Option<PathBuf>,
}

/// Reads the configuration for `verify-audit`. Unlike `load`, it never generates keys (a
/// trail checked against a fresh key only "finds" tampering) and never creates the demo
/// database: it says which key or file is missing instead.
pub fn load_for_audit() -> Result<AuditSetup, ConfigError> {
    let (config, mode) = read()?;
    audit_setup(config, mode)
}

pub fn audit_setup(mut config: Config, mode: Mode) -> Result<AuditSetup, ConfigError> {
    let database_url = match (&config.database_url, mode) {
        (Some(url), _) => url.clone(),
        (None, Mode::Production) => {
            return Err(ConfigError::Invalid(
                "production mode needs database_url".into(),
            ))
        }
        (None, Mode::Demo) => {
            let db = demo_database_path(&config);
            if !db.exists() {
                return Err(ConfigError::Invalid(format!(
                    "there is no demo database at {} to verify",
                    db.display()
                )));
            }
            format!("sqlite://{}", db.display())
        }
    };
    if mode == Mode::Demo {
        let path = demo_keys_path(&config);
        if config.keys.audit_hmac.is_none() {
            if !path.exists() {
                return Err(ConfigError::MissingAuditKey(format!(
                    "the demo key file {} does not exist",
                    path.display()
                )));
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError::KeyFile(path.clone(), e.to_string()))?;
            let stored: KeyConfig = toml::from_str(&text)
                .map_err(|e| ConfigError::KeyFile(path.clone(), e.to_string()))?;
            config.keys.audit_hmac = stored.audit_hmac;
            if config.keys.audit_hmac.is_none() {
                return Err(ConfigError::MissingAuditKey(format!(
                    "the demo key file {} has no audit_hmac",
                    path.display()
                )));
            }
            config
                .keys
                .audit_hmac_retired
                .extend(stored.audit_hmac_retired);
        }
        if config.audit_heads_file.is_none() {
            config.audit_heads_file = Some(config.data_dir.join("huoban-demo-audit-heads.txt"));
        }
    }
    let Some(current) = &config.keys.audit_hmac else {
        return Err(ConfigError::MissingAuditKey(
            "audit_hmac is not configured (Huoban.toml [keys] or HUOBAN_KEYS__AUDIT_HMAC)".into(),
        ));
    };
    let mut audit_keys = vec![parse_key("audit_hmac", current, 32, 128)?];
    for old in &config.keys.audit_hmac_retired {
        audit_keys.push(parse_key("audit_hmac_retired", old, 32, 128)?);
    }
    Ok(AuditSetup {
        database_url,
        audit_keys,
        heads_file: config.audit_heads_file,
    })
}

pub fn demo_database_path(config: &Config) -> PathBuf {
    config.data_dir.join("huoban-demo.sqlite3")
}

pub fn demo_keys_path(config: &Config) -> PathBuf {
    config.data_dir.join("huoban-demo-keys.toml")
}

pub fn resolve(mut config: Config, mode: Mode) -> Result<Resolved, ConfigError> {
    validate(&config)?;
    let database_url = match (&config.database_url, mode) {
        (Some(url), _) => url.clone(),
        (None, Mode::Demo) => format!(
            "sqlite://{}?mode=rwc",
            demo_database_path(&config).display()
        ),
        (None, Mode::Production) => {
            return Err(ConfigError::Invalid(
                "production mode needs database_url".into(),
            ))
        }
    };
    if !(database_url.starts_with("sqlite:")
        || database_url.starts_with("postgres://")
        || database_url.starts_with("postgresql://"))
    {
        return Err(ConfigError::BadDatabaseUrl);
    }
    if mode == Mode::Production && config.clock_offset_hours != 0 {
        return Err(ConfigError::Invalid(
            "clock_offset_hours is for demo rehearsals only; production runs on the real clock"
                .into(),
        ));
    }
    if mode == Mode::Demo {
        // Links the demo mails and publishes (mail, OCDS `next`, feeds) point at the port it
        // actually serves, unless an address was configured (issue 24, item 6).
        if config.public_url == Config::default().public_url {
            config.public_url = demo_public_url(&config.address, config.port);
        }
        fill_demo_keys(&mut config)?;
        if config.audit_heads_file.is_none() {
            config.audit_heads_file = Some(config.data_dir.join("huoban-demo-audit-heads.txt"));
        }
    }
    let keys = parse_keys(&config.keys)?;
    Ok(Resolved {
        config,
        mode,
        database_url,
        keys,
    })
}

/// The address the demo is reached at: the served port on this machine (a wildcard listen
/// address is reached through the loopback one).
pub fn demo_public_url(address: &str, port: u16) -> String {
    let host = match address {
        "0.0.0.0" | "::" | "" => "127.0.0.1",
        a => a,
    };
    if host.contains(':') {
        format!("http://[{host}]:{port}")
    } else {
        format!("http://{host}:{port}")
    }
}

fn validate(c: &Config) -> Result<(), ConfigError> {
    if c.port == 0 {
        return Err(ConfigError::Invalid("port must not be 0".into()));
    }
    if c.address.parse::<std::net::IpAddr>().is_err() {
        return Err(ConfigError::Invalid(format!(
            "address `{}` is not an IP address",
            c.address
        )));
    }
    let prefix_ok = c.ocds_prefix.strip_prefix("ocds-").is_some_and(|s| {
        s.len() == 6
            && s.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
    });
    if !prefix_ok {
        return Err(ConfigError::Invalid(
            "ocds_prefix must be \"ocds-\" followed by six lowercase letters or digits".into(),
        ));
    }
    if !(c.public_url.starts_with("http://") || c.public_url.starts_with("https://")) {
        return Err(ConfigError::Invalid(
            "public_url must start with http:// or https://".into(),
        ));
    }
    let h = c.password_hash;
    if !(8..=1024 * 1024).contains(&h.m_cost_kib)
        || !(1..=10).contains(&h.t_cost)
        || !(1..=16).contains(&h.p_cost)
    {
        return Err(ConfigError::Invalid(
            "password_hash parameters are out of range".into(),
        ));
    }
    if !matches!(
        c.log_level.as_str(),
        "off" | "critical" | "normal" | "debug"
    ) {
        return Err(ConfigError::Invalid(
            "log_level must be off, critical, normal or debug".into(),
        ));
    }
    if let Some(s) = &c.smtp {
        if s.host.trim().is_empty() || s.port == 0 {
            return Err(ConfigError::Invalid(
                "smtp.host and smtp.port must be set".into(),
            ));
        }
        if s.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid(
                "smtp.from must be a mailbox such as `Huoban <noreply@example.cn>`".into(),
            ));
        }
        if s.username.is_some() != s.password.is_some() {
            return Err(ConfigError::Invalid(
                "smtp.username and smtp.password go together".into(),
            ));
        }
    }
    if c.mail_poll_ms < 50 {
        return Err(ConfigError::Invalid(
            "mail_poll_ms must be at least 50".into(),
        ));
    }
    if c.max_connections == 0 {
        return Err(ConfigError::Invalid(
            "max_connections must be at least 1".into(),
        ));
    }
    Ok(())
}

fn key_slot<'a>(keys: &'a mut KeyConfig, name: &str) -> Option<&'a mut Option<Secret>> {
    match name {
        "cookie_secret" => Some(&mut keys.cookie_secret),
        "audit_hmac" => Some(&mut keys.audit_hmac),
        "bid_sealing" => Some(&mut keys.bid_sealing),
        "identity" => Some(&mut keys.identity),
        _ => None,
    }
}

fn generate_key(name: &str) -> Secret {
    let len = if name == "cookie_secret" { 64 } else { 32 };
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret(format!("demo1:{}", B64.encode(bytes)))
}

/// In demo mode, keys not given explicitly come from the key file beside the database,
/// generated on first start, so restarts keep sessions, history and sealed data readable.
fn fill_demo_keys(config: &mut Config) -> Result<(), ConfigError> {
    let path = demo_keys_path(config);
    let err = |e: String| ConfigError::KeyFile(path.clone(), e);
    let mut stored: KeyConfig = if path.exists() {
        let text = std::fs::read_to_string(&path).map_err(|e| err(e.to_string()))?;
        toml::from_str(&text).map_err(|e| err(e.to_string()))?
    } else {
        KeyConfig::default()
    };
    let mut changed = false;
    for name in KEY_NAMES {
        if let Some(slot) = key_slot(&mut stored, name) {
            if slot.is_none() {
                *slot = Some(generate_key(name));
                changed = true;
            }
        }
    }
    if changed {
        crate::platform::files::create_dir_private(&config.data_dir)
            .map_err(|e| err(e.to_string()))?;
        let text = toml::to_string(&stored).map_err(|e| err(e.to_string()))?;
        write_private(&path, &text).map_err(|e| err(e.to_string()))?;
    }
    for name in KEY_NAMES {
        let from_file = key_slot(&mut stored, name).and_then(|s| s.clone());
        if let Some(slot) = key_slot(&mut config.keys, name) {
            if slot.is_none() {
                *slot = from_file;
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

fn parse_key(
    name: &'static str,
    secret: &Secret,
    min: usize,
    max: usize,
) -> Result<KeyMaterial, ConfigError> {
    let (id, b64) = match secret.0.split_once(':') {
        Some((id, rest)) => (id.trim().to_string(), rest.trim()),
        None => ("k1".to_string(), secret.0.trim()),
    };
    if id.is_empty()
        || id.len() > 32
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ConfigError::BadKey(
            name,
            "the key id (before ':') must be 1-32 letters, digits, - or _".into(),
        ));
    }
    let bytes = B64
        .decode(b64)
        .map_err(|_| ConfigError::BadKey(name, "not base64".into()))?;
    if bytes.len() < min || bytes.len() > max {
        return Err(ConfigError::BadKey(
            name,
            format!("must decode to {min}..={max} bytes, got {}", bytes.len()),
        ));
    }
    Ok(KeyMaterial { id, bytes })
}

fn parse_keys(k: &KeyConfig) -> Result<Keys, ConfigError> {
    let missing: Vec<&str> = KEY_NAMES
        .iter()
        .copied()
        .filter(|n| {
            let mut copy = k.clone();
            key_slot(&mut copy, n).is_none_or(|s| s.is_none())
        })
        .collect();
    if !missing.is_empty() {
        return Err(ConfigError::MissingKeys(missing.join(", ")));
    }
    for old in &k.audit_hmac_retired {
        parse_key("audit_hmac_retired", old, 32, 128)?;
    }
    let get = |s: &Option<Secret>| s.clone().unwrap_or(Secret(String::new()));
    Ok(Keys {
        cookie: parse_key("cookie_secret", &get(&k.cookie_secret), 64, 64)?,
        audit_hmac: parse_key("audit_hmac", &get(&k.audit_hmac), 32, 128)?,
        bid_sealing: parse_key("bid_sealing", &get(&k.bid_sealing), 32, 32)?,
        identity: parse_key("identity", &get(&k.identity), 32, 128)?,
    })
}

/// A fresh key line for `huoban` operators (printed by `huoban gen-key`).
pub fn new_key_line(name: &str) -> String {
    generate_key(name).0.replacen("demo1:", "k1:", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_to_start_without_keys_and_names_them() {
        let mut c = Config {
            database_url: Some("sqlite::memory:".into()),
            ..Config::default()
        };
        c.keys.cookie_secret = Some(Secret(new_key_line("cookie_secret")));
        match resolve(c, Mode::Production) {
            Err(ConfigError::MissingKeys(names)) => {
                assert_eq!(names, "audit_hmac, bid_sealing, identity")
            }
            other => panic!("expected missing keys, got {other:?}"),
        }
    }

    #[test]
    fn only_the_demo_may_run_its_clock_ahead() {
        let mut c = Config {
            database_url: Some("postgres://x/y".into()),
            clock_offset_hours: 72,
            ..Config::default()
        };
        for n in KEY_NAMES {
            if let Some(slot) = key_slot(&mut c.keys, n) {
                *slot = Some(Secret(new_key_line(n)));
            }
        }
        assert!(matches!(
            resolve(c.clone(), Mode::Production),
            Err(ConfigError::Invalid(m)) if m.contains("clock_offset_hours")
        ));
        c.database_url = None;
        assert!(resolve(c, Mode::Demo).is_ok());
    }

    #[test]
    fn the_demo_links_to_the_port_it_serves() {
        assert_eq!(demo_public_url("127.0.0.1", 8128), "http://127.0.0.1:8128");
        assert_eq!(demo_public_url("0.0.0.0", 8000), "http://127.0.0.1:8000");
        assert_eq!(demo_public_url("::1", 9000), "http://[::1]:9000");
        assert_eq!(demo_public_url("192.168.1.5", 80), "http://192.168.1.5:80");
        let dir = std::env::temp_dir().join(format!("huoban-demo-url-{}", std::process::id()));
        let c = Config {
            port: 8128,
            data_dir: dir.clone(),
            ..Config::default()
        };
        let r = resolve(c.clone(), Mode::Demo).map(|r| r.config.public_url);
        assert_eq!(r.ok().as_deref(), Some("http://127.0.0.1:8128"));
        // A configured address is kept.
        let c = Config {
            public_url: "https://demo.example.cn".into(),
            ..c
        };
        let r = resolve(c, Mode::Demo).map(|r| r.config.public_url);
        assert_eq!(r.ok().as_deref(), Some("https://demo.example.cn"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused() {
        let mut c = Config {
            database_url: Some("postgres://x/y".into()),
            ..Config::default()
        };
        for n in KEY_NAMES {
            if let Some(slot) = key_slot(&mut c.keys, n) {
                *slot = Some(Secret(new_key_line(n)));
            }
        }
        assert!(resolve(c.clone(), Mode::Production).is_ok());
        c.keys.bid_sealing = Some(Secret(format!("k9:{}", B64.encode([1u8; 16]))));
        assert!(matches!(
            resolve(c, Mode::Production),
            Err(ConfigError::BadKey("bid_sealing", _))
        ));
    }

    #[test]
    fn secrets_are_not_printed() {
        let s = Secret("super-secret".into());
        assert!(!format!("{s:?}").contains("super"));
    }
}
