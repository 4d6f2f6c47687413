"""Names the admin shows that live in database rows rather than in code, put into Chinese after every ``migrate``.

Django stores each permission's name in English when it creates it ("Can add group", "Can change 受助人"), and
Wagtail's first migrations seed a root page called "Root", a welcome page, a workflow and task called "Moderators
approval" and a root collection called "Root". The group editor, the page explorer ("正在浏览: Root"), the
collection pickers and the workflow screens show these rows as stored, so no catalogue can translate them. This
rewrites them once, and only while they still hold the English a migration wrote: a name staff gave is never touched.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.db.models import Q
from django.utils import translation

ACTIONS = {"add": "添加", "change": "修改", "delete": "删除", "view": "查看"}
DEFAULT_PERMISSION = re.compile(r"^Can (add|change|delete|view) ")
WAGTAIL_SEED_TITLES = {  # what Wagtail's migrations create → what staff read
    "Root": "根目录",
    "Welcome to your new Wagtail site!": "欢迎使用新站点",
}
WAGTAIL_SEED_WORKFLOW = {"Moderators approval": "审核员审批"}
WAGTAIL_SEED_COLLECTION = {"Root": "全部文件"}  # the root collection: every image and document is under it
OTHER_PERMISSIONS = {  # custom permissions whose English no catalogue carries
    "Can access Wagtail admin": "可以访问管理后台",
    "Can choose image": "可以选择图片",
    "Can choose document": "可以选择文档",
}


def permission_name_zh(name: str, codename: str, model) -> str:
    """可以添加受助人 for "Can add 受助人"; a custom permission through the catalogue (发布任意页面)."""
    match = DEFAULT_PERMISSION.match(name)
    if match and model is not None and codename.startswith(match.group(1) + "_"):
        return f"可以{ACTIONS[match.group(1)]}{model._meta.verbose_name}"
    return OTHER_PERMISSIONS.get(name) or translation.gettext(name)


def admin_names_translate_after_migrate(sender, using="default", **kwargs):
    """post_migrate receiver: idempotent, and cheap once done (only English names are looked at)."""
    if sender.label != [app for app in apps.get_app_configs() if app.models_module][-1].label:
        return  # once per migrate: after the last app, when every app's permissions exist
    from django.contrib.auth.models import Permission
    from wagtail.models import Collection, Page, Task, Workflow

    english = Q(name__startswith="Can ") | Q(name__regex=r"^[ -~]+$")  # "Can add 受助人" or all ASCII
    with translation.override("zh-hans"):
        for permission in Permission.objects.using(using).filter(english).select_related("content_type"):
            chinese = permission_name_zh(permission.name, permission.codename, permission.content_type.model_class())
            if chinese != permission.name:
                Permission.objects.using(using).filter(pk=permission.pk).update(name=chinese[:255])
    for english_title, chinese in WAGTAIL_SEED_TITLES.items():
        Page.objects.using(using).filter(depth__lte=2, title=english_title).update(title=chinese, draft_title=chinese)
    for english_name, chinese in WAGTAIL_SEED_WORKFLOW.items():
        Workflow.objects.using(using).filter(name=english_name).update(name=chinese)
        Task.objects.using(using).filter(name=english_name).update(name=chinese)
    for english_name, chinese in WAGTAIL_SEED_COLLECTION.items():
        Collection.objects.using(using).filter(depth=1, name=english_name).update(name=chinese)
