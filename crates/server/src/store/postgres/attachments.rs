//! The PostgreSQL store's attachments: rows in `attachments`, bytes in
//! `attachment_parts` (pieces of [`PIECE`] bytes), so every node of a
//! cluster serves every file from the database they share; the row and its
//! bytes are written in one transaction, and go with it (`ON DELETE
//! CASCADE`).

use async_trait::async_trait;
use bytes::Bytes;
use sqlx::PgPool;
use suda_protocol::{Attachment, AttachmentId, ChannelId, EventId, MemberId};

use super::{bounded, tx::PgTx, PgStore};
use crate::{
    error::ApiResult,
    store::{
        attachments::{stored_attachments, AttachmentRecord, ATTACHMENT_COLS},
        AttachmentRow, AttachmentStore, AttachmentTx, ByteStream, NewAttachment, Part,
    },
};

/// The size of one stored piece of a file.
const PIECE: usize = 1024 * 1024;

#[async_trait]
impl AttachmentStore for PgStore {
    async fn add_attachment(&self, upload: NewAttachment) -> ApiResult<()> {
        let pool = self.pool.clone();
        crate::store::whole(bounded(async move {
            let row = &upload.row;
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO attachments (id, uploader_id, name, content_type, size, width, height,
                                          thumbnail_type, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
            .execute(&mut *tx)
            .await?;
            let parts = [
                (Part::File, Some(&upload.file)),
                (Part::Thumbnail, upload.thumbnail.as_ref()),
            ];
            for (part, bytes) in parts {
                let Some(bytes) = bytes else { continue };
                for (n, piece) in bytes.chunks(PIECE).enumerate() {
                    sqlx::query(
                        "INSERT INTO attachment_parts (attachment_id, part, n, bytes)
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(row.id.get())
                    .bind(part.as_str())
                    .bind(n as i32)
                    .bind(piece)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok(())
        }))
        .await
    }

    async fn attachment(&self, id: AttachmentId) -> ApiResult<Option<AttachmentRow>> {
        bounded(async move {
            let found: Option<AttachmentRecord> = sqlx::query_as(&format!(
                "SELECT {ATTACHMENT_COLS} FROM attachments a WHERE a.id = $1"
            ))
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await?;
            Ok(found.map(AttachmentRow::from))
        })
        .await
    }

    async fn attachment_bytes(
        &self,
        id: AttachmentId,
        part: Part,
    ) -> ApiResult<Option<ByteStream>> {
        let first = bounded(piece(&self.pool, id, part, 0)).await?;
        let Some(first) = first else {
            return Ok(None);
        };
        // The rest a piece at a time, as the client reads: one piece in memory.
        let pool = self.pool.clone();
        let rest = futures::stream::unfold(1, move |n| {
            let pool = pool.clone();
            async move {
                match bounded(piece(&pool, id, part, n)).await {
                    Ok(Some(bytes)) => Some((Ok(bytes), n + 1)),
                    Ok(None) => None,
                    Err(e) => Some((Err(std::io::Error::other(e.to_string())), i32::MAX)),
                }
            }
        });
        let all = futures::StreamExt::chain(
            futures::stream::once(async { Ok::<_, std::io::Error>(first) }),
            rest,
        );
        Ok(Some(Box::pin(all)))
    }

    async fn uploaded_since(&self, member: MemberId, since: i64) -> ApiResult<u64> {
        bounded(async move {
            let total: i64 = sqlx::query_scalar(
                "SELECT COALESCE(sum(size), 0)::bigint FROM attachments
                 WHERE uploader_id = $1 AND created_at >= $2",
            )
            .bind(member.get())
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
            Ok(total.max(0) as u64)
        })
        .await
    }

    async fn sweep_attachments(&self, pending_before: i64, _orphans_before: i64) -> ApiResult<u64> {
        // Bytes go with their row here: no orphans to look for.
        bounded(async move {
            let done = sqlx::query(
                "DELETE FROM attachments WHERE message_seq IS NULL AND created_at < $1",
            )
            .bind(pending_before)
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected())
        })
        .await
    }
}

/// Piece `n` of `id`'s `part`; `None` past the last.
async fn piece(pool: &PgPool, id: AttachmentId, part: Part, n: i32) -> ApiResult<Option<Bytes>> {
    let bytes: Option<Vec<u8>> = sqlx::query_scalar(
        "SELECT bytes FROM attachment_parts WHERE attachment_id = $1 AND part = $2 AND n = $3",
    )
    .bind(id.get())
    .bind(part.as_str())
    .bind(n)
    .fetch_optional(pool)
    .await?;
    Ok(bytes.map(Bytes::from))
}

#[async_trait]
impl AttachmentTx for PgTx {
    async fn uploads(&mut self, ids: &[AttachmentId]) -> ApiResult<Vec<AttachmentRow>> {
        let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
        let found: Vec<AttachmentRecord> = sqlx::query_as(&format!(
            "SELECT {ATTACHMENT_COLS} FROM attachments a WHERE a.id = ANY($1) FOR UPDATE"
        ))
        .bind(&ids)
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
        let ids: Vec<i64> = attachments.iter().map(|a| a.id.get()).collect();
        let conn = self.conn()?;
        sqlx::query(
            "UPDATE attachments a SET message_seq = $2, channel_id = $3, position = t.position
             FROM unnest($1::int8[]) WITH ORDINALITY AS t(id, position) WHERE a.id = t.id",
        )
        .bind(&ids)
        .bind(message.get())
        .bind(channel.get())
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE events SET attachments = $2 WHERE seq = $1")
            .bind(message.get())
            .bind(stored_attachments(attachments)?)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}
