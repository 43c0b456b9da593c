from django.contrib import admin

from mildpath.scheduling.models import ConsultationRequest


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(admin.ModelAdmin[ConsultationRequest]):
    list_display = [
        "created_at",
        "name",
        "phone_display",
        "preferred_location",
        "best_time",
        "language",
        "status",
    ]
    list_filter = ["status", "preferred_location", "best_time", "language"]
    search_fields = ["name", "phone"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "name",
        "phone",
        "preferred_location",
        "best_time",
        "consent_to_contact",
        "language",
        "created_at",
    ]
    fields = [*readonly_fields, "status", "staff_notes"]

    def has_add_permission(self, request):
        return False
