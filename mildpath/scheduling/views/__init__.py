"""Views of the scheduling app: ``public`` (booking pages), ``links`` (what a patient's
link opens), ``staff`` (the calendar and appointments), ``requests`` (call-back
requests), ``api`` (the JSON API). Each parses input, builds the actor, calls one
service or query, and renders."""
