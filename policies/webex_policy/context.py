"""What the policies know besides the resource they look at: the stack and the live org.

* **Stack config.** The engine hands every policy pack the stack's decrypted config and the
  list of secret keys in ``ConfigureStack`` (the engine here is v3.274.1). pulumi-policy 1.21
  keeps only the stack tags from that call, so :func:`install_configure_hook` records the
  rest. Without that call (an older engine, or a pack started by a language host) the same
  values come from the environment the engine gives language-host packs: ``PULUMI_CONFIG``
  (JSON) and ``PULUMI_CONFIG_SECRET_KEYS``; and the org connection can be given explicitly as
  ``WEBEX_BASE_URL`` / ``WEBEX_TOKEN`` (/ ``WEBEX_ORG_ID``).
* **The stack file.** ``stacks/<stack>.yaml`` of the project the engine runs in (the pack's
  launcher records that directory in ``WEBEX_POLICY_PWD``; ``WEBEX_IAC_PROJECT_DIR`` overrides)
  for its reviewed ``policy:`` section.
* **The live org.** Read once per preview with the same credentials as the providers
  (``webex:baseUrl``, ``webex:token`` or the Service App keys), through the same shared
  snapshot the providers use (:class:`resources._runtime.OrgSnapshot`). When it cannot be read,
  :meth:`StackContext.org` returns ``None`` and says why in :attr:`StackContext.org_error`;
  policies then fall back to what the stack declares (e.g. a pool's ``capacity``).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNREACHABLE_RETRIES = "1"  # the policy pack must not wait minutes on an org that is down


@dataclass
class StackContext:
    project: str = ""
    stack: str = ""
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: set[str] = field(default_factory=set)
    dry_run: bool = True
    configured: bool = False
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _org: Any = field(default=None, repr=False)
    _org_loaded: bool = False
    org_error: str | None = None
    _settings: Any = field(default=None, repr=False)

    # -- stack ------------------------------------------------------------------------------
    def configure(self, *, project: str, stack: str, config: dict[str, str], secret_keys: set[str],
                  dry_run: bool) -> None:
        with self._lock:
            self.project, self.stack, self.dry_run = project, stack, dry_run
            self.config, self.secret_keys = dict(config), set(secret_keys)
            self.configured = True
            self._org, self._org_loaded, self.org_error, self._settings = None, False, None, None

    def ensure_configured(self) -> None:
        """Fall back to the environment when the engine never called ConfigureStack."""
        with self._lock:
            if self.configured:
                return
            try:
                config = json.loads(os.environ.get("PULUMI_CONFIG") or "{}")
            except ValueError:
                config = {}
            try:
                secret = set(json.loads(os.environ.get("PULUMI_CONFIG_SECRET_KEYS") or "[]"))
            except ValueError:
                secret = set()
            self.configure(project=os.environ.get("PULUMI_PROJECT", "webex-iac"),
                           stack=os.environ.get("PULUMI_STACK", ""), config=config, secret_keys=secret,
                           dry_run=os.environ.get("PULUMI_DRY_RUN", "true") == "true")

    @property
    def project_dir(self) -> Path:
        return Path(os.environ.get("WEBEX_IAC_PROJECT_DIR") or os.environ.get("WEBEX_POLICY_PWD") or os.getcwd())

    @property
    def stack_file(self) -> str:
        """The stack file as the loader names it in ``source`` (relative to the project)."""
        return f"stacks/{self.stack}.yaml"

    @property
    def config_file(self) -> str:
        rel = f"stacks/Pulumi.{self.stack}.yaml"
        return rel if (self.project_dir / rel).exists() else f"Pulumi.{self.stack}.yaml"

    def qualified(self, key: str) -> str:
        """A bare config key is in the project's namespace, as `pulumi config set` writes it."""
        return key if ":" in key else f"{self.project or 'webex-iac'}:{key}"

    def settings(self):
        """The stack file's reviewed ``policy:`` section (defaults when absent or unreadable)."""
        from webex_iac.stack_file import PolicySettings

        with self._lock:
            if self._settings is None:
                data: Any = None
                path = self.project_dir / self.stack_file
                if path.exists():
                    from ruamel.yaml import YAML

                    try:
                        data = YAML(typ="safe").load(path.read_text())
                    except Exception:  # noqa: BLE001 - the program reports a broken file itself
                        data = None
                section = data.get("policy") if isinstance(data, dict) else None
                try:
                    self._settings = PolicySettings.model_validate(section or {})
                except ValueError:
                    self._settings = PolicySettings()
            return self._settings

    # -- live org ---------------------------------------------------------------------------
    def org(self) -> "OrgView | None":
        self.ensure_configured()
        with self._lock:
            if not self._org_loaded:
                self._org_loaded = True
                try:
                    self._org = OrgView(self._webex_config())
                    self._org.load()
                except Exception as e:  # noqa: BLE001 - any failure means "fall back"
                    self._org = None
                    self.org_error = f"{type(e).__name__}: {e}".splitlines()[0][:300]
            return self._org

    def _webex_config(self):
        from resources._runtime import WebexConfig

        env = {"baseUrl": os.environ.get("WEBEX_BASE_URL"), "token": os.environ.get("WEBEX_TOKEN"),
               "orgId": os.environ.get("WEBEX_ORG_ID"), "maxRetries": UNREACHABLE_RETRIES}

        def get(key: str) -> str | None:
            value = self.config.get(f"webex:{key}")
            return value if value not in (None, "") else env.get(key)

        return WebexConfig.from_config(get)


