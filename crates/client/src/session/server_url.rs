//! The server address a person typed, checked and put in the one form the
//! session joins paths onto (`{server}/graphql`), so the desktop app and
//! the CLI accept and refuse the same addresses with the same words.

/// An address that is not a Suda server's: says what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{given}” is not a server address ({why}). Try something like http://127.0.0.1:8080")]
pub struct BadServerUrl {
    /// What was given, trimmed.
    pub given: String,
    /// What is wrong, for a person.
    pub why: &'static str,
}

/// Checks a server address and normalises it: surrounding spaces and
/// trailing slashes go, the rest is kept as given (a path is a server
/// behind a reverse proxy at that path). It must be `http://` or
/// `https://` with a host name, no spaces, and no query or fragment (the
/// session appends paths to it).
pub fn normalize_server_url(given: &str) -> Result<String, BadServerUrl> {
    let given = given.trim();
    let bad = |why| BadServerUrl {
        given: given.to_owned(),
        why,
    };
    if given.is_empty() {
        return Err(bad("it is empty"));
    }
    let (scheme, rest) = given
        .split_once("://")
        .ok_or_else(|| bad("no http:// or https://"))?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err(bad("only http and https are supported"));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(bad("no host name"));
    }
    if rest.contains(char::is_whitespace) {
        return Err(bad("it has spaces in it"));
    }
    if rest.contains(['?', '#']) {
        return Err(bad("a server address has no ? or #"));
    }
    Ok(given.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(given: &str) -> &'static str {
        normalize_server_url(given).unwrap_err().why
    }

    #[test]
    fn a_plain_address_is_kept_as_given() {
        for ok in [
            "http://127.0.0.1:8080",
            "https://chat.example",
            "HTTPS://Chat.Example:443",
            "http://[::1]:8080",
        ] {
            assert_eq!(normalize_server_url(ok).unwrap(), ok);
        }
    }

    #[test]
    fn surrounding_spaces_and_trailing_slashes_go() {
        assert_eq!(
            normalize_server_url(" http://127.0.0.1:8080/ ").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_server_url("https://chat.example///").unwrap(),
            "https://chat.example"
        );
    }

    #[test]
    fn a_path_is_kept_without_its_trailing_slash() {
        assert_eq!(
            normalize_server_url("https://example.com/suda/").unwrap(),
            "https://example.com/suda"
        );
    }

    #[test]
    fn an_empty_address_is_refused() {
        assert_eq!(why(""), "it is empty");
        assert_eq!(why("   "), "it is empty");
    }

    #[test]
    fn an_address_without_a_scheme_is_refused() {
        assert_eq!(why("localhost:8080"), "no http:// or https://");
        assert_eq!(why("127.0.0.1"), "no http:// or https://");
        assert_eq!(why("not a url"), "no http:// or https://");
    }

    #[test]
    fn a_scheme_other_than_http_is_refused() {
        assert_eq!(why("ftp://x"), "only http and https are supported");
        assert_eq!(
            why("ws://127.0.0.1:8080"),
            "only http and https are supported"
        );
        assert_eq!(why("://x"), "only http and https are supported");
    }

    #[test]
    fn an_address_without_a_host_is_refused() {
        assert_eq!(why("http://"), "no host name");
        assert_eq!(why("http:///path"), "no host name");
        assert_eq!(why("http://:8080"), "no host name");
    }

    #[test]
    fn spaces_inside_are_refused() {
        assert_eq!(why("http:// x"), "it has spaces in it");
        assert_eq!(why("http://exa mple.com"), "it has spaces in it");
        assert_eq!(why("http://example.com/a path"), "it has spaces in it");
    }

    #[test]
    fn a_query_or_fragment_is_refused() {
        assert_eq!(
            why("http://example.com?x=1"),
            "a server address has no ? or #"
        );
        assert_eq!(
            why("http://example.com/#top"),
            "a server address has no ? or #"
        );
    }

    #[test]
    fn the_message_names_the_address_and_suggests_one() {
        let message = normalize_server_url(" ftp://x ").unwrap_err().to_string();
        assert_eq!(
            message,
            "“ftp://x” is not a server address (only http and https are supported). \
             Try something like http://127.0.0.1:8080"
        );
    }
}
