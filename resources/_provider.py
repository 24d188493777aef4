"""The base every Webex provider shares: configuration at run time, never captured in state."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, ResourceProvider
from pydantic import ValidationError

from . import _errors, _lifeline
from ._runtime import ConfigError, Runtime, config_getter, get_runtime, raw_getter, runtime_for, settings_from_config


class WebexProvider(ResourceProvider):
    """Subclasses implement check/diff/create/read/update/delete with ``self.runtime``.

    Instances are created in the program and pickled (by reference to this module) into
    state: they hold no attributes at that time. ``configure`` runs in the provider process
    and stores only the key of a :class:`Runtime`, which keeps the token out of every pickle.
    """

    _runtime_key: tuple | None = None
    _config_error: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        self.configure_from(req.config)

    def configure_from(self, config: Any) -> None:
        # In the provider process (not in the program): errors as sentences, exit with the engine.
        if _errors.install():
            _lifeline.watch()
        try:
            cfg = settings_from_config(config_getter(config))
            _errors.credentials = (
                f"the Service App {cfg.service_app_id!r} (webex:serviceAppId; its token is minted with webex:mintingToken)"
                if cfg.service_app_id else "the admin token in webex:token")
            self._runtime_key = runtime_for(cfg, raw_getter(config))
            self._config_error = None
        except ConfigError as e:  # reported by the first operation that needs the org
            self._config_error = str(e)

    @property
    def runtime(self) -> Runtime:
        if self._config_error:
            raise ConfigError(self._config_error)
        return get_runtime(self._runtime_key)

    def __getstate__(self) -> dict:
        # Belt and braces: nothing configured at run time is ever serialised.
        return {}


def invalid_inputs(news: dict[str, Any], error: ValidationError) -> CheckResult:
    """Check failures naming each invalid property (inputs from library users, not YAML)."""
    return CheckResult(news, [
        CheckFailure(".".join(map(str, err["loc"])) or "inputs", err["msg"].removeprefix("Value error, "))
        for err in error.errors()
    ])
