//! Search: the messages of the caller's channels, by their words
//! (`crate::search`).

use async_graphql::{Context, Object, Result, SimpleObject, ID};
use suda_protocol::{ChannelId, Cursor, EventId};

use super::{caller_member, parse_id, state, types::ChatChannelChatEvent};
use crate::{
    error::{ApiError, ApiResult},
    rules,
    search::{self, QueryError},
    store::{Messages, SearchAsk},
};

/// At most this many hits a page.
const MAX_HITS: i32 = 50;

/// Where a search's words are in a message's text.
#[derive(SimpleObject)]
pub struct TextRange {
    /// The first character (Unicode scalar values, from 0).
    pub start: i32,
    /// How many characters.
    pub length: i32,
}

/// A message a search found.
#[derive(SimpleObject)]
pub struct SearchHit {
    /// The message as it is now.
    pub message: ChatChannelChatEvent,
    /// Where the search's words are in its text, in order.
    pub highlights: Vec<TextRange>,
}

/// A page of what a search found.
#[derive(SimpleObject)]
pub struct SearchPage {
    /// Newest first.
    pub hits: Vec<SearchHit>,
    pub has_more: bool,
    /// Pass as `before` for the next page; null when there is none.
    pub next_cursor: Option<String>,
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        ApiError::BadInput(e.to_string())
    }
}

/// An RFC 3339 time as unix ms; `BAD_USER_INPUT` naming `what` otherwise.
fn millis(what: &str, value: &str) -> ApiResult<i64> {
    let at = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            ApiError::BadInput(format!("{what} must be an RFC 3339 time, not {value:?}"))
        })?;
    Ok((at.unix_timestamp_nanos() / 1_000_000) as i64)
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// The messages of the caller's channels (the ones they are in now)
    /// whose text holds every word of `text`, newest first, `limit` (1 to
    /// 50, default 20) at a time, strictly older than `before` (a
    /// `nextCursor` of the previous page). A word matches the words it
    /// begins (`meet` finds `meeting`), ignoring case and accents; in
    /// scripts written without spaces (Korean, Japanese, Chinese) it
    /// matches anywhere inside a run (`안녕` finds `안녕하세요`). Deleted
    /// messages are never found, edited ones by their text as it is now.
    ///
    /// `from` keeps the messages of one member (a name, as `member`:
    /// `NOT_FOUND` for nobody); `channelId` one of the caller's channels
    /// (`FORBIDDEN` or `NOT_FOUND` as for `chatChannelEvents`); `since` and
    /// `until` (RFC 3339) the messages sent at or after and before.
    /// `BAD_USER_INPUT` for a `text` with no words in it (only punctuation
    /// or spaces), longer than 256 characters or of more than 16 words.
    #[graphql(complexity = "limit.clamp(1, MAX_HITS) as usize * child_complexity + 1")]
    #[allow(clippy::too_many_arguments)]
    async fn search_messages(
        &self,
        ctx: &Context<'_>,
        text: String,
        from: Option<String>,
        channel_id: Option<ID>,
        since: Option<String>,
        until: Option<String>,
        before: Option<String>,
        #[graphql(default = 20)] limit: i32,
    ) -> Result<SearchPage> {
        let app = state(ctx);
        let me = caller_member(ctx)?;
        let terms = search::query(&text).map_err(ApiError::from)?;
        app.limits.search(me.id).await?;
        if !(1..=MAX_HITS).contains(&limit) {
            return Err(ApiError::BadInput(format!("limit must be 1 to {MAX_HITS}")).into());
        }
        let before = before
            .map(|c| c.parse::<Cursor>().map_err(ApiError::from))
            .transpose()?;
        let since = since.map(|s| millis("since", &s)).transpose()?;
        let until = until.map(|s| millis("until", &s)).transpose()?;
        let channel: Option<ChannelId> = channel_id.map(|id| parse_id(&id)).transpose()?;
        if let Some(channel) = channel {
            rules::require_member(app.store.as_ref(), me.id, channel).await?;
        }
        let sender = match from {
            Some(name) => Some(
                app.store
                    .member_by_name(&name)
                    .await?
                    .ok_or_else(|| {
                        ApiError::NotFound(format!("there is no member named {name:?}"))
                    })?
                    .id,
            ),
            None => None,
        };
        let ask = SearchAsk {
            viewer: me.id,
            terms: &terms,
            channel,
            sender,
            since,
            until,
            older_than: before.map(|c| c.0),
            limit: limit as u32,
        };
        let mut rows = app.store.search(&ask).await?;
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = has_more
            .then(|| rows.last().map(|r| Cursor(r.id).to_string()))
            .flatten();
        // Their reactions and threads in one query each, whichever channels
        // they are of: a round trip per hit was most of a search's time on
        // PostgreSQL.
        let ids: Vec<EventId> = rows.iter().map(|r| r.id).collect();
        let reactions = app.store.reactions(me.id, Messages::Listed(&ids)).await?;
        let threads = app.store.threads(me.id, Messages::Listed(&ids)).await?;
        let mut hits = Vec::with_capacity(rows.len());
        for row in rows {
            let text = row.message.as_deref().unwrap_or_default();
            let highlights = search::highlights(text, &terms)
                .into_iter()
                .map(|(start, length)| TextRange {
                    start: start as i32,
                    length: length as i32,
                })
                .collect();
            hits.push(SearchHit {
                message: ChatChannelChatEvent::new(row, &reactions).with_thread(&threads),
                highlights,
            });
        }
        Ok(SearchPage {
            hits,
            has_more,
            next_cursor,
        })
    }
}
