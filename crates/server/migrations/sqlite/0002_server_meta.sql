-- Facts about the server itself. `last_start` is written at every start, so
-- a database the server cannot write is found then, not at the first send.
CREATE TABLE server_meta (
    key    TEXT    PRIMARY KEY,
    value  INTEGER NOT NULL
) WITHOUT ROWID;
