-- Rate limits every node of a cluster shares (src/limits.rs, GCRA): one
-- row per bucket, holding the time (unix microseconds, by the database's
-- clock) at which the bucket will be full again. UNLOGGED: after a crash
-- of the database every bucket is full, which only forgives a little.
CREATE UNLOGGED TABLE rate_limits (
    key  text   PRIMARY KEY,
    tat  bigint NOT NULL
);
