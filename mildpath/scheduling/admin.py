# Consultation requests carry patients' contact details, so they are handled in the
# staff pages (scoped by location, every read audited), not in the system admin.
