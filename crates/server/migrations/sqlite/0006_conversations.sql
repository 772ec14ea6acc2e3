-- Conversations (issue 15): replies, edits, deletions, reactions and read
-- markers. Every change is an event of its own, with its id from the one
-- sequence (events.seq), so it is delivered, replayed and resumed exactly
-- like a message. The new kinds refer to the message they change:
--
--   CHAT     target_seq: the message it replies to, if any;
--            edited_seq: its latest EDIT; deleted_seq: its DELETE
--   EDIT     target_seq: the message; message: the text after this edit
--   DELETE   target_seq: the message
--   REACT    target_seq: the message; emoji; tally: that emoji's count after
--   UNREACT  the same, for a reaction taken back
--   READ     target_seq: the member's new read marker; tally: their
--            unread count after (only the member's own streams get it)
--
-- A deletion empties the text of the message and of every EDIT of it.
--
-- SQLite cannot change a CHECK constraint, so `events` is rebuilt: copied
-- into a new table with the new columns and the wider CHECK, the old one
-- dropped and the new one renamed. The ids are copied as they are, and
-- AUTOINCREMENT goes on after the highest (sqlite_sequence is carried
-- over, so no id is ever given out twice). Nothing references events by
-- a foreign key, so the drop checks nothing.

CREATE TABLE events_new (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id  INTEGER NOT NULL REFERENCES channels(id),
    event_type  TEXT    NOT NULL CHECK (event_type IN
                  ('CHAT', 'JOIN', 'LEAVE', 'EDIT', 'DELETE', 'REACT', 'UNREACT', 'READ')),
    member_id   INTEGER NOT NULL REFERENCES members(id),  -- the sender, who joined or left, edited, deleted, reacted or read
    message     TEXT,
    client_key  TEXT,
    created_at  INTEGER NOT NULL,
    target_seq  INTEGER,   -- see above
    emoji       TEXT,      -- REACT, UNREACT: the emoji, fully qualified
    tally       INTEGER,   -- REACT, UNREACT: the emoji's count after; READ: the unread count after
    edited_seq  INTEGER,   -- CHAT: its latest EDIT
    deleted_seq INTEGER    -- CHAT: its DELETE
);

INSERT INTO events_new (seq, channel_id, event_type, member_id, message, client_key, created_at)
SELECT seq, channel_id, event_type, member_id, message, client_key, created_at FROM events;

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
-- History, last activity and read markers go by messages, joins and
-- leaves only: reactions and read markers do not slow them down.
CREATE INDEX events_content ON events (channel_id, seq)
    WHERE event_type IN ('CHAT', 'JOIN', 'LEAVE');
-- A deletion finds the edits of its message.
CREATE INDEX events_by_target ON events (target_seq) WHERE target_seq IS NOT NULL;

-- The reactions on each message now (the REACT and UNREACT events are the
-- history): one row per member and emoji, `seq` the REACT that added it.
CREATE TABLE reactions (
    message_seq INTEGER NOT NULL,
    emoji       TEXT    NOT NULL,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    channel_id  INTEGER NOT NULL REFERENCES channels(id),
    seq         INTEGER NOT NULL,
    PRIMARY KEY (message_seq, emoji, member_id)
) WITHOUT ROWID;
CREATE INDEX reactions_by_member ON reactions (message_seq, member_id);
CREATE INDEX reactions_by_channel ON reactions (channel_id, message_seq);
