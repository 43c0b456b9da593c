"""Forms of the scheduling app: ``public`` (the booking pages), ``staff`` (the front
desk), ``api`` (the JSON API's validation)."""
