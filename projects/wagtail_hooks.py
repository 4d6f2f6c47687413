from wagtail import hooks

from projects.admin import audit, beneficiaries, beneficiary_chooser, closure, disbursements  # noqa: F401 - each registers its own hooks

from .viewsets import project_viewset


@hooks.register("register_admin_viewset")
def register_project_viewset():
    return project_viewset
