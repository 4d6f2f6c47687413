from django.apps import AppConfig


class BulkConfig(AppConfig):
    """Bulk import and export of records as spreadsheets (批量导入导出): reads ``donations`` and ``projects``
    through their services and selectors; never posts to the ledger itself."""

    name = "bulk"
    verbose_name = "批量导入导出"
    default_auto_field = "django.db.models.BigAutoField"
