"""The dynamic resources of webex-iac, usable from any Pulumi Python program.

    from resources import LicenseDistribution, LicenseDistributionArgs, LicensePool, LicenseRef

Each kind lives in its own module with its Args and Outputs models and CRUD, on the typed base
of ``_provider.py``; this registry only lists them. Each kind's type token is defined once, by
its class (``MeetingSite.TYPE_NAME == "pulumi-python:dynamic/webex:MeetingSite"``); policies,
the CLI and readers of the state tell kinds apart by it.
"""

from . import _lifeline as lifeline
from ._common import ERROR_30105, LicenseRef, Model
from ._provider import TYPE_PREFIX, Outputs, Secret, WebexProvider, WebexResource
from ._runtime import ConfigError, MissingCredentials, OrgSnapshot, config_getter, make_client, settings_from_config, settings_key
from .license_distribution import LicenseDistribution, LicenseDistributionArgs, LicensePool, resolve_license
from .meeting_site import CommonSettings, Holders, MeetingSite, MeetingSiteArgs
from .service_app import Guest, ServiceApp, ServiceAppArgs
from .standing_meeting import Invitee, MeetingOptions, StandingMeeting, StandingMeetingArgs

#: kind name → (resource class, args class); the stack-file loader and the policies use it.
KINDS = {
    cls.KIND: (cls, cls.provider_class.args_model) for cls in (MeetingSite, ServiceApp, LicenseDistribution, StandingMeeting)
}

__all__ = [
    "ERROR_30105",
    "KINDS",
    "TYPE_PREFIX",
    "Outputs",
    "Secret",
    "WebexProvider",
    "WebexResource",
    "ConfigError",
    "MissingCredentials",
    "Model",
    "OrgSnapshot",
    "config_getter",
    "lifeline",
    "make_client",
    "resolve_license",
    "settings_from_config",
    "settings_key",
    "CommonSettings",
    "Guest",
    "Holders",
    "Invitee",
    "LicenseDistribution",
    "LicenseDistributionArgs",
    "LicensePool",
    "LicenseRef",
    "MeetingOptions",
    "MeetingSite",
    "MeetingSiteArgs",
    "ServiceApp",
    "ServiceAppArgs",
    "StandingMeeting",
    "StandingMeetingArgs",
]
