"""Every write of the scheduling app, one module per topic:

- ``locks``: the booking lock rules every change that takes time follows;
- ``booking``: a new appointment (public pages, the API, the front desk);
- ``changes``: cancel, undo, move, the front desk's marks, taking an offer;
- ``waitlist``: joining the waiting list, offers of freed times, lapses;
- ``messages``: what the patient is told, written into the outbox;
- ``outbox``: the worker's side of the outbox: claim, send, retry, give up;
- ``requests``: call-back requests.

Each function takes ``actor`` and ``now``, runs in one transaction, and writes its
audit entry and its messages in that transaction.
"""
