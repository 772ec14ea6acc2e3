-- Sessions: every token now has a lifetime and says where and what it
-- came from, so a member can list their sessions and end any of them.
ALTER TABLE tokens ADD COLUMN expires_at   INTEGER;  -- unix ms; NULL for tokens made before lifetimes: created_at + the lifetime
ALTER TABLE tokens ADD COLUMN last_seen_at INTEGER;  -- unix ms of the last request made with it (to the minute)
ALTER TABLE tokens ADD COLUMN device       TEXT;     -- what the client called itself (its User-Agent), cut to 120 characters
ALTER TABLE tokens ADD COLUMN address      TEXT;     -- the client address that signed in
CREATE INDEX tokens_by_member ON tokens (member_id);

-- Addresses a member has signed in from. Sign-in attempts from a known
-- address are not held back by the per-name limit, so a stranger guessing
-- a member's password elsewhere cannot lock the member out.
CREATE TABLE sign_in_addresses (
    member_id  INTEGER NOT NULL REFERENCES members(id),
    address    TEXT    NOT NULL,
    last_at    INTEGER NOT NULL,
    PRIMARY KEY (member_id, address)
) WITHOUT ROWID;
