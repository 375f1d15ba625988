"""The full-text index of published translations, one implementation per database behind the same three calls:
SQLite's FTS5 (bm25) on the embedded default, PostgreSQL's full-text search (a weighted tsvector under the
`simple` configuration, a GIN index, ts_rank) at scale. Both index the segmented terms of recovery/help/text.py,
so Chinese is matched word by word (and bigram by bigram) the same way on both."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# bm25 weights of (title, keywords, body): a word in the title or keywords says more than one in the body.
_FTS_WEIGHTS = "10.0, 6.0, 1.0"
# ts_rank's weights for {D, C, B, A}: body D, keywords B, title A.
_PG_WEIGHTS = "'{0.1, 0.2, 0.6, 1.0}'"


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def put(session: Session, doc_id: int, lang: str, title: str, keywords: str, body: str) -> None:
    """Index (or index again) one document under its row id."""
    remove(session, doc_id)
    values = {"id": doc_id, "lang": lang, "title": title, "keywords": keywords, "body": body}
    if _is_postgres(session):
        session.execute(text(
            "INSERT INTO help_fts (doc_id, lang, document) VALUES (:id, :lang, "
            "setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :keywords), 'B') "
            "|| setweight(to_tsvector('simple', :body), 'D'))"), values)
    else:
        session.execute(text("INSERT INTO help_fts (rowid, title, keywords, body, lang) "
                             "VALUES (:id, :title, :keywords, :body, :lang)"), values)


def remove(session: Session, doc_id: int) -> None:
    column = "doc_id" if _is_postgres(session) else "rowid"
    session.execute(text(f"DELETE FROM help_fts WHERE {column} = :id"), {"id": doc_id})  # noqa: S608


def match(session: Session, lang: str, query_terms: list[str], limit: int) -> list[tuple[int, float]]:
    """(document id, score) best first for documents holding any of the terms; a higher score is better.

    Terms come from recovery/help/text.py: letters, digits and Chinese characters only, so they are safe inside
    a tsquery or an FTS5 string; they are still passed as a bound parameter."""
    if not query_terms:
        return []
    if _is_postgres(session):
        rows = session.execute(text(
            f"SELECT doc_id, ts_rank({_PG_WEIGHTS}, document, q) AS rank "  # noqa: S608
            "FROM help_fts, to_tsquery('simple', :q) AS q "
            "WHERE lang = :lang AND document @@ q ORDER BY rank DESC, doc_id LIMIT :limit"),
            {"q": " | ".join(query_terms), "lang": lang, "limit": limit})
        return [(row[0], float(row[1])) for row in rows]
    expression = " OR ".join(f'"{term}"' for term in query_terms)
    rows = session.execute(text(
        f"SELECT rowid, bm25(help_fts, {_FTS_WEIGHTS}) AS rank FROM help_fts "  # noqa: S608
        "WHERE help_fts MATCH :q AND lang = :lang ORDER BY rank, rowid LIMIT :limit"),
        {"q": expression, "lang": lang, "limit": limit})
    return [(row[0], -float(row[1])) for row in rows]
