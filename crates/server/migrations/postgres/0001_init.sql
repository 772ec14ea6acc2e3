-- The whole schema of the SQLite migrations 0001 to 0005, for PostgreSQL,
-- in one step (no PostgreSQL database predates it). The same columns with
-- the same meaning: timestamps are unix milliseconds in bigint, digests are
-- bytea, member and channel ids come from bigserial.
--
-- One difference: events.seq is not a serial. A serial's numbers become
-- visible at commit, not in number order, so a reader that reads "after
-- the last id it saw" skips for good a lower id that commits later. The
-- ids come from `ledger_head` instead, whose one row every event-writing
-- transaction locks from its start to its commit: ids are taken in commit
-- order, and a rollback gives its numbers back, so the ledger is always a
-- gapless prefix, as with SQLite's single writer.

CREATE TABLE members (
    id            bigserial PRIMARY KEY,
    name          text   NOT NULL,
    name_key      text   NOT NULL UNIQUE,    -- the name's confusable skeleton (src/name.rs)
    password_hash text   NOT NULL,
    profile_image text,
    created_at    bigint NOT NULL            -- unix milliseconds
);

CREATE TABLE tokens (
    token_hash   bytea  PRIMARY KEY,         -- SHA-256 of the bearer token; the token itself is never stored
    member_id    bigint NOT NULL REFERENCES members(id),
    created_at   bigint NOT NULL,
    expires_at   bigint,                     -- unix ms
    last_seen_at bigint,                     -- unix ms of the last request made with it (to the minute)
    device       text,                       -- what the client called itself (its User-Agent), cut to 120 characters
    address      text                        -- the client address that signed in
);
CREATE INDEX tokens_by_member ON tokens (member_id);

-- Tokens revoked (signed out, ended, renewed) in the last minute or two,
-- stamped by the database's clock: every node reads them to end its own
-- streams of those tokens. Pruned with expired tokens.
CREATE TABLE revocations (
    digest  bytea  NOT NULL,
    at      bigint NOT NULL                  -- unix ms, by the database's clock
);
CREATE INDEX revocations_by_time ON revocations (at);

CREATE TABLE channels (
    id          bigserial PRIMARY KEY,
    ctype       text   NOT NULL CHECK (ctype IN ('DIRECT', 'GROUP')),
    name        text   NOT NULL,
    direct_key  text   UNIQUE,               -- 'low:high' member ids, for DIRECT channels only
    created_at  bigint NOT NULL
);

-- The newest event id: one row, locked by every transaction that writes
-- events, for the whole transaction.
CREATE TABLE ledger_head (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq  bigint  NOT NULL
);
INSERT INTO ledger_head (seq) VALUES (0);

CREATE TABLE events (
    seq         bigint PRIMARY KEY,          -- from ledger_head
    channel_id  bigint NOT NULL REFERENCES channels(id),
    event_type  text   NOT NULL CHECK (event_type IN ('CHAT', 'JOIN', 'LEAVE')),
    member_id   bigint NOT NULL REFERENCES members(id),  -- the sender, or who joined or left
    message     text,
    client_key  text,
    created_at  bigint NOT NULL
);
CREATE INDEX events_by_channel ON events (channel_id, seq);
CREATE UNIQUE INDEX events_client_key ON events (member_id, client_key) WHERE client_key IS NOT NULL;

-- One row per stretch of membership, as in SQLite.
CREATE TABLE memberships (
    channel_id    bigint NOT NULL REFERENCES channels(id),
    member_id     bigint NOT NULL REFERENCES members(id),
    joined_seq    bigint NOT NULL,
    left_seq      bigint,
    last_read_seq bigint NOT NULL,
    PRIMARY KEY (member_id, channel_id, joined_seq)
);
CREATE UNIQUE INDEX memberships_current ON memberships (channel_id, member_id) WHERE left_seq IS NULL;

-- Facts about the server itself: `last_start` (written at every start, so
-- a database the server cannot write is found then) and
-- `name_key_version` (version 1 here as in SQLite's 0003; the server
-- brings it up to its own at start, see src/store/name_keys.rs).
CREATE TABLE server_meta (
    key    text   PRIMARY KEY,
    value  bigint NOT NULL
);
INSERT INTO server_meta (key, value) VALUES ('name_key_version', 1);

CREATE TABLE sign_in_addresses (
    member_id  bigint NOT NULL REFERENCES members(id),
    address    text   NOT NULL,
    last_at    bigint NOT NULL,
    PRIMARY KEY (member_id, address)
);

CREATE TABLE blocks (
    member_id   bigint NOT NULL REFERENCES members(id),  -- who blocks
    blocked_id  bigint NOT NULL REFERENCES members(id),  -- whom
    created_at  bigint NOT NULL,
    PRIMARY KEY (member_id, blocked_id)
);
