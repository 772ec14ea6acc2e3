//! How the PostgreSQL store tells what went wrong, and shows where: a
//! database that refuses to write, and a URL fit to print.

/// Whether `e` is the database refusing to write (a read-only transaction,
/// as on a standby or with `default_transaction_read_only`), also when it
/// came from a migration.
pub fn is_read_only(e: &sqlx::Error) -> bool {
    use sqlx::migrate::MigrateError;
    let database = match e {
        sqlx::Error::Database(d) => Some(d),
        sqlx::Error::Migrate(m) => match &**m {
            MigrateError::Execute(sqlx::Error::Database(d))
            | MigrateError::ExecuteMigration(sqlx::Error::Database(d), _) => Some(d),
            _ => None,
        },
        _ => None,
    };
    // SQLSTATE 25006: read_only_sql_transaction.
    database.and_then(|d| d.code()).as_deref() == Some("25006")
}

/// `url` fit for a log line or an error message: its password (in the
/// user part or as a `password=` parameter) replaced by `***`.
pub fn without_password(url: &str) -> String {
    let mut shown = url.to_owned();
    if let Some(start) = shown.find("://").map(|i| i + 3) {
        let end = shown[start..]
            .find(['/', '?'])
            .map_or(shown.len(), |i| start + i);
        if let Some(at) = shown[start..end].rfind('@').map(|i| start + i) {
            if let Some(colon) = shown[start..at].find(':').map(|i| start + i) {
                shown.replace_range(colon + 1..at, "***");
            }
        }
    }
    if let Some(query) = shown.find('?') {
        let (head, params) = shown.split_at(query + 1);
        let params: Vec<String> = params
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => p.to_owned(),
            })
            .collect();
        shown = format!("{head}{}", params.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::without_password;

    #[test]
    fn a_url_is_shown_without_its_password() {
        for (url, shown) in [
            (
                "postgres://suda:s3cret@db.example:5432/suda",
                "postgres://suda:***@db.example:5432/suda",
            ),
            (
                "postgresql://suda:p@ss:w@rd@db/suda?sslmode=require",
                "postgresql://suda:***@db/suda?sslmode=require",
            ),
            (
                "postgres://db/suda?user=suda&password=s3cret",
                "postgres://db/suda?user=suda&password=***",
            ),
            ("postgres://suda@db/suda", "postgres://suda@db/suda"),
            ("sqlite:suda.db", "sqlite:suda.db"),
        ] {
            assert_eq!(without_password(url), shown, "{url}");
        }
    }
}
