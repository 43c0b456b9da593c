# Consultation requests and appointments carry patients' details, so they are handled
# in the staff pages (scoped by location, every read audited), not in the system admin.
# The outbox is shown here for its delivery state only: no addresses, no text.
from django.contrib import admin

from mildpath.scheduling.models import (
    AppointmentType,
    OutboundMessage,
    ScheduleOverride,
    WorkingHours,
)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin[OutboundMessage]):
    list_display = ["key", "kind", "channel", "status", "send_after", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    # Not the provider's error: it can quote the patient's number or address (the staff
    # pages, scoped and audited, show it).
    fields = ["key", "kind", "channel", "status", "attempts", "send_after", "sent_at"]
    readonly_fields = ["key", "kind", "channel", "status", "attempts", "send_after", "sent_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin[AppointmentType]):
    list_display = ["location", "kind", "duration_minutes", "self_bookable", "is_active"]
    list_filter = ["location", "kind", "self_bookable"]
    filter_horizontal = ["practitioners"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin[WorkingHours]):
    list_display = ["practitioner", "location", "weekday", "start", "end"]
    list_filter = ["location", "practitioner", "weekday"]


@admin.register(ScheduleOverride)
class ScheduleOverrideAdmin(admin.ModelAdmin[ScheduleOverride]):
    list_display = ["practitioner", "location", "date", "start", "end", "note"]
    list_filter = ["location", "practitioner"]
    date_hierarchy = "date"
