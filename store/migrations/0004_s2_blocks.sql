-- Raw SIP blocks in S2 (codec 2, issue 18): S2 (github.com/klauspost/
-- compress/s2, block format) compresses a block about 8x faster than
-- DEFLATE at about the same size. New blocks are S2; blocks written
-- before stay DEFLATE (codec 1) and still read.
--
-- The CHECK on raw_blocks.codec only widens, so no stored row can break
-- it: the table's definition is edited in place, as SQLite documents for
-- removing a constraint (https://sqlite.org/lang_altertable.html#otheralter),
-- instead of copying every block of a long night into a new table. The
-- CREATE/DROP after it bumps the schema cookie, so every connection
-- reloads the definition.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (codec = 1)', 'CHECK (codec IN (1, 2))')
 WHERE type = 'table' AND name = 'raw_blocks';
PRAGMA writable_schema = RESET;
CREATE TABLE schema_cookie_bump (x INTEGER) STRICT;
DROP TABLE schema_cookie_bump;
