//! Where `suda` finds the server and the token.
//!
//! A flag wins over the environment (`SUDA_SERVER`, `SUDA_TOKEN`), which
//! wins over what `suda login` kept, so scripts can override a signed-in
//! user without touching their files. `suda login` keeps the server in the
//! config file in the per-OS config directory and the token in the OS
//! keychain; where there is no keychain (or `SUDA_NO_KEYCHAIN` is set) the
//! token goes into the config file, readable by the user only.

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// The server used when nothing else names one (the server's default).
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// What the config file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileConfig {
    /// The server's base URL.
    pub server: Option<String>,
    /// The bearer token from the last `suda login`.
    pub token: Option<String>,
}

/// The config file's path: `SUDA_CONFIG` if set, else the OS's place.
pub fn path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("SUDA_CONFIG") {
        return Ok(PathBuf::from(p));
    }
    let dirs = directories::ProjectDirs::from("", "", "suda")
        .context("cannot find a config directory for this user")?;
    Ok(dirs.config_dir().join("config.json"))
}

/// Reads the file; a missing file is an empty config.
pub fn load() -> Result<FileConfig> {
    let path = path()?;
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid suda config", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes the file, readable by the user only (it holds a token).
pub fn save(config: &FileConfig) -> Result<()> {
    let path = path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let text = serde_json::to_string_pretty(config)?;
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

const KEYCHAIN_SERVICE: &str = "app.suda.cli";

fn keychain_entry(server: &str) -> Option<keyring::Entry> {
    if std::env::var_os("SUDA_NO_KEYCHAIN").is_some() {
        return None;
    }
    keyring::Entry::new(KEYCHAIN_SERVICE, server).ok()
}

/// The token kept in the keychain for `server`, if any.
pub fn keychain_token(server: &str) -> Option<String> {
    keychain_entry(server)?.get_password().ok()
}

/// Keeps the token in the keychain; false when there is no keychain.
pub fn keep_in_keychain(server: &str, token: &str) -> bool {
    keychain_entry(server).is_some_and(|e| e.set_password(token).is_ok())
}

/// Forgets the keychain's token for `server` (if there is one).
pub fn forget_keychain_token(server: &str) {
    if let Some(e) = keychain_entry(server) {
        let _ = e.delete_credential();
    }
}
