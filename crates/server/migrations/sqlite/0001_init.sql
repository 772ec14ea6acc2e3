-- Members, their sign-in tokens, channels, memberships and channel events.
-- Every channel event has a `seq` from one server-wide sequence: it is the
-- event's id and its position in every member's stream.

CREATE TABLE members (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    name_key      TEXT    NOT NULL UNIQUE,   -- lower-cased name: names are unique ignoring case
    password_hash TEXT    NOT NULL,
    profile_image TEXT,
    created_at    INTEGER NOT NULL           -- unix milliseconds
);

CREATE TABLE tokens (
    token_hash  BLOB    PRIMARY KEY,         -- SHA-256 of the bearer token; the token itself is never stored
    member_id   INTEGER NOT NULL REFERENCES members(id),
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE channels (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ctype       TEXT    NOT NULL CHECK (ctype IN ('DIRECT', 'GROUP')),
    name        TEXT    NOT NULL,
    direct_key  TEXT    UNIQUE,              -- 'low:high' member ids, for DIRECT channels only
    created_at  INTEGER NOT NULL
);

CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_id  INTEGER NOT NULL REFERENCES channels(id),
    event_type  TEXT    NOT NULL CHECK (event_type IN ('CHAT', 'JOIN', 'LEAVE')),
    member_id   INTEGER NOT NULL REFERENCES members(id),  -- the sender, or who joined or left
    message     TEXT,
    client_key  TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX events_by_channel ON events (channel_id, seq);
CREATE UNIQUE INDEX events_client_key ON events (member_id, client_key) WHERE client_key IS NOT NULL;

-- One row per stretch of membership: a member who leaves and joins again has
-- two rows. The stream replays an event to a member when it falls inside one
-- of their stretches, exactly as live delivery did.
CREATE TABLE memberships (
    channel_id    INTEGER NOT NULL REFERENCES channels(id),
    member_id     INTEGER NOT NULL REFERENCES members(id),
    joined_seq    INTEGER NOT NULL,
    left_seq      INTEGER,
    last_read_seq INTEGER NOT NULL,
    PRIMARY KEY (member_id, channel_id, joined_seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX memberships_current ON memberships (channel_id, member_id) WHERE left_seq IS NULL;
