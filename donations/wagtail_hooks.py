from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from donations.admin_views import CONTACT_VIEWED_ACTION, OFFICIAL_RECEIPT_ACTION, REVERSE_ACTION
from donations.models import Donation, Donor, MonthlyPlan, WebhookEvent
from donations.services.donor_names import APPROVE_ACTION, ERASE_ACTION, HIDE_ACTION
from donations.services.offline import CONFIRM_ACTION, REJECT_ACTION
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
    actions.register_action(APPROVE_ACTION, "批准署名", "批准捐赠人公开署名上捐赠墙")
    actions.register_action(HIDE_ACTION, "隐藏署名", "隐藏捐赠人公开署名(捐赠墙显示爱心人士)")
    actions.register_action(ERASE_ACTION, "删除署名", "删除捐赠人公开署名及其承诺盐值")

    actions.register_action(CONFIRM_ACTION, "复核确认", "复核确认大额线下捐赠并记入账本")

    @actions.register_action(REJECT_ACTION)
    class RejectionFormatter(LogFormatter):
        label = "复核驳回"

        def format_message(self, log_entry):
            return f"复核驳回:{log_entry.data.get('reason', '')}"

    @actions.register_action(REVERSE_ACTION)
    class ReversalFormatter(LogFormatter):
        label = "冲正"

        def format_message(self, log_entry):
            return f"冲正:{log_entry.data.get('reason', '')}"
