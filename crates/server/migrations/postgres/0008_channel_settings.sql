-- Channel settings (issue 16), as SQLite's 0011 (see there for what each
-- column holds). PostgreSQL changes the constraint and adds the columns in
-- place.

ALTER TABLE events DROP CONSTRAINT events_event_type_check;
ALTER TABLE events ADD CONSTRAINT events_event_type_check CHECK (event_type IN
    ('CHAT', 'JOIN', 'LEAVE', 'EDIT', 'DELETE', 'REACT', 'UNREACT', 'READ', 'LEVEL', 'CHANNEL'));
ALTER TABLE events ADD COLUMN actor_id bigint REFERENCES members(id);   -- LEAVE: who removed them

ALTER TABLE channels ADD COLUMN topic       text    NOT NULL DEFAULT '';
ALTER TABLE channels ADD COLUMN private     boolean NOT NULL DEFAULT false;
ALTER TABLE channels ADD COLUMN creator_id  bigint  REFERENCES members(id);
ALTER TABLE channels ADD COLUMN archived_at bigint;

UPDATE channels c SET creator_id =
    (SELECT e.member_id FROM events e
      WHERE e.channel_id = c.id AND e.event_type = 'JOIN' ORDER BY e.seq LIMIT 1)
 WHERE c.ctype = 'GROUP';

CREATE INDEX channels_listed ON channels (name, id)
    WHERE ctype = 'GROUP' AND NOT private AND archived_at IS NULL;
