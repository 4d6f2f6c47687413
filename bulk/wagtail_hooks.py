"""Wagtail wiring of the bulk app: 批量导入 (``bulk.urls``) and 导出数据 (``bulk.export_urls``) in the admin
menu, their URLs under /admin/, and the labels of the audit-log entries they leave."""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import LogFormatter

from bulk import book_exports, export_urls, urls, views  # export_urls also registers its audit-log action

hooks.register("register_admin_urls", lambda: export_urls.urlpatterns)
hooks.register("register_admin_urls", lambda: book_exports.urlpatterns)  # 账簿's CSV/XLSX (ledger.admin.books)
hooks.register("register_admin_menu_item", export_urls.export_menu_item)


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(views.allowed_importers(request.user))


@hooks.register("register_admin_urls")
def register_import_urls():
    return urls.urlpatterns


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem(views.IMPORT_LABEL, reverse("bulk_import"), icon_name="upload", order=920)


@hooks.register("register_log_actions")
def register_import_log_actions(actions):
    @actions.register_action(views.IMPORT_ACTION)
    class ImportFormatter(LogFormatter):
        label = views.IMPORT_LABEL

        def format_message(self, log_entry):
            return views.format_import_log(log_entry)
