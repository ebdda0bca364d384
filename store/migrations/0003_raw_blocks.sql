-- Raw SIP in compressed blocks (issue 18): a commit's SIP messages are
-- stored one after another in blocks of up to 512, each block DEFLATE-
-- compressed (about 7x smaller than the messages one by one). An event
-- whose raw_block is set has raw NULL and finds its message at raw_off,
-- raw_len bytes long, in that block's inflated data. Events recorded
-- before keep their raw in raw (raw_block NULL).
CREATE TABLE raw_blocks (
    id    INTEGER PRIMARY KEY,                 -- the seq of the block's first message
    codec INTEGER NOT NULL CHECK (codec = 1),  -- 1: DEFLATE (RFC 1951) of the messages one after another
    data  BLOB    NOT NULL
) STRICT;

ALTER TABLE events ADD COLUMN raw_block INTEGER REFERENCES raw_blocks (id);
ALTER TABLE events ADD COLUMN raw_off   INTEGER;
ALTER TABLE events ADD COLUMN raw_len   INTEGER;
