from django.apps import AppConfig


class FinanceConfig(AppConfig):
    """财务: the organisation's own books beyond gifts and grants (vouchers, 记账凭证, with maker-checker)."""

    name = "finance"
    verbose_name = "财务"
