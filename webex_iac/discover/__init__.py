"""``webex-iac discover``: write ``stacks/<stack>.yaml`` from a live org, so ``up`` adopts it.

What is written, and why
========================

* **sites** — one ``MeetingSite`` per meeting site (a site exists when a license pool has its
  ``siteUrl``) with every *writable* common setting that could be read
  (``telephonyConfig`` is read-only and never written). ``up`` adopts the site; the settings
  equal the live ones, so nothing is patched.
* **licenses** — pools and their holders, exclusive (the file becomes the truth):

  - one distribution ``meetings`` holds **every meeting-site pool** (pools keyed by
    ``siteUrl``; ``subscriptionId`` or ``id`` only when a site has several pools): users move
    between sites, and one distribution moves a user with one ``PATCH`` carrying both the
    remove and the add, within both pools' capacity;
  - **one distribution per other pool** (keyed by ``id``; the license name is a comment —
    names are not stable, docs/webex-behaviour.md "Ids"), named after the license;
  - pools without holders are not declared (an empty exclusive pool would be a promise that
    nobody ever gets that license); the notes at the end of the file list them;
  - holders are grouped readably: a group whose members *all* hold the license is declared
    by name (largest groups first, skipping groups that add nobody), the rest by email.
    A declared group is live membership: whoever joins it later gets the license on ``up``.
* **meetings** — each standing series (``meetingSeries`` that is not a space meeting and is a
  plain ``meeting``, not a webinar) whose span overlaps the next ``--horizon-days``, hosted by
  someone with an account on a meeting site (holder of a meeting license or attendee account;
  without one the Meetings API has no site to list). One ``GET /meetings?hostEmail=`` per
  such person, at most ``--max-host-scans`` (the notes say when the scan was truncated), plus
  one ``GET /meetingInvitees`` per series found. Each is written with ``adoptMeetingId`` and
  its live title, agenda, first occurrence, duration, timezone, recurrence and invitees, so
  adopting patches nothing. Meeting options are not declared (not managed until you add them).
  **Space meetings** (``roomId``) are not declared — a space is no longer a meeting destination
  (error 30105) — but listed in the notes, for ``webex-iac migration-report``.
* **serviceApps** — no API lists the Service Apps authorized for an org, and the machine
  account that holds an app's grants is not a directory person. Discover reads
  ``GET /authorizations`` for the org's admins (at most 25) and lists the applications found
  in the notes, with a commented ``serviceApps`` template. It never declares one: its client
  secret cannot be read, and ``up`` of a ServiceApp mints the org token
  (``POST /applications/{id}/token``), a write that adoption must not make.

Running ``up`` on the discovered file creates Pulumi resources only: no ``POST``/``PATCH``/
``PUT``/``DELETE`` reaches the org.

Re-running on an edited file
============================

The existing file is loaded with ruamel.yaml (round trip) and updated in place: values the org
changed are updated, new entries are appended at the end of their section, entries that
vanished from the org are dropped (comments that stood between them and the next entry are
kept). Human structure wins — a group a human replaced by users is not re-added, a common
setting a human removed is not re-added, a meeting declared without ``adoptMeetingId`` is
left alone (and its live series is not adopted a second time); the org wins on values. The two
comment blocks between ``>>> webex-iac discover`` and ``<<< webex-iac discover`` markers are
rewritten on every run; every other comment is the humans'. Discover makes the file describe
the org: run it before editing, not between an edit and its ``up``.

The package
===========

``connection`` (credentials, the first call), ``org_read`` (the read of the org, the public API
``migration-report`` and ``snapshot`` build on), ``yaml_doc`` (round-trip editing; the only
module touching ruamel's comment internals), ``naming``, one ``merge_*`` module per stack-file
section, ``notes`` (the generated comment blocks), ``document`` (load, merge, validate, write)
and ``command`` (the click command). Pool labels, emails and the pools of a site are
:mod:`webex_iac.org_model`'s.
"""

from __future__ import annotations

from ..org_model import license_ref, pool_label, pool_vanished, primary_email, resolve_pool, role_names
from .command import common_options, default_stack_path, discover_command, run_discover, with_common
from .connection import (
    Connection,
    DiscoverError,
    connect,
    read_stack_config,
    validate_base_url_option,
    validate_stack_name,
)
from .document import build_document, load_existing, validate_text, write_text
from .merge_licenses import meeting_distribution
from .merge_meetings import check_meeting, meeting_props
from .naming import group_holders, slug, unique_name
from .notes import MEETINGS_DISTRIBUTION, Notes, header_lines, notes_lines
from .org_read import (
    ADMIN_ROLES,
    DEFAULT_HORIZON_DAYS,
    DEFAULT_MAX_HOST_SCANS,
    MAX_ADMINS_FOR_AUTHORIZATIONS,
    TOKEN_ADMIN_ROLES,
    LiveMeeting,
    OrgRead,
    Steps,
    read_org,
    writable_settings,
)
from .yaml_doc import BLOCK_END, BLOCK_START, SCHEMA_LINE, flow, flow_seq, remove, render, set_value, strip_generated, yaml_rt

__all__ = [
    "ADMIN_ROLES",
    "BLOCK_END",
    "BLOCK_START",
    "DEFAULT_HORIZON_DAYS",
    "DEFAULT_MAX_HOST_SCANS",
    "MAX_ADMINS_FOR_AUTHORIZATIONS",
    "MEETINGS_DISTRIBUTION",
    "SCHEMA_LINE",
    "TOKEN_ADMIN_ROLES",
    "Connection",
    "DiscoverError",
    "LiveMeeting",
    "Notes",
    "OrgRead",
    "Steps",
    "build_document",
    "check_meeting",
    "common_options",
    "connect",
    "default_stack_path",
    "discover_command",
    "flow",
    "flow_seq",
    "group_holders",
    "header_lines",
    "license_ref",
    "load_existing",
    "meeting_distribution",
    "meeting_props",
    "notes_lines",
    "pool_label",
    "pool_vanished",
    "primary_email",
    "read_org",
    "read_stack_config",
    "remove",
    "render",
    "resolve_pool",
    "role_names",
    "run_discover",
    "set_value",
    "slug",
    "strip_generated",
    "unique_name",
    "validate_base_url_option",
    "validate_stack_name",
    "validate_text",
    "with_common",
    "writable_settings",
    "write_text",
    "yaml_rt",
]
