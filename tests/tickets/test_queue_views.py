"""The queue's saved views: who is in each, "needs my approval" by the decisions rule, and each view a URL."""

from datetime import timedelta

import pytest
from helpers.database import statements_sent
from helpers.tickets import decide

from recovery.accounts.models import User
from recovery.tickets import approvals, queries, service
from recovery.tickets.models import Ticket

PAGE = "/staff/tickets"


def _open(services, user_id, *, category="unblock_appeal", queue=None, priority=None, subject="Appeal",
          source="appeal", **kwargs) -> int:
    with services() as ctx:
        return service.open_ticket(ctx, category=category, user_id=user_id, subject=subject, message="please",
                                   source=source, queue=queue, priority=priority, **kwargs).id


def _ids(services, viewer_id: int, view: str) -> list[int]:
    """The console's rows of one saved view, as the page reads them (the approval rule applied as it does)."""
    with services() as ctx:
        viewer = ctx.session.get(User, viewer_id)
        rows = queries.console_page(ctx, viewer, queries.QueueFilter(view=view)).rows
        ids = [row.id for row in rows]
        if view == "approval":
            allowed = approvals.approvable(ctx, viewer, ids)
            ids = [i for i in ids if i in allowed]
        return ids


def _row_ids(html: str) -> set[int]:
    return {int(part.split('"', 1)[0]) for part in html.split('name="ticket_ids" value="')[1:]}


def test_mine_and_unassigned_split_the_queue_by_owner(client, services, people):
    agent = people.staff("agent@example.com")
    other = people.staff("other@example.com")
    mine = _open(services, people.add("a@example.com", status="locked"))
    theirs = _open(services, people.add("b@example.com", status="locked"))
    nobody = _open(services, people.add("c@example.com", status="locked"))
    with services() as ctx:
        service.claim(ctx, ctx.session.get(Ticket, mine), ctx.session.get(User, agent))
        service.claim(ctx, ctx.session.get(Ticket, theirs), ctx.session.get(User, other))
    assert _ids(services, agent, "mine") == [mine]
    assert _ids(services, agent, "unassigned") == [nobody]
    assert set(_ids(services, agent, "all")) == {mine, theirs, nobody}
    people.sign_in(agent)
    assert _row_ids(client.get(f"{PAGE}?view=mine").get_data(as_text=True)) == {mine}
    html = client.get(f"{PAGE}?view=unassigned").get_data(as_text=True)
    assert _row_ids(html) == {nobody} and 'aria-current="page">Unassigned<' in html


def test_breaching_within_an_hour_holds_running_clocks_due_within_the_hour_and_overdue_ones(
        services, people, clock):
    agent = people.staff("agent@example.com")
    urgent = _open(services, people.add("a@example.com", status="locked"), priority=1)  # first response in 1 h
    later = _open(services, people.add("b@example.com", status="locked"), priority=4)  # in 72 h
    waiting = _open(services, people.add("c@example.com", status="locked"), priority=1)
    with services() as ctx:
        ticket = ctx.session.get(Ticket, waiting)
        service.reply(ctx, ticket, ctx.session.get(User, agent), "Which email?", request_info=True)  # clock paused
    assert _ids(services, agent, "breaching") == [urgent]
    clock.advance(timedelta(hours=3))  # overdue now: still in the view
    assert _ids(services, agent, "breaching") == [urgent]
    assert later not in _ids(services, agent, "breaching")


def test_stolen_account_cases_are_the_security_teams_view(services, people):
    security = people.staff("sec@example.com", role="security")
    agent = people.staff("agent@example.com")
    stolen = _open(services, people.add("a@example.com", status="locked"), category="stolen_account")
    _open(services, people.add("b@example.com", status="locked"))
    assert _ids(services, security, "stolen") == [stolen]
    assert _ids(services, agent, "stolen") == []  # the security queue is not an agent's


def test_needs_my_approval_holds_someone_elses_proposal_i_may_approve(client, services, people):
    first = people.staff("first@example.com")
    second = people.staff("second@example.com")
    banned = _open(services, people.add("ada@example.com", status="banned", reason="fraud"))
    plain = _open(services, people.add("bob@example.com", status="locked"))
    assert decide(services, people, first, banned, outcome="granted", reason="Mistaken").status == "pending"
    assert _ids(services, second, "approval") == [banned]
    assert _ids(services, first, "approval") == []  # a proposer never approves their own proposal
    people.sign_in(second)
    html = client.get(f"{PAGE}?view=approval").get_data(as_text=True)
    assert _row_ids(html) == {banned}
    # Every view marks it, with who proposed it; the proposer reads "you".
    html = client.get(PAGE).get_data(as_text=True)
    row = html.split(f'value="{banned}"', 1)[1].split("</tr>", 1)[0]
    assert "Awaiting approval" in row and "proposed by first@example.com" in row
    assert "Awaiting approval" not in html.split(f'value="{plain}"', 1)[1].split("</tr>", 1)[0]
    people.sign_in(first)
    row = client.get(PAGE).get_data(as_text=True).split(f'value="{banned}"', 1)[1].split("</tr>", 1)[0]
    assert "proposed by you" in row


