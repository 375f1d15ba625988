"""The help centre's periodic job: searches are remembered for SEARCH_COUNTS_KEPT after they were last typed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from recovery.help import service
from recovery.help.models import HelpSearchCount
from recovery.outbox.jobs import registered_jobs


def test_searches_not_typed_for_the_kept_time_are_forgotten_and_newer_ones_stay(services, clock):
    with services() as ctx:
        service.search_and_count(ctx, "forgotten question", "en")
    clock.advance(service.SEARCH_COUNTS_KEPT - timedelta(days=1))
    with services() as ctx:
        service.search_and_count(ctx, "recent question", "en")
        service.search_and_count(ctx, "forgotten question again", "zh")
    clock.advance(timedelta(days=2))
    with services() as ctx:
        assert service.prune_search_counts(ctx) == 1
    with services() as ctx:
        kept = set(ctx.session.scalars(select(HelpSearchCount.query)))
    assert kept == {"recent question", "forgotten question again"}


def test_the_prune_job_is_registered_for_the_worker():
    assert "help.prune_search_counts" in {job.name for job in registered_jobs()}
