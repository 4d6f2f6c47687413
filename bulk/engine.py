"""The import pipeline every importer shares: headers → cells → rows → plan → (confirm) → one transaction.

1. Headers are matched by their Chinese names (or an alias); a missing required column, an unknown column or a
   repeated one stops the import before any row is read.
2. Every cell is parsed by its column's widget; a bad cell becomes an error naming the line and the column.
3. Rows that repeat each other inside the file (the importer says what "the same" means) are errors.
4. The importer plans each clean row against the database in bulk (a few queries per file, not per row): new,
   update, skip (already there, nothing to change) or error.
5. A dry run stops here and returns the plan (the preview). Otherwise, and only if no row is in error, the
   importer writes every new and updated row through the domain's services inside one database transaction:
   all rows land, or none do. Planning is repeated inside that transaction, so a preview that went stale is
   caught, and a unique index that refuses a concurrent write rolls everything back.
"""

from __future__ import annotations

import enum
import gc
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from import_export import resources

from ledger.services import PostingError

from .files import Table
from .widgets import Column

Progress = Callable[[str, int, int], None]  # (phase, done, total)


class Action(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    SKIP = "skip"
    ERROR = "error"

    @property
    def label(self) -> str:
        return {"new": "新增", "update": "更新", "skip": "跳过", "error": "错误"}[self.value]


@dataclass(slots=True)
class RowPlan:
    line: int
    raw: dict[str, object]
    values: dict[str, object] = field(default_factory=dict)
    action: Action = Action.NEW
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column header, or "" for the row; message)
    note: str = ""  # what the preview shows beside the row, e.g. "已登记:回执 JZ2025-000001"
    target: object = None  # the existing record an update or skip refers to
    extra: dict[str, object] = field(default_factory=dict)  # what an importer works out in plan() for apply()

    def fail(self, column: str, message: str) -> None:
        self.action = Action.ERROR
        self.errors.append((column, message))

    def messages(self) -> list[str]:
        return [
            f"第 {self.line} 行" + (f"「{column}」" if column else "") + f":{message}"
            for column, message in self.errors
        ]


@dataclass
class ImportResult:
    kind: str
    title: str
    file_name: str
    dry_run: bool
    file_errors: list[str] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)
    imported: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.action for row in self.rows)
        return {action.value: counted.get(action, 0) for action in Action}

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors) or any(row.action == Action.ERROR for row in self.rows)

    @property
    def changes(self) -> int:
        counts = self.counts
        return counts["new"] + counts["update"]

    def error_messages(self, limit: int | None = None) -> list[str]:
        messages = list(self.file_errors)
        for row in self.rows:
            if row.errors:
                messages.extend(row.messages())
            if limit is not None and len(messages) >= limit:
                return messages[:limit]
        return messages

    def summary(self) -> str:
        counts = self.counts
        return f"新增 {counts['new']} 行,更新 {counts['update']} 行,跳过 {counts['skip']} 行,错误 {counts['error']} 行"


class Importer(resources.Resource):
    """One kind of record a spreadsheet can bring in. Subclasses declare ``Column`` fields and implement
    ``plan_rows`` (bulk look-ups, then one action per row) and ``apply`` (writes through services)."""

    kind = ""
    title = ""
    permission = ""  # the Django permission a user needs to import this kind
    description = ""  # one paragraph for staff: what a row is, what makes it new / update / skip

    def __init__(self, user=None):
        super().__init__()
        self.user = user
        self.progress: Progress | None = None  # set by import_run: apply() may report ("写入", done, total)

    # --- columns ----------------------------------------------------------------------------------------

    def columns(self) -> list[Column]:
        return [f for f in self.fields.values() if isinstance(f, Column)]

    def header_errors(self, headers: list[str]) -> tuple[list[str], dict[str, Column]]:
        """(errors, {header in the file: column}) — every header problem at once, so staff fix them in one go."""
        by_name = {}
        for column in self.columns():
            for name in (column.column_name, *column.aliases):
                by_name[name] = column
        errors, mapping, seen = [], {}, {}
        unknown = []
        for position, header in enumerate(headers, start=1):
            if not header:
                errors.append(f"第 {_col(position)} 列没有表头。")
                continue
            column = by_name.get(header)
            if column is None:
                unknown.append(f"「{header}」")
                continue
            if column.column_name in seen:
                errors.append(
                    f"表头「{column.column_name}」出现了两次(第 {seen[column.column_name]} 列和第"
                    f" {_col(position)} 列)。"
                )
                continue
            seen[column.column_name] = _col(position)
            mapping[header] = column
        if unknown:
            expected = "、".join(c.column_name for c in self.columns())
            errors.append(f"无法识别的表头:{'、'.join(unknown)}。本模板的表头是:{expected}。请下载模板核对。")
        missing = [c.column_name for c in self.columns() if c.required and c.column_name not in seen]
        if missing:
            errors.append(f"缺少必填列:{'、'.join(missing)}。")
        return errors, mapping

    # --- hooks ------------------------------------------------------------------------------------------

    def row_key(self, plan: RowPlan) -> tuple[object, str] | None:
        """(what identifies the row within the file, the duplicate message) — or None when repeats are fine."""
        return None

    def plan_rows(self, plans: list[RowPlan]) -> None:
        """Set each clean row's action (bulk look-ups: a few queries per file)."""
        raise NotImplementedError

    def apply(self, plans: list[RowPlan]) -> None:
        """Write the new and updated rows through services; raise ``ValidationError`` to roll everything back."""
        raise NotImplementedError

    # --- the template -----------------------------------------------------------------------------------

    def template_rows(self) -> list[list[object]]:
        columns = self.columns()
        return [[c.column_name for c in columns], [c.example for c in columns]]


