"""marshmallow schemas of the team lead's metrics report (recovery/tickets/metrics.py::team_report): the query
(a period of 7, 30 or 90 days) and the JSON the page's figures come from."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from recovery.tickets.metrics import PERIODS
from recovery.tickets.schemas import DurationsOut


class ReportQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    days = fields.Integer(load_default=30, validate=validate.OneOf(PERIODS),
                          metadata={"description": "The period: the last 7, 30 or 90 days"})


class ReportPriorityDurationsOut(DurationsOut):
    priority = fields.Integer(required=True)


class ReportQueueDurationsOut(DurationsOut):
    queue = fields.String(required=True)


class ReportTimesOut(Schema):
    overall = fields.Nested(DurationsOut, required=True)
    by_priority = fields.List(fields.Nested(ReportPriorityDurationsOut), required=True)
    by_queue = fields.List(fields.Nested(ReportQueueDurationsOut), required=True)


class ReportAttainmentOut(Schema):
    resolved = fields.Integer(required=True)
    first_response_met = fields.Integer(required=True)
    resolution_met = fields.Integer(required=True)
    met = fields.Integer(required=True, metadata={"description": "Both targets met"})
    first_response_attainment = fields.Float(required=True, allow_none=True)
    resolution_attainment = fields.Float(required=True, allow_none=True)
    attainment = fields.Float(required=True, allow_none=True)


class ReportPriorityAttainmentOut(ReportAttainmentOut):
    priority = fields.Integer(required=True)


class ReportSlaOut(Schema):
    overall = fields.Nested(ReportAttainmentOut, required=True)
    by_priority = fields.List(fields.Nested(ReportPriorityAttainmentOut), required=True)


class ReportBacklogDayOut(Schema):
    date = fields.Date(required=True)
    open = fields.Integer(required=True, metadata={"description": "Open tickets at the end of the day (UTC)"})


class ReportScoresOut(Schema):
    answers = fields.Integer(required=True)
    satisfied = fields.Integer(required=True, metadata={"description": "Answers of 4 or 5"})
    csat = fields.Float(required=True, allow_none=True)
    average = fields.Float(required=True, allow_none=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)


class ReportCsatOut(ReportScoresOut):
    by_outcome = fields.Dict(keys=fields.String(), values=fields.Nested(ReportScoresOut), required=True)


class ReportOut(Schema):
    days = fields.Integer(required=True)
    since = fields.DateTime(required=True)
    until = fields.DateTime(required=True)
    first_response = fields.Nested(ReportTimesOut, required=True)
    resolution = fields.Nested(ReportTimesOut, required=True)
    sla = fields.Nested(ReportSlaOut, required=True)
    backlog = fields.List(fields.Nested(ReportBacklogDayOut), required=True)
    csat = fields.Nested(ReportCsatOut, required=True)