def test_needs_my_approval_leaves_out_what_the_rule_would_refuse_me(services, people):
    """A staff account's restriction is ended by admins only: the security team works its queue but may not
    approve it (accounts' check_decider, asked through decisions), and a ticket in a queue the viewer does not
    work is not theirs."""
    admin1 = people.staff("admin1@example.com", role="admin")
    admin2 = people.staff("admin2@example.com", role="admin")
    security = people.staff("sec@example.com", role="security")
    agent = people.staff("agent@example.com")
    colleague = people.add("colleague@example.com", role="agent", status="suspended", reason="review")
    staff_case = _open(services, colleague)
    assert decide(services, people, admin1, staff_case, outcome="granted", reason="Cleared").status == "pending"
    stolen = _open(services, people.add("ada@example.com", status="banned", reason="fraud"),
                   category="stolen_account")
    assert decide(services, people, admin1, stolen, outcome="granted", reason="Owner proven").status == "pending"
    assert set(_ids(services, security, "all")) == {staff_case, stolen}  # both in the security queue
    assert _ids(services, security, "approval") == [stolen]
    assert _ids(services, agent, "approval") == []
    assert set(_ids(services, admin2, "approval")) == {staff_case, stolen}
    assert _ids(services, admin1, "approval") == []


def test_a_view_that_does_not_exist_is_a_400_in_the_pages_words(client, people):
    people.sign_in(people.staff("agent@example.com"))
    assert client.get(f"{PAGE}?view=everything").status_code == 400


@pytest.mark.parametrize("view", queries.VIEWS)
def test_every_saved_view_is_a_page_in_both_languages(client, people, services, view):
    _open(services, people.add("ada@example.com", status="locked"))
    people.sign_in(people.staff("admin@example.com", role="admin"))
    assert client.get(f"{PAGE}?view={view}").status_code == 200
    client.get("/language/zh_Hans")
    response = client.get(f"{PAGE}?view={view}")
    assert response.status_code == 200 and "待我批准" in response.get_data(as_text=True)  # its links, in Chinese


def test_a_view_pages_on_with_its_filters_kept(client, services, people):
    agent = people.staff("agent@example.com")
    opened = [_open(services, people.add(f"u{n}@example.com", status="locked"), priority=3) for n in range(3)]
    people.sign_in(agent)
    html = client.get(f"{PAGE}?view=unassigned&limit=2").get_data(as_text=True)
    assert _row_ids(html) == set(opened[:2])
    link = html.split('cursor=', 1)[0].rsplit('href="', 1)[1] + "cursor=" + html.split("cursor=", 1)[1].split('"', 1)[0]
    assert "view=unassigned" in link
    assert _row_ids(client.get(link.replace("&amp;", "&")).get_data(as_text=True)) == {opened[2]}


def test_the_api_answers_the_saved_views_too(client, services, people):
    first = people.staff("first@example.com")
    second = people.staff("second@example.com")
    banned = _open(services, people.add("ada@example.com", status="banned", reason="fraud"))
    _open(services, people.add("bob@example.com", status="locked"))
    decide(services, people, first, banned, outcome="granted", reason="Mistaken")

    def ids(user_id: int, view: str) -> list[int]:
        answer = client.get(f"/api/v1/tickets?view={view}", headers=people.headers(user_id))
        assert answer.status_code == 200
        return [ticket["id"] for ticket in answer.get_json()["tickets"]]

    assert ids(second, "approval") == [banned] and ids(first, "approval") == []
    assert len(ids(second, "unassigned")) == 2


def test_the_queue_reads_the_session_with_its_account_then_its_rows_two_statements_in_all(app, client, services,
                                                                                           people):
    """The session check reads the session and its account in one statement; the page reads its rows, with their
    owners and pending proposals, in another, however many rows it shows."""
    agent = people.staff("agent@example.com")
    opened = {_open(services, people.add(f"user{n}@example.com", status="locked")) for n in range(3)}
    people.sign_in(agent)
    client.get(PAGE)  # the minute's first request may write the session's last_seen_at
    with statements_sent(app) as statements:
        html = client.get(PAGE).get_data(as_text=True)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert _row_ids(html) == opened and len(selects) == 2
    assert "FROM user_sessions JOIN users" in selects[0] and "FROM tickets" in selects[1]
