"""Meetings area: meeting series, scheduled meetings (occurrences and their exceptions) and
meeting invitees ([SM] tags Meetings, Invitees).

Modules: ``recurrence`` (RRULE rules), ``model`` (ids, secrets, time rules, occurrences),
``fields`` (option validation), ``store`` (the SQL), ``backend`` (the rules that need state or
other areas' backends), ``access`` (who acts, what they may see), ``render`` (the wire object),
``routes`` (/meetings), ``invitees`` (/meetingInvitees), ``seed`` (legacy space meetings and
standing series). Route modules parse, call ``backend``/``store``, and render; only ``store``
runs SQL.
"""

from webex_emulator.core import Area

from . import invitees as _invitees  # noqa: F401  (registers the /meetingInvitees routes)
from . import store
from .routes import router
from .seed import seed_org

AREA = Area(
    name="meetings",
    router=router,
    schema=store.SCHEMA,
    seed_org=seed_org,
    order=50,
    on_person_deleted=store.on_person_deleted,
)

__all__ = ["AREA"]
