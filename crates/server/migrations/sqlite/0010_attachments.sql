-- Files and images sent with messages (issue 16). A row per upload, kept
-- from the moment its bytes are (files beside the database: see
-- store/sqlite/files.rs); `message_seq` is set when a message takes it,
-- and the row goes with the message's deletion. `events.attachments` is
-- the message's attachments as the stream carries them (JSON), written
-- once with it, so history and replay read them with the message.
CREATE TABLE attachments (
    id             INTEGER PRIMARY KEY,          -- drawn at random, 18 digits
    uploader_id    INTEGER NOT NULL REFERENCES members(id),
    name           TEXT    NOT NULL,
    content_type   TEXT    NOT NULL,
    size           INTEGER NOT NULL,
    width          INTEGER,                      -- an inline image's, as shown
    height         INTEGER,
    thumbnail_type TEXT,
    message_seq    INTEGER REFERENCES events(seq),
    channel_id     INTEGER REFERENCES channels(id),
    position       INTEGER,                      -- its place in its message
    created_at     INTEGER NOT NULL
);
CREATE INDEX attachments_by_message ON attachments (message_seq) WHERE message_seq IS NOT NULL;
CREATE INDEX attachments_by_uploader ON attachments (uploader_id, created_at);
CREATE INDEX attachments_pending ON attachments (created_at) WHERE message_seq IS NULL;

ALTER TABLE events ADD COLUMN attachments TEXT;
