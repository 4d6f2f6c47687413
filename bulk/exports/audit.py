"""The audit-log entry an export with full beneficiary data leaves (个人信息 reveal, 慈善法/个保法 accountability).

One entry per export, not per person: who, when, which export and format, which fields were revealed in full, the
reason the user gave (导出原因), how many rows and which filters — never a value. It is filed under the beneficiary
registry's content type, so the people who may read the registry (审计 included) find it in Wagtail's 操作日志
report; its object id ``0`` names no single record.

Wagtail refuses to save a log entry whose action is not registered, so this module registers its action as a
``register_log_actions`` hook itself, when imported: ``bulk/wagtail_hooks.py`` imports ``bulk.export_urls``, which
imports the views and this module, before Wagtail first reads the hooks.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail import hooks
from wagtail.log_actions import LogFormatter, get_active_log_context
from wagtail.models import ModelLogEntry

from projects.models import Beneficiary
from projects.services import REVEALABLE

from .base import ExportFilters

EXPORT_REVEAL_ACTION = "bulk.export_reveal"
EXPORT_REVEAL_LABEL = "导出受助人完整信息"
WHOLE_EXPORT = "0"


def export_reveal_log(
    *,
    user,
    kind: str,
    label: str,
    fmt: str,
    rows: int,
    filters: ExportFilters,
    fields: frozenset[str],
    reason: str,
) -> ModelLogEntry:
    """Record that ``user`` exported ``rows`` rows of ``kind`` with ``fields`` in full, and why."""
    names = "、".join(REVEALABLE[field] for field in sorted(fields, key=list(REVEALABLE).index))
    return ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Beneficiary),
        object_id=WHOLE_EXPORT,
        label=f"{label}导出({fmt.upper()},{rows} 行,完整信息:{names})",
        action=EXPORT_REVEAL_ACTION,
        timestamp=timezone.now(),
        user=user,
        uuid=get_active_log_context().uuid,
        data={
            "export": kind,
            "label": label,
            "format": fmt,
            "rows": rows,
            "filters": filters.as_log_data(),
            "fields": sorted(fields, key=list(REVEALABLE).index),
            "field_labels": names,
            "reason": reason,
        },
    )


class ExportRevealFormatter(LogFormatter):
    label = EXPORT_REVEAL_LABEL

    def format_message(self, log_entry):
        data = log_entry.data
        export = f"{data.get('label', '')} {data.get('format', '').upper()},{data.get('rows', 0)} 行"
        message = f"{EXPORT_REVEAL_LABEL}:{export}"
        if data.get("field_labels"):
            message += f",完整信息:{data['field_labels']}"
        if data.get("reason"):
            message += f";原因:{data['reason']}"
        return message


@hooks.register("register_log_actions")
def register_export_log_actions(actions) -> None:
    actions.register_action(EXPORT_REVEAL_ACTION)(ExportRevealFormatter)
