"""Connecting to the stack's org: credentials from the stack (Automation API) or WEBEX_ACCESS_TOKEN, never argv."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from resources import ConfigError, MissingCredentials, make_client, settings_from_config
from webex_client import (
    APIConnectionError,
    AuthenticationError,
    ClientSettings,
    NotFoundError,
    PermissionDeniedError,
    WebexClient,
    WebexError,
    constants,
)
from webex_client.types.people import Person

from .. import engine

_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class DiscoverError(click.ClickException):
    """A clear, non-zero exit without a traceback (exit code 1)."""


@dataclass
class Connection:
    client: WebexClient
    config: ClientSettings
    stack: str
    token_source: str
    me: Person | None

    def close(self) -> None:
        self.client.close()


def validate_stack_name(ctx: click.Context | None, param: Any, value: str) -> str:
    if not _STACK_NAME.match(value or ""):
        raise click.BadParameter(f"{value!r} is not a stack name (letters, digits, '-', '_', '.')")
    return value


def validate_base_url_option(ctx: click.Context | None, param: Any, value: str | None) -> str | None:
    if value is None:
        return None
    from webex_client import validate_base_url

    try:
        return validate_base_url(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def read_stack_config(stack: str, project_dir: Path) -> tuple[dict[str, Any], str | None]:
    """All config of ``stack`` (secrets decrypted) through the Automation API, or why not."""
    from pulumi.automation import errors as auto_errors

    if not (project_dir / "Pulumi.yaml").exists():
        return {}, f"{project_dir} has no Pulumi.yaml"
    try:
        st = engine.open_stack(stack, settings=engine.EngineSettings(project_dir=project_dir), create=False)
        return {k: v.value for k, v in st.get_all_config().items()}, None
    except engine.EngineError as e:
        return {}, str(e)
    except auto_errors.StackNotFoundError:
        return {}, f"stack {stack!r} does not exist in this project's backend"
    except auto_errors.CommandError as e:
        lines = [ln for ln in str(e).splitlines() if "error" in ln.lower()] or str(e).splitlines()[-1:]
        return {}, f"cannot read stack {stack!r} config: {' '.join(lines)[:300]}"


def connect(stack: str, project_dir: Path, base_url: str | None, requests_per_second: float | None = None) -> Connection:
    """A client for the stack's org: ``webex:token`` (or the Service App keys) from the stack's
    config, else ``WEBEX_ACCESS_TOKEN`` (or the deprecated ``WEBEX_TOKEN``); ``--base-url`` overrides ``webex:baseUrl``. A first call
    (``GET /people/me``) with short retries turns an unreachable org or a rejected token into
    a one-line error instead of minutes of backoff."""
    config, why_no_config = read_stack_config(stack, project_dir)
    if base_url:
        config["webex:baseUrl"] = base_url
    if requests_per_second is not None:
        config["webex:requestsPerSecond"] = str(requests_per_second)
    try:
        cfg = settings_from_config(lambda key: config.get(f"webex:{key}"))
        client = make_client(cfg)
    except MissingCredentials:
        where = f" ({why_no_config})" if why_no_config else ""
        raise DiscoverError(
            f"no Webex credentials for stack {stack!r}{where}: set {constants.TOKEN_ENV_VAR} in the environment "
            f"({constants.DEPRECATED_TOKEN_ENV_VAR} is still read, deprecated), or "
            f"`pulumi config set --secret webex:token <admin token> --stack {stack}`"
        ) from None
    except (ValueError, ConfigError) as e:
        raise DiscoverError(f"invalid Webex settings for stack {stack!r}: {e}") from None
    token_source = (
        "stack config webex:token"
        if config.get("webex:token")
        else (
            "stack config webex:serviceAppId"
            if cfg.service_app_id
            else constants.TOKEN_ENV_VAR
            if os.environ.get(constants.TOKEN_ENV_VAR)
            else constants.DEPRECATED_TOKEN_ENV_VAR
        )
    )
    # The first call fails fast; the connection's later calls keep the full retry policy.
    probe = client.with_options(max_retries=1, max_retry_wait_seconds=2, connect_timeout=5, timeout=20)
    me: Person | None = None
    connected = False
    try:
        me = probe.people.me()
        connected = True
    except APIConnectionError as e:
        raise DiscoverError(f"cannot reach the Webex API at {cfg.base_url}: {e.message or e}") from None
    except AuthenticationError:
        raise DiscoverError(
            f"the Webex API at {cfg.base_url} rejected the token from {token_source} (401): "
            "it is expired, revoked or not a token of this org"
        ) from None
    except (NotFoundError, PermissionDeniedError):
        me, connected = None, True  # a Service App machine account is not a directory person
    except WebexError as e:
        raise DiscoverError(f"the Webex API at {cfg.base_url} answered {e.status}: {e.message}") from None
    finally:
        if not connected:
            client.close()  # the probe shares this client's pool: closing the probe closes nothing
    return Connection(client, cfg, stack, token_source, me)
