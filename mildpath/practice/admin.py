from django.contrib import admin

from mildpath.practice.forms import LocationAdminForm, PracticeAdminForm, PractitionerAdminForm
from mildpath.practice.models import Location, OpeningHours, Practice, Practitioner


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin[Practice]):
    form = PracticeAdminForm
    list_display = ["name", "phone"]

    def has_add_permission(self, request):
        return not Practice.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class OpeningHoursInline(admin.StackedInline[OpeningHours, Location]):
    # Stacked, not tabular: a tabular inline leaves its inputs without labels.
    model = OpeningHours
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    form = LocationAdminForm
    list_display = ["name", "city", "zip_code", "phone", "time_zone", "is_active"]
    list_filter = ["is_active", "city"]
    search_fields = ["name", "city", "zip_code"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["latitude", "longitude"]
    inlines = [OpeningHoursInline]


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin[Practitioner]):
    form = PractitionerAdminForm
    list_display = ["family_name", "given_name", "credentials", "is_active"]
    list_filter = ["is_active", "locations"]
    search_fields = ["family_name", "given_name"]
    prepopulated_fields = {"slug": ["given_name", "family_name"]}
    filter_horizontal = ["locations"]
