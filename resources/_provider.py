"""The base every Webex resource shares: typed inputs and outputs, configuration at run time.

A resource kind is three declarations and its CRUD:

* an **Args** model (:class:`~resources._common.Model`): the declared inputs;
* an **Outputs** model (:class:`Outputs`): what the provider adds to the state, with its
  secrets marked in place (``Secret[...]``);
* a :class:`WebexResource` subclass naming its ``kind`` (the one definition of its type token)
  and a :class:`WebexProvider` subclass naming the two models.

Naming (decided in issue 16): Python uses snake_case, the state uses camelCase, for inputs and
outputs alike: every model generates its camelCase aliases (pydantic's ``to_camel``), so the
state keys are the ones earlier releases wrote (``siteUrl``, ``meetingId``, ``accessToken``).
Renaming them would show every resource as changed after an upgrade and break readers of the
state (stack outputs, the policy pack, ``webex-iac plan-summary``); tests/upgrade proves it.

Inputs are parsed once, by alias, in one place (:meth:`WebexProvider.parse`): the keys taken
from a property bag are the aliases of the Args model's fields, so no field can be dropped by a
key filter that disagrees with the model. Whatever else the bag carries (outputs, the engine's
``__provider``, keys an older release wrote) is not an input. Invalid inputs are check failures
naming the property, never a traceback. ``diff`` compares only declared inputs.

Provider instances are created in the program and pickled (by reference to their module) into
state: they hold no attributes at that time. ``configure`` runs in the provider process and
stores only the key of a :class:`~resources._runtime.Runtime`, which keeps the token out of
every pickle.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Generic, TypeVar

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, Resource, ResourceProvider
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

from . import _errors, _lifeline
from ._common import Model
from ._runtime import ConfigError, Runtime, config_getter, get_runtime, raw_getter, runtime_for, settings_from_config

#: Every kind's type token is ``TYPE_PREFIX + kind`` (the Python SDK's dynamic-resource token).
TYPE_PREFIX = "pulumi-python:dynamic/webex:"

T = TypeVar("T")
ArgsT = TypeVar("ArgsT", bound=Model)


class _SecretMarker:
    def __repr__(self) -> str:
        return "SECRET"


SECRET = _SecretMarker()
#: An output Pulumi stores encrypted and shows as [secret]: ``access_token: Secret[str | None] = None``.
Secret = Annotated[T, SECRET]


class Outputs(BaseModel):
    """What a provider adds to the state besides the inputs: camelCase keys, secrets marked."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    @classmethod
    def names(cls) -> list[str]:
        """The state keys of these outputs."""
        return [f.alias or n for n, f in cls.model_fields.items()]

    @classmethod
    def secret_names(cls) -> list[str]:
        """The state keys Pulumi must keep secret (``additional_secret_outputs``)."""
        return [f.alias or n for n, f in cls.model_fields.items() if SECRET in f.metadata]

    def to_state(self) -> dict[str, Any]:
        # None stays in: an output that has no value yet is still an output (and was so before).
        return self.model_dump(mode="json", by_alias=True)


def input_keys(model: type[BaseModel]) -> frozenset[str]:
    """The state keys of a model's inputs: its fields' aliases (camelCase)."""
    return frozenset(f.alias or n for n, f in model.model_fields.items())


def property_path(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a Pulumi property path: ``pools[0].users[3]``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "inputs"


def invalid_inputs(news: dict[str, Any], error: ValidationError) -> CheckResult:
    """Check failures naming each invalid property (inputs from library users, not YAML)."""
    return CheckResult(
        news, [CheckFailure(property_path(tuple(err["loc"])), err["msg"].removeprefix("Value error, ")) for err in error.errors()]
    )


class WebexProvider(ResourceProvider, Generic[ArgsT]):
    """Subclasses name ``args_model`` and ``outputs_model`` and implement ``check_args`` and
    diff/create/read/update/delete with ``self.runtime``."""

    args_model: ClassVar[type[Model]]
    outputs_model: ClassVar[type[Outputs]]
    #: Inputs the program sets besides the declaration (e.g. the resource name): kept in the
    #: inputs, never part of the declaration ``diff`` compares.
    carried: ClassVar[tuple[str, ...]] = ()

    _runtime_key: tuple | None = None
    _config_error: str | None = None

    # -- inputs ------------------------------------------------------------------------------
    @classmethod
    def declared(cls, props: dict[str, Any]) -> dict[str, Any]:
        """The declared inputs in a property bag (inputs, or outputs, which contain them)."""
        keys = input_keys(cls.args_model)
        return cls.upgrade({k: v for k, v in props.items() if k in keys})

    @classmethod
    def upgrade(cls, declared: dict[str, Any]) -> dict[str, Any]:
        """Turn what an older release stored into today's inputs (overridden where one differs)."""
        return declared

    @classmethod
    def parse(cls, props: dict[str, Any]) -> ArgsT:
        """The Args of a property bag, validated (raises ``ValidationError``)."""
        return cls.args_model.model_validate(cls.declared(props))  # type: ignore[return-value]

    def inputs(self, args: Model, news: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """The normalised inputs check returns: the declaration, the carried keys, ``extra``."""
        return {**args.to_props(), **{k: news.get(k) for k in self.carried}, **extra}

    def declaration_changed(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """Whether the declared inputs differ (outputs and carried keys are not compared).

        Both sides are normally check's normalised inputs, so plain dicts compare; only when
        they differ are both validated (state from an older release may spell a default out)."""
        old, new = self.declared(olds), self.declared(news)
        if old == new:
            return False
        try:
            return self.parse(old).to_props() != self.parse(new).to_props()
        except ValidationError:
            return True

    def outputs(self, args: Model, news: dict[str, Any], **values: Any) -> dict[str, Any]:
        """Everything a create/update/read stores: the inputs and the typed outputs."""
        return {**self.inputs(args, news), **self.outputs_model(**values).to_state()}

    # -- check -------------------------------------------------------------------------------
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        try:
            args = self.parse(news)
        except ValidationError as e:
            return invalid_inputs(news, e)
        return self.check_args(args, olds, news)

    def check_args(self, args: ArgsT, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Rules beyond the model (the live org); the inputs are valid."""
        return CheckResult(self.inputs(args, news), [])

    # -- configuration ----------------------------------------------------------------------
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
                if cfg.service_app_id
                else "the admin token in webex:token"
            )
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


class WebexResource(Resource):
    """A Webex resource kind: ``class MeetingSite(WebexResource, kind="MeetingSite")``.

    ``kind`` is the one definition of the type token (``TYPE_NAME``); the registry
    (``resources.KINDS``), the policies and the CLI read it from here.
    """

    KIND: ClassVar[str]
    TYPE_NAME: ClassVar[str]
    provider_class: ClassVar[type[WebexProvider]]

    def __init_subclass__(cls, kind: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(module="webex", name=kind, **kwargs)
        cls.KIND, cls.TYPE_NAME = kind, TYPE_PREFIX + kind

    def __init__(self, resource_name: str, args: Model, opts: pulumi.ResourceOptions | None = None, **carried: Any) -> None:
        provider = self.provider_class
        # Outputs start unknown; the secret ones are declared once, by the Outputs model.
        props = {**args.to_props(), **carried, **{k: None for k in provider.outputs_model.names()}}
        secrets = provider.outputs_model.secret_names()
        if secrets:
            opts = pulumi.ResourceOptions.merge(pulumi.ResourceOptions(additional_secret_outputs=secrets), opts)
        super().__init__(provider(), resource_name, props, opts)
