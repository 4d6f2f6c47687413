"""The audit-log entry an export with full beneficiary data leaves (个人信息 reveal, 慈善法/个保法 accountability).

One entry per export, not per person: who, when, which export and format, how many rows and which filters —
never a value. It is filed under the beneficiary registry's content type, so the people who may read the registry
(审计 included) find it in Wagtail's 操作日志 report; its object id ``0`` names no single record.

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

from .base import ExportFilters

EXPORT_REVEAL_ACTION = "bulk.export_reveal"
EXPORT_REVEAL_LABEL = "导出受助人完整信息"
WHOLE_EXPORT = "0"


def export_reveal_log(*, user, kind: str, label: str, fmt: str, rows: int, filters: ExportFilters) -> ModelLogEntry:
    """Record that ``user`` exported ``rows`` rows of ``kind`` with full beneficiary data."""
    return ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Beneficiary),
        object_id=WHOLE_EXPORT,
        label=f"{label}导出({fmt.upper()},{rows} 行,完整信息)",
        action=EXPORT_REVEAL_ACTION,
        timestamp=timezone.now(),
        user=user,
        uuid=get_active_log_context().uuid,
        data={"export": kind, "label": label, "format": fmt, "rows": rows, "filters": filters.as_log_data()},
    )


class ExportRevealFormatter(LogFormatter):
    label = EXPORT_REVEAL_LABEL

    def format_message(self, log_entry):
        data = log_entry.data
        return (
            f"{EXPORT_REVEAL_LABEL}:{data.get('label', '')} {data.get('format', '').upper()},{data.get('rows', 0)} 行"
        )


@hooks.register("register_log_actions")
def register_export_log_actions(actions) -> None:
    actions.register_action(EXPORT_REVEAL_ACTION)(ExportRevealFormatter)
