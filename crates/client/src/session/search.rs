//! Search: what the member typed, read as words and filters
//! ([`crate::search`]), asked of the server, and the answer as history
//! items with the found words' places.

use suda_protocol::ChannelId;

use super::{lock, Session};
use crate::{
    error::ClientResult,
    graphql::ops,
    search::{self, SearchHit, SearchPage, TextRange},
    wire,
};

impl Session {
    /// The member's messages that match `input` (words and filters, as
    /// [`search::parse`] reads them), newest first, `limit` (1 to 50) at a
    /// time, older than `before` (a `next_cursor`). `within` keeps one
    /// channel, as if `in:` named it; an `in:` typed wins.
    pub async fn search(
        &self,
        input: &str,
        within: Option<ChannelId>,
        before: Option<String>,
        limit: u32,
    ) -> ClientResult<SearchPage> {
        let query = search::parse(input)?;
        let channel = match &query.channel {
            Some(typed) => Some(self.channel_named(typed).await?),
            None => within,
        };
        let vars = ops::search_messages::Variables {
            text: query.text,
            from: query.from,
            channel_id: channel.map(|c| c.to_string()),
            since: query.since,
            until: query.until,
            before,
            limit: i64::from(limit),
        };
        let page = self
            .shared
            .api
            .run::<ops::SearchMessages>(vars)
            .await?
            .search_messages;
        let hits = page
            .hits
            .into_iter()
            .map(|hit| {
                Ok(SearchHit {
                    message: wire::found_message(hit.message)?,
                    highlights: hit
                        .highlights
                        .into_iter()
                        .map(|r| TextRange {
                            start: wire::count(r.start),
                            length: wire::count(r.length),
                        })
                        .collect(),
                })
            })
            .collect::<ClientResult<_>>()?;
        Ok(SearchPage {
            hits,
            has_more: page.has_more,
            next_cursor: page.next_cursor,
        })
    }

    /// The channel `in:` names, among the channels known; if none is, the
    /// list is fetched again first (it may have been added to since).
    async fn channel_named(&self, typed: &str) -> ClientResult<ChannelId> {
        let known = search::channel_named(lock(&self.shared.state).channels(), typed);
        match known {
            Ok(id) => Ok(id),
            Err(_) => search::channel_named(&self.shared.refresh().await?, typed),
        }
    }
}
