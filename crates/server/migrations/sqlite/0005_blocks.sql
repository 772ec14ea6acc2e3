-- A member who blocks another is no longer added to channels, invited or
-- messaged directly by them.
CREATE TABLE blocks (
    member_id   INTEGER NOT NULL REFERENCES members(id),  -- who blocks
    blocked_id  INTEGER NOT NULL REFERENCES members(id),  -- whom
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (member_id, blocked_id)
) WITHOUT ROWID;
