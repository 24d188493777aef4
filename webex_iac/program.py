"""The Pulumi program body: declare the current stack's Webex org from ``stacks/<stack>.yaml``.

The file is loaded and validated before any resource is declared, so a broken file fails the
run with file:line:field and the providers never start: zero API calls.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from resources import LicenseDistribution, MeetingSite, ServiceApp, StandingMeeting
from resources import lifeline as _lifeline

from .engine import REPO_ROOT
from .stack_file import StackFile, StackFileError, load_stack_file


def stack_file(stack: str, project_dir: Path = REPO_ROOT) -> Path:
    return project_dir / "stacks" / f"{stack}.yaml"


def declare(desired: StackFile) -> dict[str, pulumi.Resource]:
    """Declare one resource per entry; returns them by ``kind/name``.

    ``protect: true`` in the stack file is Pulumi's ``protect`` option (None leaves it unset).
    """
    out: dict[str, pulumi.Resource] = {}
    for name, dist in desired.licenses.items():
        out[f"licenses/{name}"] = LicenseDistribution(name, dist, pulumi.ResourceOptions(protect=dist.protect))
    # A user's default site and a host's meetings need the license on that site first.
    depends = [r for k, r in out.items() if k.startswith("licenses/")]
    for name, site in desired.sites.items():
        out[f"sites/{name}"] = MeetingSite(name, site, pulumi.ResourceOptions(depends_on=depends, protect=site.protect))
    for name, app in desired.service_apps.items():
        out[f"serviceApps/{name}"] = ServiceApp(name, app, pulumi.ResourceOptions(protect=app.protect))
    meetings = {}
    for name, meeting in desired.meetings.items():
        res = StandingMeeting(name, meeting, pulumi.ResourceOptions(depends_on=depends, protect=meeting.protect))
        out[f"meetings/{name}"] = res
        meetings[name] = {
            "meetingId": res.meetingId,
            "meetingNumber": res.meetingNumber,
            "sipAddress": res.sipAddress,
            "webLink": res.webLink,
        }
    if meetings:
        # What the Web SDK and the Meetings Widget take as meetingDestination.
        pulumi.export("meetings", meetings)
    return out


def declare_stack(project_dir: Path = REPO_ROOT) -> None:
    # Run by Pulumi's language host: take that host down with us if the engine is killed.
    _lifeline.release_language_host()
    stack = pulumi.get_stack()
    path = stack_file(stack, project_dir)
    if not path.exists():
        raise pulumi.RunError(
            f"{path.relative_to(project_dir)} does not exist: declare the stack's org there "
            f"(or run `webex-iac discover --stack {stack}` to write it from the live org)"
        )
    try:
        desired = load_stack_file(path, display=str(path.relative_to(project_dir)))
    except StackFileError as e:
        raise pulumi.RunError(f"invalid stack file:\n{e}") from None
    declare(desired)
