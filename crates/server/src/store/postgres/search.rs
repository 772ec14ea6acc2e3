//! The PostgreSQL store's search: `message_terms.terms`, a tsvector made
//! from the terms `crate::search` makes (with their positions, never by a
//! text search configuration), under a GIN index, looked up newest first;
//! and its primitives in the write transaction.

use async_trait::async_trait;
use sqlx::{PgConnection, PgPool};
use suda_protocol::{ChannelId, EventId};

use super::{
    bounded,
    rows::{self, EventRecord},
    tx::PgTx,
    PgStore,
};
use crate::{
    error::ApiResult,
    search::{self, Term},
    store::{
        search::{reindexed, StoredMessage},
        EventRow, IndexChange, IndexChanges, SearchAsk, SearchStore, SearchTx,
    },
};

/// A lexeme as tsvector and tsquery input read it: quoted, so it is taken
/// as it is. Terms hold only letters, digits and marks; quotes and
/// backslashes are escaped all the same.
fn lexeme(term: &str) -> String {
    format!("'{}'", term.replace('\\', "\\\\").replace('\'', "''"))
}

/// The tsvector of a message: each of its terms at its position (from 1;
/// PostgreSQL keeps positions up to 16,383 and the rest at that).
pub(super) fn tsvector(change: &IndexChange, text: &str) -> String {
    search::indexed_terms(text, change.channel, change.sender)
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{}:{}", lexeme(t), (i + 1).min(16_383)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tsquery asking for every term: a word is `'a'`, a prefix `'word':*`, a phrase its
/// pairs one after the other (`'ab' <-> 'bc'`).
pub(super) fn tsquery(terms: &[Term]) -> String {
    terms
        .iter()
        .map(|term| match term {
            Term::Word(w) => lexeme(w),
            Term::Prefix(p) => format!("{}:*", lexeme(p)),
            Term::Phrase(pairs) => format!(
                "({})",
                pairs
                    .iter()
                    .map(|p| lexeme(p))
                    .collect::<Vec<_>>()
                    .join(" <-> ")
            ),
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

/// How many of the newest index entries the first step of a search walks.
/// Walking is fast while matches are common (20 are found in the first
/// few hundred) and costs about 0.8 µs an entry when they are not: this
/// bounds it near 8 ms. Tests walk 4, to reach the second step.
const WALKED: i64 = if cfg!(test) { 4 } else { 10_000 };

/// What both steps keep of what matched: in the viewer's channels now, not
/// deleted, and the asked filters (`$4` channel, `$5` sender, `$6`..`$7`
/// times), newest first, `$8` at most.
const KEEP: &str = "JOIN memberships ms ON ms.channel_id = t.channel_id AND ms.member_id = $2
       AND ms.left_seq IS NULL
     WHERE t.terms @@ $1::tsquery AND t.seq < $3
       AND e.event_type = 'CHAT' AND e.deleted_seq IS NULL
       AND ($4::bigint IS NULL OR t.channel_id = $4)
       AND ($5::bigint IS NULL OR e.member_id = $5)
       AND ($6::bigint IS NULL OR e.created_at >= $6)
       AND ($7::bigint IS NULL OR e.created_at < $7)
     ORDER BY t.seq DESC LIMIT $8";

/// The tsquery of a search: its terms, and its channel's and sender's tags.
fn tsquery_of(ask: &SearchAsk<'_>) -> String {
    let mut query = tsquery(ask.terms);
    let tags = [
        ask.channel.map(search::channel_tag),
        ask.sender.map(search::sender_tag),
    ];
    for tag in tags.into_iter().flatten() {
        query.push_str(" & ");
        query.push_str(&lexeme(&tag));
    }
    query
}

#[async_trait]
impl SearchStore for PgStore {
    /// In two steps, as a GIN index holds no order. Asked for the newest
    /// matches under `ORDER BY seq DESC LIMIT`, PostgreSQL walks the
    /// entries newest first and tests each, which is quick for a common
    /// word and reads every entry for a word that is nowhere (0.5 s at
    /// 1,000,000). So the first step walks only the newest [`WALKED`]
    /// entries; when they hold fewer matches than asked for, the second
    /// asks the GIN index alone for every match older than those (its
    /// work follows how many there are: none for a word that is nowhere).
    /// `in:` and `from:` are terms of the query too
    /// ([`search::indexed_terms`]), so the index finds a quiet channel's
    /// matches without reading every newer match of a common word.
    async fn search(&self, ask: &SearchAsk<'_>) -> ApiResult<Vec<EventRow>> {
        bounded(async move {
            let select = rows::event_select();
            let want = i64::from(ask.limit) + 1;
            let older_than = ask.older_than.map_or(i64::MAX, EventId::get);
            let walked = format!(
                "{select}
                 JOIN (SELECT seq, channel_id, terms FROM message_terms WHERE seq < $3
                       ORDER BY seq DESC LIMIT $9) t ON t.seq = e.seq
                 {KEEP}"
            );
            let mut found = self
                .search_step(&walked, ask, older_than, want, Some(WALKED))
                .await?;
            if found.len() as i64 >= want {
                return rows::all(found);
            }
            // The oldest entry walked: the second step goes on below it.
            let below: Option<i64> = sqlx::query_scalar(
                "SELECT min(seq) FROM (SELECT seq FROM message_terms WHERE seq < $1
                   ORDER BY seq DESC LIMIT $2) AS walked",
            )
            .bind(older_than)
            .bind(WALKED)
            .fetch_one(&self.pool)
            .await?;
            let Some(below) = below else {
                return rows::all(found);
            };
            // MATERIALIZED: planned by itself, without the ORDER BY that
            // would make PostgreSQL walk again.
            let looked_up = format!(
                "WITH t AS MATERIALIZED (
                   SELECT seq, channel_id, terms FROM message_terms WHERE terms @@ $1::tsquery)
                 {select}
                 JOIN t ON t.seq = e.seq
                 {KEEP}"
            );
            let rest = want - found.len() as i64;
            found.extend(self.search_step(&looked_up, ask, below, rest, None).await?);
            rows::all(found)
        })
        .await
    }
}

impl PgStore {
    /// One step of [`PgStore::search`]: `sql` with the ask's values bound,
    /// older than `older_than`, at most `want`, `walk` as `$9`.
    async fn search_step(
        &self,
        sql: &str,
        ask: &SearchAsk<'_>,
        older_than: i64,
        want: i64,
        walk: Option<i64>,
    ) -> Result<Vec<EventRecord>, sqlx::Error> {
        let query = sqlx::query_as::<_, EventRecord>(sql)
            .bind(tsquery_of(ask))
            .bind(ask.viewer.get())
            .bind(older_than)
            .bind(ask.channel.map(ChannelId::get))
            .bind(ask.sender.map(|m| m.get()))
            .bind(ask.since)
            .bind(ask.until)
            .bind(want);
        match walk {
            Some(walk) => query.bind(walk),
            None => query,
        }
        .fetch_all(&self.pool)
        .await
    }
}

impl SearchTx for PgTx {
    fn index_changes(&mut self) -> &mut IndexChanges {
        &mut self.index
    }
}

/// Writes a transaction's index changes, just before its commit: what is
/// replaced or deleted goes in one statement, the new terms in one more,
/// each handed over as arrays.
pub(super) async fn write(
    conn: &mut PgConnection,
    changes: &[IndexChange],
) -> Result<(), sqlx::Error> {
    let replaced: Vec<i64> = changes
        .iter()
        .filter(|c| c.replaces)
        .map(|c| c.message.get())
        .collect();
    if !replaced.is_empty() {
        sqlx::query("DELETE FROM message_terms WHERE seq = ANY($1)")
            .bind(&replaced)
            .execute(&mut *conn)
            .await?;
    }
    let (mut seqs, mut channels, mut terms) = (Vec::new(), Vec::new(), Vec::new());
    for change in changes {
        if let Some(text) = &change.text {
            seqs.push(change.message.get());
            channels.push(change.channel.get());
            terms.push(tsvector(change, text));
        }
    }
    if seqs.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO message_terms (seq, channel_id, terms)
         SELECT seq, channel_id, terms::tsvector
         FROM unnest($1::int8[], $2::int8[], $3::text[]) AS t(seq, channel_id, terms)",
    )
    .bind(&seqs)
    .bind(&channels)
    .bind(&terms)
    .execute(conn)
    .await?;
    Ok(())
}

/// Messages read per query when the index is made again.
const REBUILD_PAGE: i64 = 1000;

/// As SQLite's: makes the index again when it was made by an older
/// [`search::TERMS_VERSION`], in one transaction holding the version's row,
/// so nodes starting at once wait for the first and find nothing to do.
pub(super) async fn bring_up_to_date(pool: &PgPool) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let result = rebuild(&mut conn).await;
    if result.is_err() {
        // Closing ends whatever transaction is still open.
        let _ = conn.close().await;
    }
    result
}

