"""Evidence files: type by content, size limits with clear messages, stored outside the web root, staff only."""

import io

import pytest
from helpers.tickets import JPEG, PDF, PNG
from sqlalchemy import select

from recovery.context import Actor
from recovery.tickets import service
from recovery.tickets.errors import EvidenceTooLarge, EvidenceTooMany, EvidenceWrongType
from recovery.tickets.evidence import Upload, attach_files, evidence_dir, sniff
from recovery.tickets.models import Ticket, TicketEvidence
from recovery.web.context import app_service_context, runtime


@pytest.mark.parametrize("content, name, expected", [
    (PNG, "a.png", "image/png"), (JPEG, "a.JPG", "image/jpeg"), (JPEG, "a.jpeg", "image/jpeg"),
    (PDF, "a.pdf", "application/pdf"),
    (PNG, "a.pdf", None),                      # the extension must agree with the content
    (b"<html><script>", "a.png", None),        # a renamed page is not an image
    (b"MZ\x90\x00", "a.exe", None), (PDF, "noextension", None),
])
def test_sniff_trusts_the_content_and_wants_a_matching_extension(content, name, expected):
    assert sniff(content, name) == expected


def _ticket(services, people) -> int:
    with services() as ctx:
        return service.open_ticket(ctx, category="unblock_appeal", user_id=people.add("ada@example.com"),
                                   subject="s", message="m", source="appeal").id


def test_wrong_type_is_refused_with_its_name(services, people):
    ticket_id = _ticket(services, people)
    with services() as ctx, pytest.raises(EvidenceWrongType) as refused:
        service.requester_reply(ctx, ctx.session.get(Ticket, ticket_id), "", [Upload("cv.docx", b"PK\x03\x04")])
    assert refused.value.params == {"name": "cv.docx"}


def test_oversize_file_is_refused_with_the_limit(services, people, app):
    ticket_id = _ticket(services, people)
    big = PNG + b"\x00" * runtime(app).settings.ticket_evidence_max_bytes
    with services() as ctx, pytest.raises(EvidenceTooLarge) as refused:
        service.requester_reply(ctx, ctx.session.get(Ticket, ticket_id), "", [Upload("big.png", big)])
    assert refused.value.params == {"name": "big.png", "limit": "5"}


def test_too_many_files_are_refused(make_app):
    app = make_app(ticket_evidence_max_files=2)
    with app.app_context(), runtime(app).db.transaction() as session:
        ctx = app_service_context(app, session)
        ticket = service.open_ticket(ctx, category="other", user_id=None, subject="s", message="m", source="staff",
                                     attachments=[Upload("a.png", PNG), Upload("b.png", PNG)])
        with pytest.raises(EvidenceTooMany):
            service.requester_reply(ctx, ticket, "", [Upload("c.png", PNG)])


def test_files_are_stored_outside_the_web_root_under_random_names(services, people, app):
    ticket_id = _ticket(services, people)
    with services() as ctx:
        service.requester_reply(ctx, ctx.session.get(Ticket, ticket_id), "here", [Upload("../../etc/pw.png", PNG)])
    directory = evidence_dir(runtime(app).settings)
    stored = list(directory.iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == PNG
    assert "pw.png" not in stored[0].name and "etc" not in stored[0].name  # a random name may hold "pw" by chance
    assert directory.is_relative_to(runtime(app).settings.instance_dir)
    assert oct(stored[0].stat().st_mode & 0o777) == "0o600"


def _status_token(services, ticket_id) -> str:
    from recovery.tickets.access import status_token

    with services() as ctx:
        return status_token(ctx, ctx.session.get(Ticket, ticket_id))


def test_upload_page_refuses_a_wrong_type_with_a_clear_message(client, services, people, csrf):
    token = _status_token(services, _ticket(services, people))
    page = f"/appeal/status/{token}"
    response = client.post(f"{page}/reply", data={"csrf_token": csrf(page), "message": "see file",
                                                  "evidence": (io.BytesIO(b"GIF89a...."), "photo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 415
    assert "The file photo.png is not a PNG, JPEG or PDF file" in response.get_data(as_text=True)


def test_upload_api_refuses_an_oversize_file_with_a_clear_message(client, services, people):
    token = _status_token(services, _ticket(services, people))
    big = PNG + b"\x00" * (5 * 1024 * 1024)
    response = client.post(f"/api/v1/appeals/status/{token}/evidence",
                           data={"evidence": (io.BytesIO(big), "big.png")}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"] == {"code": "evidence_too_large", "fields": {},
                                            "message": "The file big.png is larger than 5 MB. Please send a smaller "
                                                       "file."}


def test_upload_api_accepts_a_pdf_and_shows_it_on_the_status(client, services, people):
    token = _status_token(services, _ticket(services, people))
    response = client.post(f"/api/v1/appeals/status/{token}/evidence",
                           data={"evidence": (io.BytesIO(PDF), "statement.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 201
    assert [e["filename"] for e in response.get_json()["evidence"]] == ["statement.pdf"]


def test_evidence_download_is_for_staff_of_the_queue_only(client, services, people):
    ticket_id = _ticket(services, people)
    with services() as ctx:
        service.requester_reply(ctx, ctx.session.get(Ticket, ticket_id), "", [Upload("p.png", PNG)])
    with services() as ctx:
        url = f"/api/v1/tickets/{ticket_id}/evidence/{ctx.session.scalar(select(TicketEvidence.id))}"
    assert client.get(url).status_code == 401
    ada_headers = people.headers(people.add("eve@example.com"))
    assert client.get(url, headers=ada_headers).status_code == 403
    response = client.get(url, headers=people.headers(people.staff("agent@example.com")))
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_staff_actor_uploads_are_marked_as_staff(services, people):
    ticket_id = _ticket(services, people)
    agent = people.staff("agent@example.com")
    with services(Actor("staff", agent)) as ctx:
        (record,) = attach_files(ctx, ctx.session.get(Ticket, ticket_id), [Upload("x.pdf", PDF)], uploaded_by="staff")
    assert record.uploaded_by == "staff" and record.content_type == "application/pdf"
