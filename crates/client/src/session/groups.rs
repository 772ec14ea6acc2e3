//! Groups beyond messages: creating one with a topic or privately, the
//! directory, renaming and topics, archiving, and the creator removing
//! members. Changes made anywhere reach the member's state through the
//! stream (`Change::Channel`, and a removal's leave).

use serde::Serialize;
use suda_protocol::{ChannelId, MemberId};

use super::Session;
use crate::{error::ClientResult, graphql::ops, state::Channel, wire};

/// A group to create.
#[derive(Debug, Clone, Copy)]
pub struct NewGroup<'a> {
    pub name: &'a str,
    /// Others to put in it beside the member.
    pub members: &'a [MemberId],
    /// What it is about ("" for nothing yet).
    pub topic: &'a str,
    /// Neither listed nor joinable: only an invite brings someone in.
    pub private: bool,
}

/// What to change of a group (`None` stays as it is).
#[derive(Debug, Clone, Default)]
pub struct GroupChange {
    pub name: Option<String>,
    pub topic: Option<String>,
    pub archived: Option<bool>,
}

/// A group as the directory lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedGroup {
    pub id: ChannelId,
    pub name: String,
    pub topic: String,
    pub member_count: u32,
    /// Whether the member is in it.
    pub joined: bool,
}

/// A page of the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryPage {
    pub groups: Vec<ListedGroup>,
    /// Whether more follow after `offset + groups.len()`.
    pub has_more: bool,
}

impl Session {
    /// Creates a group with the member (its creator) and `members` in it.
    pub async fn create_group_with(&self, group: NewGroup<'_>) -> ClientResult<Channel> {
        let vars = ops::create_group::Variables {
            name: group.name.to_owned(),
            member_ids: Some(group.members.iter().map(|m| m.to_string()).collect()),
            topic: Some(group.topic.to_owned()),
            private: Some(group.private),
        };
        let c = self.shared.api.run::<ops::CreateGroup>(vars).await?;
        Ok(self.learned(Channel::try_from(c.create_group_channel)?))
    }

    /// The directory's public groups whose name or topic holds `query`
    /// (all of them when empty), by name, `limit` after the first `offset`.
    pub async fn directory(
        &self,
        query: &str,
        limit: u32,
        offset: u32,
    ) -> ClientResult<DirectoryPage> {
        let vars = ops::directory::Variables {
            query: Some(query.to_owned()),
            limit: Some(i64::from(limit)),
            offset: Some(i64::from(offset)),
        };
        let page = self
            .shared
            .api
            .run::<ops::Directory>(vars)
            .await?
            .chat_channel_directory;
        let groups = page
            .channels
            .into_iter()
            .map(|c| {
                Ok(ListedGroup {
                    id: wire::id(&c.id)?,
                    name: c.name,
                    topic: c.topic,
                    member_count: wire::count(c.member_count),
                    joined: c.joined,
                })
            })
            .collect::<ClientResult<_>>()?;
        Ok(DirectoryPage {
            groups,
            has_more: page.has_more,
        })
    }

    /// Renames a group, sets its topic, or (its creator) archives it or
    /// brings it back.
    pub async fn update_group(
        &self,
        channel: ChannelId,
        change: GroupChange,
    ) -> ClientResult<Channel> {
        let vars = ops::update_channel::Variables {
            channel_id: channel.to_string(),
            name: change.name,
            topic: change.topic,
            archived: change.archived,
        };
        let c = self.shared.api.run::<ops::UpdateChannel>(vars).await?;
        Ok(self.learned(Channel::try_from(c.update_channel)?))
    }

    /// Takes a member out of a group the member created.
    pub async fn remove_member(&self, channel: ChannelId, member: MemberId) -> ClientResult<()> {
        let vars = ops::remove_from_channel::Variables {
            channel_id: channel.to_string(),
            member_id: member.to_string(),
        };
        self.shared.api.run::<ops::RemoveFromChannel>(vars).await?;
        Ok(())
    }
}
