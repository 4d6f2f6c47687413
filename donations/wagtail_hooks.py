from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from donations.admin_views import CONTACT_VIEWED_ACTION, OFFICIAL_RECEIPT_ACTION, REVERSE_ACTION
from donations.models import Donation, Donor, MonthlyPlan, WebhookEvent
from donations.viewsets import DonationAdminGroup
from projects.admin.common import NoDeletePermissionPolicy, ReadOnlyPermissionPolicy

# At import, before any view asks: Wagtail refuses a custom policy once it has made a default one for the model.
register_permission_policy(Donation, NoDeletePermissionPolicy(Donation))
register_permission_policy(Donor, NoDeletePermissionPolicy(Donor))
register_permission_policy(MonthlyPlan, ReadOnlyPermissionPolicy(MonthlyPlan))
register_permission_policy(WebhookEvent, ReadOnlyPermissionPolicy(WebhookEvent))


@hooks.register("register_admin_viewset")
def register_donation_admin():
    return DonationAdminGroup()


@hooks.register("register_log_actions")
def register_donation_log_actions(actions):
    actions.register_action(OFFICIAL_RECEIPT_ACTION, "登记捐赠票据", "登记了公益事业捐赠票据号码")
    actions.register_action(CONTACT_VIEWED_ACTION, "查看联系方式", "打开了含完整联系方式的捐赠人表单")

    @actions.register_action(REVERSE_ACTION)
    class ReversalFormatter(LogFormatter):
        label = "冲正"

        def format_message(self, log_entry):
            return f"冲正:{log_entry.data.get('reason', '')}"