def import_run(
    importer: Importer, table: Table, *, dry_run: bool = True, progress: Progress | None = None
) -> ImportResult:
    result = ImportResult(kind=importer.kind, title=importer.title, file_name=table.name, dry_run=dry_run)
    errors, mapping = importer.header_errors(table.headers)
    if errors:
        result.file_errors = errors
        return result
    if not table.rows:
        result.file_errors = ["文件里只有表头,没有数据行。"]
        return result
    result.rows = _parse(importer, table, mapping, progress)
    _mark_duplicates(importer, result.rows)
    if dry_run:
        _plan(importer, result.rows, progress)
        return result
    try:
        with transaction.atomic():
            _plan(importer, result.rows, progress)
            if result.has_errors:
                return result
            writes = [row for row in result.rows if row.action in (Action.NEW, Action.UPDATE)]
            if progress:
                progress("写入", 0, len(writes))
            importer.progress = progress
            with _collector_frozen():
                importer.apply(writes)
            if progress:
                progress("写入", len(writes), len(writes))
    except ValidationError as error:
        result.file_errors = [f"导入失败,已全部撤销,没有写入任何数据:{'; '.join(error.messages)}"]
        return result
    except IntegrityError as error:
        result.file_errors = [
            "导入失败,已全部撤销,没有写入任何数据:导入期间有人同时登记了相同的记录"
            f"({str(error).splitlines()[0][:100]})。请重新预览后再导入。"
        ]
        return result
    except PostingError as error:  # the ledger refused a posting the plan let through: nothing lands
        result.file_errors = [f"导入失败,已全部撤销,没有写入任何数据:账本拒绝记账({str(error)[:200]})。"]
        return result
    except DataError as error:  # a value the database column cannot hold (PostgreSQL checks; SQLite does not)
        result.file_errors = [
            "导入失败,已全部撤销,没有写入任何数据:有数值超出了数据库允许的范围"
            f"({str(error).splitlines()[0][:100]})。请核对金额和数量。"
        ]
        return result
    result.imported = True
    return result


@contextmanager
def _collector_frozen():
    """The parsed file and its plans live until the import ends: move them out of the garbage collector's sight
    while the write allocates (docs/BENCHMARKS.md: the collector re-walking them cost a quarter of the CPU)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _parse(importer: Importer, table: Table, mapping: dict[str, Column], progress: Progress | None) -> list[RowPlan]:
    """Cells → values, column by column (the hot loop of a large import: nothing in it queries or allocates more
    than the row needs)."""
    present = [
        (i, column, column.column_name, column.attribute)
        for i, h in enumerate(table.headers)
        if (column := mapping.get(h)) is not None
    ]
    absent = [c.attribute for c in importer.columns() if c not in mapping.values()]  # optional, left out
    width = len(table.headers)
    plans = []
    total = len(table.rows)
    for count, (line, cells) in enumerate(table.rows, start=1):
        raw, values = {}, dict.fromkeys(absent)
        plan = RowPlan(line=line, raw=raw, values=values)
        length = len(cells)
        for index, column, header, attribute in present:
            cell = cells[index] if index < length else None
            raw[header] = cell
            try:
                values[attribute] = column.parse(cell)
            except ValueError as error:
                plan.fail(header, str(error))
        if length > width and any(c not in (None, "") for c in cells[width:]):
            plan.fail("", f"表头之外的第 {_col(width + 1)} 列及以后还有数据,请删除或补上表头。")
        plans.append(plan)
        if progress and count % 5000 == 0:
            progress("解析", count, total)
    if progress:
        progress("解析", total, total)
    return plans


def _mark_duplicates(importer: Importer, plans: Iterable[RowPlan]) -> None:
    first: dict[object, int] = {}
    for plan in plans:
        if plan.errors:
            continue
        keyed = importer.row_key(plan)
        if keyed is None:
            continue
        key, message = keyed
        plan.extra["key"] = key
        if key in first:
            plan.fail("", f"与第 {first[key]} 行重复:{message}")
        else:
            first[key] = plan.line


def _plan(importer: Importer, plans: list[RowPlan], progress: Progress | None) -> None:
    clean = [plan for plan in plans if not plan.errors]
    if progress:
        progress("校验", 0, len(clean))
    importer.plan_rows(clean)
    if progress:
        progress("校验", len(clean), len(clean))


def _col(position: int) -> str:
    """Excel's column letter for a 1-based position (1 → A, 27 → AA)."""
    letters = ""
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
