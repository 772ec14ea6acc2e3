-- Files and images sent with messages (issue 16), as SQLite's 0010; the
-- bytes are here too, in pieces, so every node serves every file, and go
-- with their row.
CREATE TABLE attachments (
    id             bigint PRIMARY KEY,
    uploader_id    bigint NOT NULL REFERENCES members(id),
    name           text   NOT NULL,
    content_type   text   NOT NULL,
    size           bigint NOT NULL,
    width          bigint,
    height         bigint,
    thumbnail_type text,
    message_seq    bigint REFERENCES events(seq),
    channel_id     bigint REFERENCES channels(id),
    position       bigint,
    created_at     bigint NOT NULL
);
CREATE INDEX attachments_by_message ON attachments (message_seq) WHERE message_seq IS NOT NULL;
CREATE INDEX attachments_by_uploader ON attachments (uploader_id, created_at);
CREATE INDEX attachments_pending ON attachments (created_at) WHERE message_seq IS NULL;

CREATE TABLE attachment_parts (
    attachment_id bigint  NOT NULL REFERENCES attachments(id) ON DELETE CASCADE,
    part          text    NOT NULL CHECK (part IN ('file', 'thumbnail')),
    n             integer NOT NULL,
    bytes         bytea   NOT NULL,
    PRIMARY KEY (attachment_id, part, n)
);
-- Pictures and archives do not compress: store them as they are.
ALTER TABLE attachment_parts ALTER COLUMN bytes SET STORAGE EXTERNAL;

ALTER TABLE events ADD COLUMN attachments text;
