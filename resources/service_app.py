"""ServiceApp: a Service App authorized for the org, its org token, and the guests it issues.

Service Apps are created by a developer on developer.webex.com and authorized by a Full Admin
in Control Hub; neither step has a public API (docs/webex-behaviour.md "Service Apps"). This resource declares the
app for the org, verifies the authorization (``POST /applications/{id}/token`` answers 403
until it exists, and the error says exactly what to click), mints the org-specific token and
exposes it only as a secret output, renewing it on ``up`` when it is near expiry. Guests are
issued through the app (``POST /guests/token``), the replacement of the deprecated Guest Issuer.

The client secret never enters the inputs or the state: ``clientSecretConfig`` names a secret
stack config key, read by the provider at run time.

Minting credential (issue 12 item 1): ``POST /applications/{id}/token`` is called with the
``webex:mintingToken`` stack config, an integration (or other Service App) token holding
``spark:applications_token`` - never the admin token the provider otherwise uses, and never the
app's own. Without it ``check`` (so preview) fails and says what to configure. A 403 is told
apart: the generic "missing required scopes" answer means the minting token lacks
``spark:applications_token``; "Service App not authorized by Full Admin" means Control Hub.
``grantedScopes`` comes from the ``scope`` of the OAuth token response (``POST /access_token``,
docs/webex-behaviour.md "Tokens and OAuth"): the mint response has no such field, so a fresh pair is refreshed once.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult
from pydantic import Field
from pydantic.alias_generators import to_camel

from webex_client import OAuthError, PermissionDeniedError
from ._common import Model
from ._provider import Outputs, Secret, WebexProvider, WebexResource

MINTING_SCOPE = "spark:applications_token"
# The 403 wording of POST /applications/{id}/token when the app lacks the org's authorization
# (docs/webex-behaviour.md "Service Apps"); any other 403 there is the minting token's scope or role.
_NOT_AUTHORIZED_MARK = "not authorized by full admin"

DEFAULT_RENEW_BEFORE_SECONDS = 24 * 3600  # as wxc_sdk: refresh when under a day is left


class Guest(Model):
    subject: str = Field(min_length=1, description="Your stable identifier for the guest.")
    display_name: str = Field(min_length=1)


class ServiceAppArgs(Model):
    """Inputs of a :class:`ServiceApp`."""

    owner: str | None = None
    application_id: str = Field(description="The app id from developer.webex.com (base64 ciscospark://us/APPLICATION/...).")
    client_id: str
    client_secret_config: str = Field(
        description="Stack config key holding the client secret, e.g. webex-iac:provisioningClientSecret "
        "(set with `pulumi config set --secret`).",
    )
    target_org_id: str | None = Field(default=None, description="Org to mint the token for (default: webex:orgId).")
    scopes: list[str] = Field(default_factory=list, description="Scopes the app is expected to hold (policy allow-list).")
    guests: list[Guest] = Field(default_factory=list)
    renew_before_seconds: int | None = Field(
        default=None,
        ge=0,
        description="Renew the token on `up` when less than this is left. Default: a day, or half "
        "the token's lifetime for shorter-lived tokens (so a fresh token is never 'near expiry').",
    )


class IssuedGuest(Model):
    subject: str
    display_name: str
    person_id: str | None = None
    email: str | None = None


class ServiceAppOutputs(Outputs):
    """What a :class:`ServiceApp` adds to its inputs in the state; tokens are secret."""

    access_token: Secret[str | None] = Field(default=None, description="The app's org token.")
    refresh_token: Secret[str | None] = None
    expires_at: float | None = Field(default=None, description="Unix time the access token expires.")
    token_lifetime: int | None = None
    granted_scopes: list[str] | None = Field(default=None, description="Scopes the org granted (the token's `scope`).")
    token_renewals: int | None = None
    issued_guests: list[IssuedGuest] | None = None
    guest_tokens: Secret[dict[str, str] | None] = Field(default=None, description="Guest subject -> guest token.")
    guest_tokens_expire_at: float | None = None


def _renew_threshold(args: "ServiceAppArgs", olds: dict[str, Any] | None) -> float:
    if args.renew_before_seconds is not None:
        return float(args.renew_before_seconds)
    lifetime = float((olds or {}).get("tokenLifetime") or DEFAULT_RENEW_BEFORE_SECONDS * 2)
    return min(DEFAULT_RENEW_BEFORE_SECONDS, lifetime / 2)


def _qualified(key: str) -> str:
    # A bare key is in the project's namespace, as `pulumi config set` writes it.
    return key if ":" in key else f"{os.environ.get('PULUMI_PROJECT', 'webex-iac')}:{key}"


class ServiceAppProvider(WebexProvider[ServiceAppArgs]):
    args_model = ServiceAppArgs
    outputs_model = ServiceAppOutputs

    def check_args(self, args: ServiceAppArgs, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        if not self._secret(args):
            failures.append(
                CheckFailure(
                    "clientSecretConfig",
                    f"stack config {args.client_secret_config!r} is not set: "
                    f"pulumi config set --secret {args.client_secret_config} <client secret>",
                )
            )
        if not (args.target_org_id or self.runtime.org_id):
            failures.append(CheckFailure("targetOrgId", "set targetOrgId or webex:orgId"))
        if not self._minting_token():
            failures.append(
                CheckFailure(
                    "applicationId",
                    "webex:mintingToken is not set: Service App tokens are minted with an integration token "
                    f"holding {MINTING_SCOPE} (not the admin token): "
                    "pulumi config set --secret webex:mintingToken <integration token>",
                )
            )
        return CheckResult(self.inputs(args, news), failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        args = self.parse(news)
        if olds.get("applicationId") != args.application_id or (olds.get("targetOrgId") or None) != (args.target_org_id or None):
            return DiffResult(changes=True, replaces=["applicationId"], delete_before_replace=True)
        near_expiry = float(olds.get("expiresAt") or 0) - time.time() < _renew_threshold(args, olds)
        # Guest tokens live hours, not days: renew them in their last hour.
        guests_expiring = float(olds.get("guestTokensExpireAt") or 0) - time.time() < 3600
        changes = self.declaration_changed(olds, news) or near_expiry or (bool(args.guests) and guests_expiring)
        return DiffResult(changes=changes, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = self.parse(props)
        outs = self._token_outputs(args, None)
        outs.update(self._guests(args, outs["access_token"]))
        return CreateResult(id_=f"{args.application_id}@{self._org(args)}", outs=self.outputs(args, props, **outs))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        args = self.parse(news)
        outs = self._token_outputs(args, olds)
        outs.update(self._guests(args, outs["access_token"], olds))
        return UpdateResult(outs=self.outputs(args, news, **outs))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Nothing to read back (a token cannot be looked up); the state is what was minted.
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # Deauthorizing the app would cut off whatever provisions through it; stop managing only.
        return None

    # -- helpers ---------------------------------------------------------------------------
    def _org(self, args: ServiceAppArgs) -> str:
        return args.target_org_id or self.runtime.org_id or ""

    def _secret(self, args: ServiceAppArgs) -> str | None:
        return self.runtime.raw_get(_qualified(args.client_secret_config))

    def _minting_token(self) -> str | None:
        return self.runtime.config.minting_token

    def _token_outputs(self, args: ServiceAppArgs, olds: dict[str, Any] | None) -> dict[str, Any]:
        client = self.runtime.client
        secret = self._secret(args)
        if not secret:
            raise ValueError(f"stack config {args.client_secret_config!r} (the client secret) is not set")
        near_expiry = not olds or float(olds.get("expiresAt") or 0) - time.time() < _renew_threshold(args, olds)
        if olds and not near_expiry and olds.get("accessToken"):
            return {
                k: olds.get(to_camel(k))
                for k in ("access_token", "refresh_token", "expires_at", "token_lifetime", "granted_scopes", "token_renewals")
            }
        token = None
        if olds and olds.get("refreshToken"):
            try:
                token = client.service_apps.refresh_token(
                    client_id=args.client_id, client_secret=secret, refresh_token=olds["refreshToken"]
                )
            except OAuthError:
                token = None  # refresh token expired or revoked: mint a new pair
        if token is None:
            minting = self._minting_token()
            if not minting:
                raise ValueError(
                    "webex:mintingToken is not set (an integration token holding "
                    f"{MINTING_SCOPE}); it mints the Service App's org token"
                )
            try:
                token = client.service_apps.mint_with_scopes(
                    args.application_id,
                    client_id=args.client_id,
                    client_secret=secret,
                    target_org_id=self._org(args),
                    minting_token=minting,
                )
            except PermissionDeniedError as e:
                if _NOT_AUTHORIZED_MARK not in (e.message or "").lower():
                    raise PermissionError(
                        f"webex:mintingToken cannot mint tokens for Service App {args.application_id}: it lacks "
                        f"the scope {MINTING_SCOPE} (mint with an integration or Service App token that holds "
                        f"it). Webex said: {e.message}"
                    ) from None
                raise PermissionError(
                    f"Service App {args.application_id} (client id {args.client_id}) is not authorized for org "
                    f"{self._org(args)}: a Full Administrator of that org must open Control Hub > Apps > Service "
                    f"Apps, select the app and click Authorize (requested scopes: "
                    f"{', '.join(args.scopes) or 'as registered'}). Webex said: {e.message}"
                ) from None
        return {
            "access_token": token.access_token.get_secret_value(),
            "refresh_token": token.refresh_token.get_secret_value() if token.refresh_token else None,
            "expires_at": time.time() + (token.expires_in or 0),
            "token_lifetime": token.expires_in,
            "granted_scopes": sorted(token.scopes) if token.scope is not None else None,
            "token_renewals": int((olds or {}).get("tokenRenewals") or 0) + (1 if olds else 0),
        }

    def _guests(self, args: ServiceAppArgs, access_token: str, olds: dict[str, Any] | None = None) -> dict[str, Any]:
        if not args.guests:
            return {"issued_guests": [], "guest_tokens": {}, "guest_tokens_expire_at": None}
        rt = self.runtime
        # The app's own token, over the provider's connection pool and throttle.
        app_client = rt.client.with_options(token=access_token)
        issued = app_client.map_concurrent(lambda g: app_client.guests.create(g.subject, g.display_name), args.guests)
        issued.raise_first()
        answers = [r.value for r in issued if r.value is not None]
        if len(answers) != len(args.guests):
            raise RuntimeError(f"{len(args.guests) - len(answers)} guest token requests returned no guest")
        guests = [
            IssuedGuest(subject=g.subject, display_name=g.display_name, person_id=t.id, email=t.email)
            for g, t in zip(args.guests, answers)
        ]
        tokens = {g.subject: t.access_token.get_secret_value() for g, t in zip(args.guests, answers)}
        expires = min((t.expires_in or 0) for t in answers)
        return {"issued_guests": guests, "guest_tokens": tokens, "guest_tokens_expire_at": time.time() + expires}


class ServiceApp(WebexResource, kind="ServiceApp"):
    """A Service App authorized for the org; see the module docstring."""

    provider_class = ServiceAppProvider
    accessToken: pulumi.Output[str]
    issuedGuests: pulumi.Output[list]

    def __init__(self, resource_name: str, args: ServiceAppArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(resource_name, args, opts)
