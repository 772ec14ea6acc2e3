//! The SQLite store's attachments: rows in `attachments`, bytes as files
//! beside the database ([`super::files`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use suda_protocol::{Attachment, AttachmentId, ChannelId, EventId, MemberId};

use super::{tx::SqliteTx, SqliteStore};
use crate::{
    error::ApiResult,
    store::{
        attachments::{stored_attachments, unstorable, AttachmentRecord, ATTACHMENT_COLS},
        AttachmentRow, AttachmentStore, AttachmentTx, ByteStream, NewAttachment, Part,
    },
};

#[async_trait]
impl AttachmentStore for SqliteStore {
    async fn add_attachment(&self, upload: NewAttachment) -> ApiResult<()> {
        let (pool, files) = (self.pool.clone(), std::sync::Arc::clone(&self.files));
        crate::store::whole(async move {
            let row = &upload.row;
            files
                .put(row.id, Part::File, &upload.file)
                .await
                .map_err(unstorable)?;
            if let Some(thumbnail) = &upload.thumbnail {
                if let Err(e) = files.put(row.id, Part::Thumbnail, thumbnail).await {
                    let _ = files.remove(row.id).await;
                    return Err(unstorable(e));
                }
            }
            let inserted = sqlx::query(
                "INSERT INTO attachments (id, uploader_id, name, content_type, size, width, height,
                                          thumbnail_type, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .bind(row.id.get())
            .bind(row.uploader.get())
            .bind(&row.name)
            .bind(&row.content_type)
            .bind(row.size as i64)
            .bind(row.image.map(|i| i64::from(i.width)))
            .bind(row.image.map(|i| i64::from(i.height)))
            .bind(&row.thumbnail_type)
            .bind(row.created_at)
            .execute(&pool)
            .await;
            if let Err(e) = inserted {
                let _ = files.remove(row.id).await;
                return Err(e.into());
            }
            Ok(())
        })
        .await
    }

    async fn attachment(&self, id: AttachmentId) -> ApiResult<Option<AttachmentRow>> {
        let found: Option<AttachmentRecord> = sqlx::query_as(&format!(
            "SELECT {ATTACHMENT_COLS} FROM attachments a WHERE a.id = ?1"
        ))
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.map(AttachmentRow::from))
    }

    async fn attachment_bytes(
        &self,
        id: AttachmentId,
        part: Part,
    ) -> ApiResult<Option<ByteStream>> {
        self.files.open(id, part).await.map_err(unstorable)
    }

    async fn uploaded_since(&self, member: MemberId, since: i64) -> ApiResult<u64> {
        let total: i64 = sqlx::query_scalar(
            "SELECT COALESCE(sum(size), 0) FROM attachments WHERE uploader_id = ?1 AND created_at >= ?2",
        )
        .bind(member.get())
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(total.max(0) as u64)
    }

    async fn sweep_attachments(&self, pending_before: i64, orphans_before: i64) -> ApiResult<u64> {
        let expired: Vec<i64> = sqlx::query_scalar(
            "DELETE FROM attachments WHERE message_seq IS NULL AND created_at < ?1 RETURNING id",
        )
        .bind(pending_before)
        .fetch_all(&self.pool)
        .await?;
        let at = UNIX_EPOCH + Duration::from_millis(orphans_before.max(0) as u64);
        let kept = self
            .files
            .kept_before(at.min(SystemTime::now()))
            .await
            .map_err(unstorable)?;
        let mut removed = 0;
        for id in kept {
            let row: Option<i64> = sqlx::query_scalar("SELECT 1 FROM attachments WHERE id = ?1")
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
            if row.is_none() || expired.contains(&id.get()) {
                self.files.remove(id).await.map_err(unstorable)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[async_trait]
impl AttachmentTx for SqliteTx {
    async fn uploads(&mut self, ids: &[AttachmentId]) -> ApiResult<Vec<AttachmentRow>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
        let found: Vec<AttachmentRecord> = sqlx::query_as(&format!(
            "SELECT {ATTACHMENT_COLS} FROM attachments a
             WHERE a.id IN (SELECT value FROM json_each(?1))"
        ))
        .bind(serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into()))
        .fetch_all(self.conn()?)
        .await?;
        Ok(found.into_iter().map(AttachmentRow::from).collect())
    }

    async fn attach(
        &mut self,
        message: EventId,
        channel: ChannelId,
        attachments: &[Attachment],
    ) -> ApiResult<()> {
        let conn = self.conn()?;
        for (position, attachment) in attachments.iter().enumerate() {
            sqlx::query(
                "UPDATE attachments SET message_seq = ?2, channel_id = ?3, position = ?4 WHERE id = ?1",
            )
            .bind(attachment.id.get())
            .bind(message.get())
            .bind(channel.get())
            .bind(position as i64)
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query("UPDATE events SET attachments = ?2 WHERE seq = ?1")
            .bind(message.get())
            .bind(stored_attachments(attachments)?)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}
