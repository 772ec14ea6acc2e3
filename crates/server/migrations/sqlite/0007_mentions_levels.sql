-- Mentions and notification levels (issue 15).
--
--   CHAT     mentions: the members its text mentions (`@name`, resolved
--            to members of the channel when sent or edited), as ids
--            separated by commas; NULL when none
--   LEVEL    level: the member's notification level of the channel after
--            this change (only the member's own streams get it)
--
-- memberships.notify_level is the member's level now: ALL (every message
-- notifies), MENTIONS (only messages mentioning them), NOTHING.
--
-- SQLite cannot change a CHECK constraint, so `events` is rebuilt as in
-- 0006: the ids are copied as they are and AUTOINCREMENT goes on after
-- the highest.

CREATE TABLE events_new (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id  INTEGER NOT NULL REFERENCES channels(id),
    event_type  TEXT    NOT NULL CHECK (event_type IN
                  ('CHAT', 'JOIN', 'LEAVE', 'EDIT', 'DELETE', 'REACT', 'UNREACT', 'READ', 'LEVEL')),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    message     TEXT,
    client_key  TEXT,
    created_at  INTEGER NOT NULL,
    target_seq  INTEGER,
    emoji       TEXT,
    tally       INTEGER,
    edited_seq  INTEGER,
    deleted_seq INTEGER,
    mentions    TEXT,      -- CHAT: the members mentioned, "3,17"
    level       TEXT CHECK (level IN ('ALL', 'MENTIONS', 'NOTHING'))  -- LEVEL: the level after
);

INSERT INTO events_new (seq, channel_id, event_type, member_id, message, client_key, created_at,
                        target_seq, emoji, tally, edited_seq, deleted_seq)
SELECT seq, channel_id, event_type, member_id, message, client_key, created_at,
       target_seq, emoji, tally, edited_seq, deleted_seq FROM events;

INSERT INTO sqlite_sequence (name, seq)
SELECT 'events_new', seq FROM sqlite_sequence WHERE name = 'events'
  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events_new');
UPDATE sqlite_sequence
   SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'events'))
 WHERE name = 'events_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events');

DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

CREATE INDEX events_by_channel ON events (channel_id, seq);
CREATE UNIQUE INDEX events_client_key ON events (member_id, client_key) WHERE client_key IS NOT NULL;
CREATE INDEX events_content ON events (channel_id, seq)
    WHERE event_type IN ('CHAT', 'JOIN', 'LEAVE');
CREATE INDEX events_by_target ON events (target_seq) WHERE target_seq IS NOT NULL;

ALTER TABLE memberships ADD COLUMN notify_level TEXT NOT NULL DEFAULT 'ALL'
    CHECK (notify_level IN ('ALL', 'MENTIONS', 'NOTHING'));
