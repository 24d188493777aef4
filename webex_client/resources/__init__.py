"""One module per Webex API area; each exposes a resource class bound to the client core."""

from .authorizations import Authorizations
from .groups import Groups
from .guests import Guests
from .licenses import Licenses
from .meeting_invitees import MeetingInvitees
from .meetings import Meetings
from .organizations import Organizations, Roles
from .people import People
from .service_apps import ServiceApps
from .sites import Sites

__all__ = [
    "Authorizations",
    "Groups",
    "Guests",
    "Licenses",
    "MeetingInvitees",
    "Meetings",
    "Organizations",
    "People",
    "Roles",
    "ServiceApps",
    "Sites",
]
