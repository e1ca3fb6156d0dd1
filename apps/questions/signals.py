"""Hooks for notifications about questions.

Both are sent only after the transaction that made the change has committed, so a receiver
(the reminders app queues its emails from here) never tells anyone about a question or reply
that was rolled back. Receivers get ids, not objects: they run after the request has moved on
and should read fresh rows.

- question_asked: sender=Question, question_id=<id>. A patient asked; tell their care team.
- reply_posted: sender=Reply, reply_id=<id>, question_id=<id>. Someone replied; tell the
  other side (the patient when a clinician replied, the care team when the patient did).
"""

from django.dispatch import Signal

question_asked = Signal()
reply_posted = Signal()
