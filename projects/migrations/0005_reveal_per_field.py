"""One reveal permission per field instead of ``reveal_beneficiary`` (issue 18, part 5).

The five staff groups are reset by ``charity.groups`` after every migrate. Anyone else who held the old single
permission — a user given it by hand, a group of the site's own — held all four fields, so they get all four
new permissions here; then the old permission is deleted (Django never deletes a stale permission itself).
"""

from django.conf import settings
from django.db import migrations

NEW = {
    "reveal_beneficiary_id_number": "查看受助人完整身份证号",
    "reveal_beneficiary_phone": "查看受助人及监护人完整电话",
    "reveal_beneficiary_bank_account": "查看受助人完整银行账号",
    "reveal_beneficiary_address": "查看受助人详细住址(村/社区)",
}


def split_the_old_permission(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    old = Permission.objects.filter(content_type__app_label="projects", codename="reveal_beneficiary").first()
    if old is None:  # a new database: post_migrate creates the new permissions
        return
    new = [
        Permission.objects.get_or_create(content_type=old.content_type, codename=codename, defaults={"name": name})[0]
        for codename, name in NEW.items()
    ]
    for user in User.objects.filter(user_permissions=old):
        user.user_permissions.add(*new)
    for group in Group.objects.filter(permissions=old):
        group.permissions.add(*new)
    old.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_payment_date"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="beneficiary",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("reveal_beneficiary_id_number", "查看受助人完整身份证号"),
                    ("reveal_beneficiary_phone", "查看受助人及监护人完整电话"),
                    ("reveal_beneficiary_bank_account", "查看受助人完整银行账号"),
                    ("reveal_beneficiary_address", "查看受助人详细住址(村/社区)"),
                ],
                "verbose_name": "受助人",
                "verbose_name_plural": "受助人",
            },
        ),
        migrations.RunPython(split_the_old_permission, migrations.RunPython.noop),
    ]
