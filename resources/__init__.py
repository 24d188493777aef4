"""The dynamic resources of webex-iac, usable from any Pulumi Python program.

    from resources import LicenseDistribution, LicenseDistributionArgs, LicensePool, LicenseRef

Each kind lives in its own module with its inputs, outputs and CRUD; this registry only lists
them. Type names (``pulumi-python:dynamic/webex:<Kind>``) let policies and readers tell them apart.
"""

from . import _lifeline as lifeline
from ._common import ERROR_30105, LicenseRef, Model
from ._runtime import ConfigError, MissingCredentials, OrgSnapshot, config_getter, make_client, settings_from_config, settings_key
from .license_distribution import LicenseDistribution, LicenseDistributionArgs, LicensePool, resolve_license
from .meeting_site import CommonSettings, Holders, MeetingSite, MeetingSiteArgs
from .service_app import Guest, ServiceApp, ServiceAppArgs
from .standing_meeting import Invitee, MeetingOptions, StandingMeeting, StandingMeetingArgs

#: kind name → (resource class, args class); the stack-file loader and the policies use it.
KINDS = {
    "MeetingSite": (MeetingSite, MeetingSiteArgs),
    "ServiceApp": (ServiceApp, ServiceAppArgs),
    "LicenseDistribution": (LicenseDistribution, LicenseDistributionArgs),
    "StandingMeeting": (StandingMeeting, StandingMeetingArgs),
}

__all__ = [
    "ERROR_30105", "KINDS", "ConfigError", "MissingCredentials", "Model", "OrgSnapshot", "config_getter", "lifeline",
    "make_client", "resolve_license", "settings_from_config", "settings_key",
    "CommonSettings", "Guest", "Holders", "Invitee", "LicenseDistribution", "LicenseDistributionArgs",
    "LicensePool", "LicenseRef", "MeetingOptions", "MeetingSite", "MeetingSiteArgs", "ServiceApp",
    "ServiceAppArgs", "StandingMeeting", "StandingMeetingArgs",
]
