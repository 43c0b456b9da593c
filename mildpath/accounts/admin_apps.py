from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """Django's admin, open only to administrators who passed two-step sign-in."""

    default_site = "mildpath.accounts.admin_site.StaffAdminSite"