async fn rebuild(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let current = "SELECT value FROM server_meta WHERE key = 'search_terms_version'";
    let version: Option<i64> = sqlx::query_scalar(current)
        .fetch_optional(&mut *conn)
        .await?;
    if version == Some(search::TERMS_VERSION) {
        return Ok(());
    }
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    let version: Option<i64> = sqlx::query_scalar(&format!("{current} FOR UPDATE"))
        .fetch_optional(&mut *conn)
        .await?;
    if version == Some(search::TERMS_VERSION) {
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        return Ok(());
    }
    sqlx::query("DELETE FROM message_terms")
        .execute(&mut *conn)
        .await?;
    let mut after = 0i64;
    let mut indexed = 0u64;
    loop {
        let page: Vec<StoredMessage> = sqlx::query_as(
            "SELECT e.seq, e.channel_id, e.member_id, COALESCE(ed.message, e.message, '')
               || COALESCE((SELECT string_agg(chr(10) || (f ->> 'name'), '' ORDER BY n)
                            FROM jsonb_array_elements(e.attachments::jsonb) WITH ORDINALITY AS a(f, n)), '')
             FROM events e LEFT JOIN events ed ON ed.seq = e.edited_seq
             WHERE e.seq > $1 AND e.event_type = 'CHAT' AND e.deleted_seq IS NULL
             ORDER BY e.seq LIMIT $2",
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
        "INSERT INTO server_meta (key, value) VALUES ('search_terms_version', $1)
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
