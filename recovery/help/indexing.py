"""Keeping the search index in step with what is published: one call per translation published or withdrawn."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from recovery.help import index
from recovery.help.models import HelpIndexState, HelpSearchDoc, HelpTranslation
from recovery.help.text import terms


def index_translation(session: Session, translation: HelpTranslation) -> None:
    """(Re)index a translation's published text: its terms row and the full-text index row under the same id."""
    title = " ".join(terms(translation.title))
    keywords = " ".join(terms(translation.keywords.replace(",", " ") + " " + translation.summary))
    body = " ".join(terms(translation.body))
    doc = session.scalar(select(HelpSearchDoc).where(HelpSearchDoc.article_id == translation.article_id,
                                                     HelpSearchDoc.lang == translation.lang))
    if doc is None:
        doc = HelpSearchDoc(article_id=translation.article_id, lang=translation.lang)
        session.add(doc)
    doc.title_terms, doc.keyword_terms, doc.body_terms = title, keywords, body
    session.flush()
    index.put(session, doc.id, translation.lang, title, keywords, body)
    _changed(session)


def unindex_article(session: Session, article_id: int) -> None:
    for doc_id in session.scalars(select(HelpSearchDoc.id).where(HelpSearchDoc.article_id == article_id)):
        index.remove(session, doc_id)
    session.execute(delete(HelpSearchDoc).where(HelpSearchDoc.article_id == article_id))
    _changed(session)


def _changed(session: Session) -> None:
    generation = uuid.uuid4().hex
    if not session.execute(update(HelpIndexState).where(HelpIndexState.id == 1)
                           .values(generation=generation)).rowcount:  # type: ignore[attr-defined]
        session.add(HelpIndexState(id=1, generation=generation))
        session.flush()
