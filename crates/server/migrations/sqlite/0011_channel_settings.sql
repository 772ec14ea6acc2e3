-- Channel settings (issue 16): a topic, private groups, a creator who can
-- remove members and archive, and changes of them as events.
--
--   channels.topic        what the group is about ('' for none)
--   channels.private      1: neither listed in the directory nor joinable
--                         without an invite; every group made before is
--                         public (0), as it was: anyone could join it
--   channels.creator_id   who created the group (for groups made before,
--                         its first member: the creator joined first)
--   channels.archived_at  when it was archived; NULL while it is not
--
--   CHANNEL  (a new kind of event) a member renamed the group, set its
--            topic, archived it or brought it back; message: the
--            group's settings after, as JSON {"name","topic","archived"}
--   LEAVE    actor_id: who removed the member (NULL when they left)
--
-- SQLite cannot widen a CHECK constraint, so `events` and `channels` are
-- rebuilt as SQLite's "making other kinds of table schema changes" says:
-- with foreign keys off (the store runs its migrations so: threads,
-- thread_members and attachments refer to events, much refers to
-- channels), in the migration's one transaction, the keys checked before
-- it commits. Ids are copied as they are and AUTOINCREMENT goes on after
-- the highest.

CREATE TABLE channels_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ctype       TEXT    NOT NULL CHECK (ctype IN ('DIRECT', 'GROUP')),
    name        TEXT    NOT NULL,
    direct_key  TEXT    UNIQUE,
    created_at  INTEGER NOT NULL,
    topic       TEXT    NOT NULL DEFAULT '',
    private     INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1)),
    creator_id  INTEGER REFERENCES members(id),
    archived_at INTEGER
);

INSERT INTO channels_new (id, ctype, name, direct_key, created_at, creator_id)
SELECT c.id, c.ctype, c.name, c.direct_key, c.created_at,
       CASE WHEN c.ctype = 'GROUP' THEN
         (SELECT e.member_id FROM events e
           WHERE e.channel_id = c.id AND e.event_type = 'JOIN' ORDER BY e.seq LIMIT 1)
       END
  FROM channels c;

CREATE TABLE events_new (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id  INTEGER NOT NULL REFERENCES channels(id),
    event_type  TEXT    NOT NULL CHECK (event_type IN
                  ('CHAT', 'JOIN', 'LEAVE', 'EDIT', 'DELETE', 'REACT', 'UNREACT', 'READ', 'LEVEL',
                   'CHANNEL')),
    member_id   INTEGER NOT NULL REFERENCES members(id),
    message     TEXT,
    client_key  TEXT,
    created_at  INTEGER NOT NULL,
    target_seq  INTEGER,
    emoji       TEXT,
    tally       INTEGER,
    edited_seq  INTEGER,
    deleted_seq INTEGER,
    mentions    TEXT,
    level       TEXT CHECK (level IN ('ALL', 'MENTIONS', 'NOTHING')),
    thread_seq  INTEGER,
    attachments TEXT,
    actor_id    INTEGER REFERENCES members(id)   -- LEAVE: who removed them
);

INSERT INTO events_new (seq, channel_id, event_type, member_id, message, client_key, created_at,
                        target_seq, emoji, tally, edited_seq, deleted_seq, mentions, level,
                        thread_seq, attachments)
SELECT seq, channel_id, event_type, member_id, message, client_key, created_at,
       target_seq, emoji, tally, edited_seq, deleted_seq, mentions, level,
       thread_seq, attachments FROM events;

INSERT INTO sqlite_sequence (name, seq)
SELECT 'events_new', seq FROM sqlite_sequence WHERE name = 'events'
  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events_new');
UPDATE sqlite_sequence
   SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'events'))
 WHERE name = 'events_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events');
INSERT INTO sqlite_sequence (name, seq)
SELECT 'channels_new', seq FROM sqlite_sequence WHERE name = 'channels'
  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'channels_new');
UPDATE sqlite_sequence
   SET seq = max(seq, (SELECT seq FROM sqlite_sequence WHERE name = 'channels'))
 WHERE name = 'channels_new' AND EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'channels');

DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
DROP TABLE channels;
ALTER TABLE channels_new RENAME TO channels;

CREATE INDEX events_by_channel ON events (channel_id, seq);
CREATE UNIQUE INDEX events_client_key ON events (member_id, client_key) WHERE client_key IS NOT NULL;
CREATE INDEX events_content ON events (channel_id, seq)
    WHERE event_type IN ('CHAT', 'JOIN', 'LEAVE');
CREATE INDEX events_by_target ON events (target_seq) WHERE target_seq IS NOT NULL;
CREATE INDEX events_by_thread ON events (thread_seq, seq) WHERE thread_seq IS NOT NULL;
-- The directory: public groups that are not archived.
CREATE INDEX channels_listed ON channels (name COLLATE NOCASE, id)
    WHERE ctype = 'GROUP' AND private = 0 AND archived_at IS NULL;

-- Nothing may point at a row that is not there (the copy lost none): a
-- broken key fails this insert, and the migration with it.
CREATE TEMP TABLE rebuilt (broken INTEGER NOT NULL CHECK (broken = 0));
INSERT INTO rebuilt SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE rebuilt;
