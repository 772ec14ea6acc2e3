//! The SQLite store's search: an FTS5 table of the terms `crate::search`
//! makes (`message_terms`, rowid = the message's seq), looked up newest
//! first, and its primitives in the write transaction.

use async_trait::async_trait;
use sqlx::{SqliteConnection, SqlitePool};
use suda_protocol::{ChannelId, EventId};

use super::{
    rows::{self, EventRecord},
    tx::SqliteTx,
    SqliteStore,
};
use crate::{
    error::ApiResult,
    search::{self, Term},
    store::{
        search::{joined, reindexed, StoredMessage},
        EventRow, IndexChange, IndexChanges, SearchAsk, SearchStore, SearchTx,
    },
};

/// An FTS5 query asking for every term: a word is `"a"`, a prefix
/// `"word"*`, a phrase `"ab bc"`. Terms hold only letters, digits and marks, never a quote, so
/// quoting them keeps FTS5's own syntax (`AND`, `NEAR`, `-`) out.
pub(super) fn fts_query(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|term| match term {
            Term::Word(w) => format!("\"{w}\""),
            Term::Prefix(p) => format!("\"{p}\"*"),
            Term::Phrase(pairs) => format!("\"{}\"", pairs.join(" ")),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The FTS5 query of a search: its terms, and its channel's and sender's
/// tags, so FTS5 finds `in:` and `from:` with the words.
fn fts_query_of(ask: &SearchAsk<'_>) -> String {
    let mut query = fts_query(ask.terms);
    let tags = [
        ask.channel.map(search::channel_tag),
        ask.sender.map(search::sender_tag),
    ];
    for tag in tags.into_iter().flatten() {
        query.push_str(&format!(" \"{tag}\""));
    }
    query
}

#[async_trait]
impl SearchStore for SqliteStore {
    async fn search(&self, ask: &SearchAsk<'_>) -> ApiResult<Vec<EventRow>> {
        let select = rows::event_select();
        // The hits come from FTS5 newest first, and stop at the page's end
        // once enough of them pass the other conditions.
        let sql = format!(
            "{select}
             JOIN message_terms t ON t.rowid = e.seq
             JOIN memberships ms ON ms.channel_id = e.channel_id AND ms.member_id = ?2
               AND ms.left_seq IS NULL
             WHERE message_terms MATCH ?1 AND t.rowid < ?3
               AND e.event_type = 'CHAT' AND e.deleted_seq IS NULL
               AND (?4 IS NULL OR e.channel_id = ?4)
               AND (?5 IS NULL OR e.member_id = ?5)
               AND (?6 IS NULL OR e.created_at >= ?6)
               AND (?7 IS NULL OR e.created_at < ?7)
             ORDER BY t.rowid DESC LIMIT ?8"
        );
        let found = sqlx::query_as::<_, EventRecord>(&sql)
            .bind(fts_query_of(ask))
            .bind(ask.viewer.get())
            .bind(ask.older_than.map_or(i64::MAX, EventId::get))
            .bind(ask.channel.map(ChannelId::get))
            .bind(ask.sender.map(|m| m.get()))
            .bind(ask.since)
            .bind(ask.until)
            .bind(i64::from(ask.limit) + 1)
            .fetch_all(&self.pool)
            .await?;
        rows::all(found)
    }
}

impl SearchTx for SqliteTx {
    fn index_changes(&mut self) -> &mut IndexChanges {
        &mut self.index
    }
}

/// Writes a transaction's index changes, just before its commit: what is
/// replaced or deleted goes first, a statement each (edits and deletions
/// are few); then all the new terms in one statement, handed over as one
/// JSON array of `[seq, terms]` (one prepared statement whatever the count).
pub(super) async fn write(
    conn: &mut SqliteConnection,
    changes: &[IndexChange],
) -> Result<(), sqlx::Error> {
    for change in changes.iter().filter(|c| c.replaces) {
        sqlx::query("DELETE FROM message_terms WHERE rowid = ?1")
            .bind(change.message.get())
            .execute(&mut *conn)
            .await?;
    }
    let rows: Vec<(i64, String)> = changes
        .iter()
        .filter_map(|c| {
            let text = c.text.as_deref()?;
            let terms = search::indexed_terms(text, c.channel, c.sender);
            Some((c.message.get(), joined(&terms)))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let rows = serde_json::to_string(&rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    sqlx::query(
        "INSERT INTO message_terms (rowid, terms)
         SELECT value ->> 0, value ->> 1 FROM json_each(?1)",
    )
    .bind(rows)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Messages indexed per statement batch when the index is made again.
const REBUILD_PAGE: i64 = 1000;

/// Makes the index again, from every message not deleted, when it was made
/// by an older [`search::TERMS_VERSION`] (or never): in one transaction that
/// also records the version, so a start that fails half-way leaves the old
/// index and does it all again next time.
pub(super) async fn bring_up_to_date(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let stored: Option<i64> =
        sqlx::query_scalar("SELECT value FROM server_meta WHERE key = 'search_terms_version'")
            .fetch_optional(&mut *conn)
            .await?;
    if stored == Some(search::TERMS_VERSION) {
        return Ok(());
    }
    let result = rebuild(&mut conn).await;
    if result.is_err() {
        // Closing rolls back whatever is still open, as in `sqlite::tx`.
        let _ = conn.close().await;
    }
    result
}

async fn rebuild(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    sqlx::query("DELETE FROM message_terms")
        .execute(&mut *conn)
        .await?;
    let mut after = 0i64;
    let mut indexed = 0u64;
    loop {
        let page: Vec<StoredMessage> = sqlx::query_as(
            "SELECT e.seq, e.channel_id, e.member_id, COALESCE(ed.message, e.message, '')
               || COALESCE((SELECT group_concat(char(10) || (f.value ->> 'name'), '')
                            FROM json_each(e.attachments) f), '')
             FROM events e LEFT JOIN events ed ON ed.seq = e.edited_seq
             WHERE e.seq > ?1 AND e.event_type = 'CHAT' AND e.deleted_seq IS NULL
             ORDER BY e.seq LIMIT ?2",
        )
        .bind(after)
        .bind(REBUILD_PAGE)
        .fetch_all(&mut *conn)
        .await?;
        let Some(&(last, ..)) = page.last() else {
            break;
        };
        let changes = reindexed(&page);
        write(conn, &changes).await?;
        indexed += page.len() as u64;
        after = last;
    }
    sqlx::query(
        "INSERT INTO server_meta (key, value) VALUES ('search_terms_version', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(search::TERMS_VERSION)
    .execute(&mut *conn)
    .await?;
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    if indexed > 0 {
        tracing::info!(indexed, "made the search index of the stored messages");
    }
    Ok(())
}
