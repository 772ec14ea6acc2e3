//! What a client asks of uploads before it makes one. The bytes
//! themselves go over HTTP (`crate::attachments`).

use async_graphql::{Context, Object, Result};

use super::{caller_member, state, types::AttachmentLimits};

#[derive(Default)]
pub struct AttachmentQuery;

#[Object]
impl AttachmentQuery {
    /// What the server takes of uploads, for a client to refuse a file
    /// before it sends it (the server refuses it all the same).
    async fn attachment_limits(&self, ctx: &Context<'_>) -> Result<AttachmentLimits> {
        caller_member(ctx)?;
        let config = &state(ctx).config;
        Ok(AttachmentLimits {
            max_bytes: i64::try_from(config.max_upload_bytes).unwrap_or(i64::MAX),
            per_message: suda_protocol::attachment::MAX_ATTACHMENTS_PER_MESSAGE as i32,
            bytes_per_day: i64::try_from(config.upload_bytes_per_day).unwrap_or(i64::MAX),
        })
    }
}
