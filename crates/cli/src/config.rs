//! Where `suda` finds the server and the token.
//!
//! A flag wins over the environment (`SUDA_SERVER`, `SUDA_TOKEN`), which
//! wins over what `suda login` kept, so scripts can override a signed-in
//! user without touching their files. `suda login` keeps the server in the
//! config file in the per-OS config directory and the token in the OS
//! keychain (one entry per server); where there is no keychain (or
//! `SUDA_NO_KEYCHAIN` is set) the token goes into the config file, readable
//! by the user only. Both go through `suda_client`'s credential store, whose
//! fallback file is the config file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use suda_client::credentials::{
    self, CredentialConfig, CredentialMode, CredentialStore, Kept as KeptIn,
};

/// The server used when nothing else names one (the server's default).
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

const KEYCHAIN_SERVICE: &str = "app.suda.cli";

/// What the config file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileConfig {
    /// The server's base URL.
    pub server: Option<String>,
    /// The bearer token from the last `suda login`, when there is no keychain.
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

/// What `suda login` kept: the config file and the keychain.
pub struct Kept {
    path: PathBuf,
    store: CredentialStore,
}

impl Kept {
    /// The config file at [`path`]; the keychain unless `mode` is file only.
    pub fn open(mode: CredentialMode) -> Result<Kept> {
        Ok(Kept::at(path()?, mode))
    }

    /// The config file at `path`.
    fn at(path: PathBuf, mode: CredentialMode) -> Kept {
        let store = CredentialStore::new(CredentialConfig {
            service: KEYCHAIN_SERVICE.to_owned(),
            file: path.clone(),
            mode,
        });
        Kept { path, store }
    }

    /// The config file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the file; a missing file is an empty config.
    pub fn config(&self) -> Result<FileConfig> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text)
                .with_context(|| format!("{} is not a valid suda config", self.path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", self.path.display())),
        }
    }

    /// The token kept for `server`: the keychain's, else the file's.
    pub fn token(&self, server: &str) -> Option<String> {
        let secret = self.store.load(server)?;
        match serde_json::from_str::<FileConfig>(&secret) {
            Ok(config) => config.token,
            // Earlier versions kept the bare token in the keychain.
            Err(_) if !secret.trim_start().starts_with('{') => Some(secret),
            Err(_) => None,
        }
    }

    /// Keeps `token` for the next command: in the keychain (the file keeps
    /// only the server), else in the file. True when the keychain took it.
    pub fn keep(&self, server: &str, token: &str) -> Result<bool> {
        let login = FileConfig {
            server: Some(server.to_owned()),
            token: Some(token.to_owned()),
        };
        match self
            .store
            .save(server, &serde_json::to_string_pretty(&login)?)?
        {
            KeptIn::Keychain => {
                self.write(&FileConfig {
                    token: None,
                    ..login
                })?;
                Ok(true)
            }
            KeptIn::File { .. } => Ok(false),
        }
    }

    /// Forgets the token for `server` everywhere; the file keeps `server`
    /// as the one to use.
    pub fn forget(&self, server: &str, remembered: Option<String>) -> Result<()> {
        self.store.clear(server);
        self.write(&FileConfig {
            server: remembered,
            token: None,
        })
    }

    /// Writes the file, readable by the user only (it may hold a token).
    fn write(&self, config: &FileConfig) -> Result<()> {
        let text = serde_json::to_string_pretty(config)?;
        credentials::write_private(&self.path, text.as_bytes())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept(dir: &Path) -> Kept {
        Kept::at(dir.join("config.json"), CredentialMode::FileOnly)
    }

    #[test]
    fn without_a_keychain_the_file_keeps_the_server_and_the_token() {
        let dir = tempfile::tempdir().unwrap();
        let kept = kept(dir.path());
        assert_eq!(kept.config().unwrap(), FileConfig::default());
        assert!(!kept.keep("http://a", "t1").unwrap());
        assert_eq!(
            kept.config().unwrap(),
            FileConfig {
                server: Some("http://a".into()),
                token: Some("t1".into())
            }
        );
        assert_eq!(kept.token("http://a").as_deref(), Some("t1"));
        kept.forget("http://a", Some("http://a".into())).unwrap();
        assert_eq!(kept.token("http://a"), None);
        assert_eq!(kept.config().unwrap().server.as_deref(), Some("http://a"));
    }

    #[test]
    fn a_config_that_is_not_json_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let kept = kept(dir.path());
        std::fs::write(kept.path(), "{ broken").unwrap();
        let err = kept.config().unwrap_err().to_string();
        assert!(err.contains("config.json"), "{err}");
        assert_eq!(kept.token("http://a"), None, "no token from a broken file");
    }
}