class OrgView:
    """The live org as the policies need it: pools, holders, people and group members."""

    def __init__(self, config) -> None:
        from resources._runtime import OrgSnapshot

        self.config = config
        self.client = config.make_client()
        self.snap = OrgSnapshot(self.client, config.org_id)
        self._holders: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def load(self) -> None:
        self.snap.licenses()
        self.snap.people()
        self.snap.groups()

    def licenses(self) -> list:
        return list(self.snap.licenses().values())

    def resolve(self, ref: dict[str, Any]):
        """The License a pool's ``license:`` reference names, or a string saying why not."""
        from resources._common import LicenseRef
        from resources.license_distribution import _resolve

        try:
            parsed = LicenseRef.model_validate({k: v for k, v in ref.items() if k != "source"})
        except ValueError as e:
            return str(e)
        return _resolve(parsed, self.snap.licenses())

    def person_id(self, email: str) -> str | None:
        p = self.snap.person(email)
        return p.id if p is not None else None

    def email(self, person_id: str) -> str:
        p = self.snap.person_by_id(person_id)
        return self.snap.primary_email(p) if p is not None else person_id

    def group_member_ids(self, name: str) -> list[str] | None:
        return self.snap.group_member_ids(name)

    def holders(self, license_id: str) -> set[str]:
        """Person ids holding ``license_id`` now (computed once per pool: the people list is big)."""
        with self._lock:
            if license_id not in self._holders:
                self._holders[license_id] = self.snap.holders(license_id)
            return self._holders[license_id]


CONTEXT = StackContext()


def install_configure_hook() -> bool:
    """Record the stack config the engine sends in ConfigureStack (see the module docstring)."""
    try:
        from pulumi_policy import policy as pp
    except ImportError:  # pragma: no cover
        return False
    servicer = getattr(pp, "_PolicyAnalyzerServicer", None)
    original = getattr(servicer, "ConfigureStack", None)
    if original is None or getattr(original, "_webex_iac_hook", False):
        return False

    def ConfigureStack(self, request, context):  # noqa: N802 - gRPC method name
        CONTEXT.configure(project=request.project, stack=request.stack, config=dict(request.config),
                          secret_keys=set(request.config_secret_keys), dry_run=request.dry_run)
        return original(self, request, context)

    ConfigureStack._webex_iac_hook = True  # type: ignore[attr-defined]
    servicer.ConfigureStack = ConfigureStack
    return True
