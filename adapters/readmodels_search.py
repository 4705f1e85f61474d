"""Search over the read models' utterances: the index's schema and its queries.

On SQLite an FTS5 virtual table ranked by bm25; on PostgreSQL a table with a
generated ``tsvector`` column (``'simple'`` configuration) and a GIN index,
ranked by ts_rank. Whatever the user types is matched as words, never parsed as
query syntax.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SQLITE_SEARCH = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS readmodel_utterances USING fts5 (
    client_id UNINDEXED,
    session UNINDEXED,
    seq UNINDEXED,
    speaker UNINDEXED,
    role UNINDEXED,
    text,
    amended UNINDEXED
)""",
)

# 'simple': lower-cased words, no stemming and no stop words, as FTS5's unicode61.
POSTGRES_SEARCH = (
    """CREATE TABLE IF NOT EXISTS readmodel_utterances (
    client_id TEXT NOT NULL,
    session BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    speaker TEXT NOT NULL,
    role TEXT NOT NULL,
    text TEXT NOT NULL,
    amended BIGINT NOT NULL DEFAULT 0,
    words tsvector GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED,
    PRIMARY KEY (client_id, session, seq)
)""",
    "CREATE INDEX IF NOT EXISTS readmodel_utterances_words"
    " ON readmodel_utterances USING GIN (words)",
)

# Column index of ``text`` in readmodel_utterances, for FTS5's snippet().
TEXT_COLUMN = 5


def search_tokens(text: str) -> list[str]:
    """The user's words, each "quoted phrase" kept as one token."""
    tokens = [phrase or word for phrase, word in re.findall(r'"([^"]*)"|(\S+)', text)]
    return [t for t in tokens if t.strip()]


def fts_query(text: str) -> str:
    """User text as an FTS5 query: each word, or "quoted phrase", as a quoted string.

    Quoting every token means FTS5 operators and punctuation (``-``, ``'``,
    ``NOT``, ``*``) are matched as text instead of parsed as query syntax.
    """
    return " ".join('"' + t.replace('"', '""') + '"' for t in search_tokens(text))


def tsquery(tokens: Sequence[str]) -> str:
    """The PostgreSQL tsquery expression for ``tokens``: every one must match, each as a
    phrase. The tokens are parameters, so nothing the user types is query syntax."""
    return " && ".join(["phraseto_tsquery('simple', ?)"] * len(tokens))


SEARCH_SQLITE = (
    "SELECT u.client_id, c.name, u.session, u.seq, u.speaker, u.role, u.amended,"
    f" snippet(readmodel_utterances, {TEXT_COLUMN}, '[', ']', '…', 12),"
    " bm25(readmodel_utterances) AS rank"
    " FROM readmodel_utterances u JOIN readmodel_clients c USING (client_id)"
    " WHERE readmodel_utterances MATCH ? AND (? IS NULL OR u.client_id = ?)"
    " ORDER BY rank, u.client_id, u.session, u.seq LIMIT ?"
)

# ts_rank is higher for better matches; negated, lower is better, as bm25 is. Its
# normalisation 1 divides by 1 + log(length), so long utterances do not win by length.
HEADLINE = "StartSel=[, StopSel=], MaxWords=12, MinWords=4, MaxFragments=1, FragmentDelimiter=…"


def search_postgres(tokens: Sequence[str]) -> str:
    return (
        "SELECT u.client_id, c.name, u.session, u.seq, u.speaker, u.role, u.amended,"
        f" ts_headline('simple', u.text, q.query, '{HEADLINE}'),"
        " -ts_rank(u.words, q.query, 1) AS rank"
        f" FROM (SELECT {tsquery(tokens)} AS query) q,"
        " readmodel_utterances u JOIN readmodel_clients c USING (client_id)"
        " WHERE u.words @@ q.query AND (? IS NULL OR u.client_id = ?)"
        " ORDER BY rank, u.client_id, u.session, u.seq LIMIT ?"
    )
