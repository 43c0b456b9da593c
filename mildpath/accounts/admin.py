from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from mildpath.accounts.models import StaffProfile


class StaffProfileInline(admin.StackedInline[StaffProfile, User]):
    model = StaffProfile
    can_delete = False
    filter_horizontal = ["locations"]


class StaffUserAdmin(UserAdmin):
    """Staff accounts with their role and locations on the same page."""

    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_select_related = ["staff_profile"]

    @admin.display(description="role")
    def role(self, user: User) -> str:
        profile = getattr(user, "staff_profile", None)
        return profile.get_role_display() if profile else "-"


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
