//! What a front end asks for in one call and the session does in several
//! requests: sending a failed message again, and acting on members given by
//! name (a person types names; the server's operations take ids). Kept
//! here so the desktop app and the CLI do it the same way.

use suda_protocol::{ChannelId, ErrorCode, EventId, MemberId};

use super::{lock, Session};
use crate::{
    error::{ClientError, ClientResult},
    outbox::{OutboxEntry, OutboxState},
    state::Channel,
};

fn not_found(message: &str) -> ClientError {
    ClientError::Api {
        code: ErrorCode::NotFound,
        message: message.to_owned(),
    }
}

/// The names a person typed that name someone: trimmed, blank ones skipped.
fn typed_names<S: AsRef<str>>(names: &[S]) -> impl Iterator<Item = &str> {
    names
        .iter()
        .map(|n| n.as_ref().trim())
        .filter(|n| !n.is_empty())
}

impl Session {
    /// Sends the text of the outbox entry `key` again, as a new message.
    /// A failed send was refused for good under its key, so the entry is
    /// dismissed and the text queued afresh (with a new key); `NOT_FOUND`
    /// when no entry has that key (it was sent or dismissed meanwhile). Any
    /// other entry is handed back as it is: one still waiting is retried
    /// under its key already, one sent is delivered, and a second copy of
    /// either would arrive twice.
    pub async fn resend(&self, key: &str) -> ClientResult<OutboxEntry> {
        let entry = lock(&self.shared.outbox)
            .get(key)
            .cloned()
            .ok_or_else(|| not_found("that message is no longer waiting to be sent."))?;
        if !matches!(entry.state, OutboxState::Failed { .. }) {
            return Ok(entry);
        }
        self.dismiss(&entry.key)?;
        self.send(entry.channel, &entry.text).await
    }

    /// Replies to `message` in its own channel (the server refuses a reply
    /// across channels, so the channel is the original's, looked up
    /// first). The reply waits in the outbox like any message.
    pub async fn reply(&self, message: EventId, text: &str) -> ClientResult<OutboxEntry> {
        let original = self.message(message).await?;
        self.send_reply(original.event.chat_channel_id, text, Some(message))
            .await
    }

    /// The id of the member called `name` (surrounding spaces ignored).
    pub async fn member_id(&self, name: &str) -> ClientResult<MemberId> {
        Ok(self.find_member(name.trim()).await?.id)
    }

    /// Creates a group channel with the member and the members named in
    /// `names` (blank names skipped). Every name is looked up before the
    /// channel is created, so an unknown name creates nothing.
    pub async fn create_group_with_names<S: AsRef<str>>(
        &self,
        name: &str,
        names: &[S],
        topic: &str,
        private: bool,
    ) -> ClientResult<Channel> {
        let mut members = Vec::new();
        for member in typed_names(names) {
            members.push(self.member_id(member).await?);
        }
        let group = super::groups::NewGroup {
            name,
            members: &members,
            topic,
            private,
        };
        self.create_group_with(group).await
    }

    /// Opens the direct channel with the member called `name`.
    pub async fn open_direct_by_name(&self, name: &str) -> ClientResult<Channel> {
        let member = self.member_id(name).await?;
        self.open_direct(member).await
    }

    /// Adds the member called `name` to a group channel, and returns the
    /// channel as it is now (refetched: its member count changed).
    pub async fn invite_by_name(&self, channel: ChannelId, name: &str) -> ClientResult<Channel> {
        let member = self.member_id(name).await?;
        self.invite(channel, member).await?;
        self.channels()
            .await?
            .into_iter()
            .find(|c| c.id == channel)
            .ok_or_else(|| not_found("that channel is gone."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SessionOptions;

    #[test]
    fn typed_names_are_trimmed_and_blank_ones_skipped() {
        let names = [" bob ", "", "  ", "carol"];
        assert_eq!(typed_names(&names).collect::<Vec<_>>(), ["bob", "carol"]);
        let none: [String; 0] = [];
        assert_eq!(typed_names(&none).count(), 0);
    }

    #[tokio::test]
    async fn resending_what_is_not_in_the_outbox_is_not_found_without_asking_the_server() {
        // Nothing listens there: a request would be `Unreachable`.
        let session = Session::new(SessionOptions::new("http://127.0.0.1:9")).unwrap();
        let err = session.resend("no-such-key").await.unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::NotFound), "{err:?}");
        assert!(err.to_string().contains("no longer waiting"), "{err}");
    }
}
