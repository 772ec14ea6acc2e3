-- Conversations (issue 15): replies, edits, deletions, reactions and read
-- markers, as SQLite's 0006 (see there for what each column holds). Every
-- change is an event of its own whose id comes from `ledger_head` inside
-- the ledger's transaction, like every other event.

ALTER TABLE events DROP CONSTRAINT events_event_type_check;
ALTER TABLE events ADD CONSTRAINT events_event_type_check CHECK (event_type IN
    ('CHAT', 'JOIN', 'LEAVE', 'EDIT', 'DELETE', 'REACT', 'UNREACT', 'READ'));

ALTER TABLE events ADD COLUMN target_seq  bigint;  -- CHAT: replied to; EDIT, DELETE, REACT, UNREACT: the message; READ: the new marker
ALTER TABLE events ADD COLUMN emoji       text;    -- REACT, UNREACT
ALTER TABLE events ADD COLUMN tally       bigint;  -- REACT, UNREACT: the emoji's count after; READ: the unread count after
ALTER TABLE events ADD COLUMN edited_seq  bigint;  -- CHAT: its latest EDIT
ALTER TABLE events ADD COLUMN deleted_seq bigint;  -- CHAT: its DELETE

CREATE INDEX events_content ON events (channel_id, seq)
    WHERE event_type IN ('CHAT', 'JOIN', 'LEAVE');
CREATE INDEX events_by_target ON events (target_seq) WHERE target_seq IS NOT NULL;

CREATE TABLE reactions (
    message_seq bigint NOT NULL,
    emoji       text   NOT NULL,
    member_id   bigint NOT NULL REFERENCES members(id),
    channel_id  bigint NOT NULL REFERENCES channels(id),
    seq         bigint NOT NULL,                 -- the REACT that added it
    PRIMARY KEY (message_seq, emoji, member_id)
);
CREATE INDEX reactions_by_member ON reactions (message_seq, member_id);
CREATE INDEX reactions_by_channel ON reactions (channel_id, message_seq);
