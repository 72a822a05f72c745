"""Signing in and the signed-in user of each request.

``UserBackend`` is Django's ``ModelBackend`` whose ``get_user`` (the user of every request,
from the session) reads the user's division (their scope, read by nearly every page) in the
same query, and with it the header's unread message count (``unread_capped``): two round trips
fewer on every page than a user row, then a division and a count on their own."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import IntegerField
from django.db.models.expressions import RawSQL

from baobao.models import Notification, User

# The header shows "99+" beyond this: the count stops there and stays cheap.
UNREAD_CAP = 99


def unread_capped(user_id: int) -> RawSQL:
    """How many unread messages the user has, counting no further than ``UNREAD_CAP + 1``: at
    most a hundred entries of the partial unread index, never a full COUNT."""
    meta = Notification._meta
    recipient, read_at = (meta.get_field(name).column for name in ("recipient", "read_at"))
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {meta.db_table} WHERE {recipient} = %s "
        f"AND {read_at} IS NULL LIMIT {UNREAD_CAP + 1}) AS unread"
    )
    return RawSQL(sql, [user_id], output_field=IntegerField())


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        """``user_id`` is the session's, already read as the primary key is
        (``django.contrib.auth.get_user``)."""
        user = (
            User._default_manager.select_related("division")
            .annotate(unread_capped=unread_capped(user_id))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
