-- Mentions and notification levels (issue 15), as SQLite's 0007 (see
-- there for what each column holds).

ALTER TABLE events DROP CONSTRAINT events_event_type_check;
ALTER TABLE events ADD CONSTRAINT events_event_type_check CHECK (event_type IN
    ('CHAT', 'JOIN', 'LEAVE', 'EDIT', 'DELETE', 'REACT', 'UNREACT', 'READ', 'LEVEL'));

ALTER TABLE events ADD COLUMN mentions text;   -- CHAT: "3,17"
ALTER TABLE events ADD COLUMN level    text CHECK (level IN ('ALL', 'MENTIONS', 'NOTHING'));

ALTER TABLE memberships ADD COLUMN notify_level text NOT NULL DEFAULT 'ALL'
    CHECK (notify_level IN ('ALL', 'MENTIONS', 'NOTHING'));
