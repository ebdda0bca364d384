-- The recording of one cutover night. events is the source of truth;
-- alerts, actions and notes are projections written in the same
-- transaction as the events that carry them. Times are Unix nanoseconds.

CREATE TABLE cutovers (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    config     TEXT    NOT NULL,           -- JSON of monitor.Config (no secrets by construction)
    mode       TEXT    NOT NULL CHECK (mode IN ('live', 'demo', 'import')),
    started_ns INTEGER NOT NULL,
    ended_ns   INTEGER
) STRICT;

CREATE TABLE events (
    seq        INTEGER PRIMARY KEY,
    cutover_id INTEGER NOT NULL REFERENCES cutovers (id),
    ts_ns      INTEGER NOT NULL,
    kind       INTEGER NOT NULL,
    source     TEXT    NOT NULL,
    src        TEXT,                       -- SIP: source address:port
    dst        TEXT,                       -- SIP: destination address:port
    transport  TEXT,                       -- SIP: udp, tcp, tls, ws, wss (NOT NULL for every SIP message)
    raw        BLOB,                       -- SIP: the message exactly as seen
    data       TEXT                        -- JSON of the non-SIP payload, or of SIPMessage.Stir
) STRICT;

CREATE INDEX events_ts ON events (ts_ns);

CREATE TABLE alerts (
    seq       INTEGER PRIMARY KEY REFERENCES events (seq), -- the opening event
    rule      TEXT    NOT NULL,
    subject   TEXT    NOT NULL,
    severity  TEXT    NOT NULL,
    message   TEXT    NOT NULL,
    opened_ns INTEGER NOT NULL,
    closed_ns INTEGER,
    close_seq INTEGER REFERENCES events (seq)
) STRICT;

CREATE INDEX alerts_open ON alerts (rule, subject) WHERE closed_ns IS NULL;

CREATE TABLE actions (
    id           TEXT    PRIMARY KEY,
    seq          INTEGER NOT NULL REFERENCES events (seq), -- the latest event of this action
    state        TEXT    NOT NULL,
    type         TEXT    NOT NULL,
    target       TEXT    NOT NULL,
    operator     TEXT    NOT NULL,
    dry_run      TEXT    NOT NULL,
    result       TEXT    NOT NULL,
    error        TEXT    NOT NULL,
    undo         TEXT    NOT NULL,
    requested_ns INTEGER NOT NULL,
    updated_ns   INTEGER NOT NULL
) STRICT;

CREATE TABLE notes (
    seq    INTEGER PRIMARY KEY REFERENCES events (seq),
    ts_ns  INTEGER NOT NULL,
    author TEXT    NOT NULL,
    text   TEXT    NOT NULL
) STRICT;

CREATE TABLE checkpoints (
    seq   INTEGER PRIMARY KEY,               -- the last event seq folded into state (0 = none)
    ts_ns INTEGER NOT NULL,
    state BLOB    NOT NULL
) STRICT;

CREATE INDEX checkpoints_ts ON checkpoints (ts_ns);
