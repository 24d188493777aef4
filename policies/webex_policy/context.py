"""What the policies know besides the resource they look at: the stack, its files and the live org.

Everything comes from what the engine gives the pack, never from the working directory:

* **Stack, project and config.** The engine sends ``ConfigureStack`` (project, stack, the
  decrypted config and the list of secret keys) to every pack, directly or through the Python
  language host, which forwards it. pulumi-policy 1.21 (the newest) keeps only the stack tags
  from that call, so :func:`install_configure_hook` records the rest. The language host also
  puts ``PULUMI_CONFIG``/``PULUMI_STACK``/``PULUMI_PROJECT`` in the pack's environment, but not
  the secret keys: without the hook ``no-plaintext-secrets`` could not tell an encrypted value
  from a plaintext one, so the hook stays (pulumi-policy is pinned in constraints.txt and a
  test fails if the hook stops firing).
* **The project.** The pack ships inside the project (``<project>/policies``): the project is
  the directory holding the pack, and its ``Pulumi.yaml`` must name the project the engine runs.
* **The stack file.** ``<project>/stacks/<stack>.yaml``, loaded by the same loader as the program.
* **The live org.** Read once per run with the providers' client, credentials and full retry
  policy (``webex:*`` config, ``WEBEX_BASE_URL``/``WEBEX_ACCESS_TOKEN`` (or the deprecated ``WEBEX_TOKEN``)/``WEBEX_ORG_ID`` when the config
  has none, as ``make`` does for the dev stack). The providers' own snapshot lives in the provider
  process and cannot be shared with the pack's process, so the pack reads its own.

Whatever cannot be had raises :class:`Missing`, whose message names what is missing and why;
every policy that needs it then reports a mandatory violation (fail closed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Not resolved: a project may hold the pack as a symlink (tests do); it is still that project's pack.
PACK_DIR = Path(os.path.abspath(__file__)).parent.parent


class Missing(Exception):
    """Data a policy needs could not be had. ``str()`` names it and says why."""


def explain(exc: BaseException, credentials: str = "the token in webex:token") -> str:
    """The client's own sentence for an error (which call, which scope), on one line."""
    from webex_client import describe_error as describe

    return " ".join(describe(exc, credentials=credentials).split())[:500]


def norm(value: str) -> str:
    """One spelling for comparing emails and group names: trimmed and case-folded."""
    return value.strip().casefold()


@dataclass
class StackContext:
    project: str = ""
    stack: str = ""
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: set[str] | None = None  # None: the engine never said which keys are secret
    dry_run: bool = True
    configured_by: str | None = None  # "ConfigureStack" or "environment"
    pack_dir: Path = PACK_DIR
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)
    _locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)

    # -- stack ------------------------------------------------------------------------------
    def configure(
        self,
        *,
        project: str,
        stack: str,
        config: dict[str, str],
        secret_keys: set[str] | None,
        dry_run: bool,
        by: str = "ConfigureStack",
    ) -> None:
        with self._lock:
            self.project, self.stack, self.dry_run = project, stack, dry_run
            self.config = dict(config)
            self.secret_keys = set(secret_keys) if secret_keys is not None else None
            self.configured_by = by
            self._cache.clear()

    def ensure_configured(self) -> None:
        """Without ConfigureStack, take what the language host puts in the environment."""
        with self._lock:
            if self.configured_by:
                return
            raw = os.environ.get("PULUMI_CONFIG")
            try:
                config = json.loads(raw) if raw else None
            except ValueError:
                config = None
            try:
                keys = os.environ.get("PULUMI_CONFIG_SECRET_KEYS")
                secret = set(json.loads(keys)) if keys else None
            except ValueError:
                secret = None
            if config is None and not os.environ.get("PULUMI_STACK"):
                return  # nothing at all: require_* say so
            self.configure(
                project=os.environ.get("PULUMI_PROJECT", ""),
                stack=os.environ.get("PULUMI_STACK", ""),
                config=config or {},
                secret_keys=secret,
                dry_run=os.environ.get("PULUMI_DRY_RUN", "true") == "true",
                by="environment",
            )
            if config is None:
                self._cache["config_missing"] = "PULUMI_CONFIG is not set"

    def require_stack(self) -> str:
        self.ensure_configured()
        if not self.stack:
            raise Missing("the stack name (the engine sent no ConfigureStack and PULUMI_STACK is not set)")
        return self.stack

    def require_config(self) -> dict[str, str]:
        self.ensure_configured()
        if not self.configured_by:
            raise Missing("the stack config (the engine sent no ConfigureStack and PULUMI_CONFIG is not set)")
        if "config_missing" in self._cache:
            raise Missing(f"the stack config (the engine sent no ConfigureStack and {self._cache['config_missing']})")
        return self.config

    def require_secret_keys(self) -> set[str]:
        self.require_config()
        if self.secret_keys is None:
            raise Missing(
                "the list of the stack's secret config keys (the engine sent no ConfigureStack; "
                "the language host's environment carries the config, not which keys are secret)"
            )
        return self.secret_keys

    # -- project and stack file -------------------------------------------------------------
    def _once(self, key: str, load) -> Any:
        """``load()`` once per run (each kind of data has its own lock, so a slow org read does
        not hold up the stack file); a :class:`Missing` result is raised to every caller."""
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._cache:
                self._cache[key] = load()
            found = self._cache[key]
        if isinstance(found, Missing):
            raise found
        return found

    def project_dir(self) -> Path:
        return self._once("project_dir", self._find_project)

    def _find_project(self) -> Path | Missing:
        self.ensure_configured()
        root = self.pack_dir.parent
        manifest = root / "Pulumi.yaml"
        want = self.project or "webex-iac"
        try:
            from ruamel.yaml import YAML

            name = (YAML(typ="safe").load(manifest.read_text()) or {}).get("name")
        except FileNotFoundError:
            return Missing(
                f"the project {want!r} (the pack at {self.pack_dir} is not inside a Pulumi project: "
                f"no {manifest}; run the pack that ships in the project's policies/ directory)"
            )
        except Exception as e:  # noqa: BLE001 - any unreadable manifest is reported as such
            return Missing(f"the project {want!r} ({manifest} cannot be read: {type(e).__name__}: {e})")
        if self.project and name != self.project:
            return Missing(
                f"the project {self.project!r} (the pack at {self.pack_dir} belongs to project {name!r}, "
                f"{manifest}; run the pack that ships with the project being previewed)"
            )
        return root

    @property
    def stack_file(self) -> str:
        """The stack file as the loader names it in ``source`` (relative to the project)."""
        return f"stacks/{self.stack or '<stack>'}.yaml"

    @property
    def config_file(self) -> str:
        try:
            root = self.project_dir()
        except Missing:
            return f"Pulumi.{self.stack}.yaml"
        rel = f"stacks/Pulumi.{self.stack}.yaml"
        return rel if (root / rel).exists() else f"Pulumi.{self.stack}.yaml"

    def stack_file_model(self):
        """The stack file, loaded and validated exactly as the program loads it."""
        return self._once("stack_file", self._load_stack_file)

    def _load_stack_file(self):
        try:
            stack = self.require_stack()
            root = self.project_dir()
        except Missing as e:
            return e  # the stack file cannot even be named: report what is missing first
        rel = f"stacks/{stack}.yaml"
        path = root / rel
        if not path.is_file():
            return Missing(f"the stack file {rel} (there is no {path})")
        try:
            from webex_iac.stack_file import load_stack_file

            return load_stack_file(path, display=rel)
        except Exception as e:  # noqa: BLE001 - StackFileError or anything the loader raises
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            return Missing(f"the stack file {rel} (it cannot be loaded: {first[:300]})")

    def locate(self, kind: str | None, name: str, props: dict) -> dict:
        """``props`` with ``source`` (file:line) from the stack file the pack read, for messages:
        the resource's own, and each pool's for a distribution. Resource inputs carry no
        ``source`` (it never enters the state); unknown here, messages say "source unknown"."""
        try:
            model = self.stack_file_model()
        except Missing:
            return props
        decl = model.declaration(kind, name) if kind else None
        if decl is None:
            return props
        out = {**props, "source": decl.source}
        pools = props.get("pools")
        if kind == "LicenseDistribution" and isinstance(pools, list):
            out["pools"] = [
                {**p, "source": model.source_of(kind, name, i)} if isinstance(p, dict) else p for i, p in enumerate(pools)
            ]
        return out

    def settings(self, resources: list | None = None):
        """The stack file's reviewed ``policy:`` section (raises Missing when unreadable).

        With the run's ``resources``, it is first checked to be the file this run's program
        declared them from: each resource must be declared (kind and name) in the file the pack
        read. A pack run against another checkout (its own project's stacks/ beside it) would
        otherwise apply the wrong policy section. The webex-iac project's program always declares
        from ``stacks/<stack>.yaml``, so for it a missing file fails closed; a program of another
        project without a stack file (library use) gets the defaults. (Inputs carry no file:line
        to tell the two apart: issue 16.)"""
        from webex_iac.engine import PROJECT_NAME

        stack = self.require_stack()
        rel = f"stacks/{stack}.yaml"
        declared = {(r.kind, r.name) for r in resources or []}
        try:
            model = self.stack_file_model()
        except Missing:
            library = self.project != PROJECT_NAME
            if resources is not None and library and not (self.project_dir() / rel).exists():
                from webex_iac.stack_file import PolicySettings

                return PolicySettings()
            raise
        if declared:
            # Names, not lines: resource inputs carry no file:line.
            wrong = [f"{kind} '{name}'" for kind, name in sorted(declared) if model.declaration(kind, name) is None]
            if wrong:
                raise Missing(
                    f"the stack file this run was declared from: {self.project_dir() / rel} (beside the pack) does "
                    f"not declare {', '.join(wrong[:5])}{' …' if len(wrong) > 5 else ''}; run the pack that ships "
                    f"with the project being previewed"
                )
        return model.policy

    def qualified(self, key: str) -> str:
        """A bare config key is in the project's namespace, as `pulumi config set` writes it."""
        return key if ":" in key else f"{self.project or 'webex-iac'}:{key}"

    # -- live org ---------------------------------------------------------------------------
    def org(self) -> "OrgView":
        return self._once("org", self._load_org)

    def _load_org(self) -> "OrgView | Missing":
        try:
            cfg = self.webex_config()
        except Missing as e:
            return e  # no config, no credentials: that is what is missing
        except Exception as e:  # noqa: BLE001 - ConfigError: which key is missing
            return Missing(f"the org ({e})")
        try:
            view = OrgView(cfg)
            view.load()
            return view
        except Exception as e:  # noqa: BLE001 - any failure to read means: cannot check
            return Missing(f"the org at {cfg.base_url} (it could not be read: {explain(e)})")

    def webex_config(self):
        """The providers' connection settings (same keys, same defaults, full retry policy)."""
        from resources import settings_from_config

        config = self.require_config()
        env = {"orgId": os.environ.get("WEBEX_ORG_ID")}

        def get(key: str) -> str | None:
            value = config.get(f"webex:{key}")
            return value if value not in (None, "") else env.get(key)

        return settings_from_config(get)

    # -- prior state (for the deletion limit) ---------------------------------------------
    def prior_resources(self) -> list[dict[str, Any]]:
        """The stack's resources before this run, by `pulumi stack export` of the engine's backend."""
        return self._once("state", self._export_state)

    def _export_state(self) -> list[dict[str, Any]] | Missing:
        try:
            stack, root = self.require_stack(), self.project_dir()
        except Missing as e:
            return e
        pulumi = shutil.which("pulumi")
        if pulumi is None:
            return Missing("the stack's current state (no `pulumi` on PATH to export it with)")
        try:
            done = subprocess.run(
                [pulumi, "stack", "export", "--stack", stack],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=120,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
            )
        except (OSError, subprocess.SubprocessError) as e:
            return Missing(f"the stack's current state (`pulumi stack export` failed: {type(e).__name__})")
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["no message"])[-1][:300]
            return Missing(f"the stack's current state (`pulumi stack export --stack {stack}` failed: {why})")
        try:
            deployment = json.loads(done.stdout).get("deployment") or {}
        except ValueError:
            return Missing("the stack's current state (`pulumi stack export` printed no JSON)")
        return list(deployment.get("resources") or [])

    def snapshot_state_now(self) -> None:
        """Export the state at pack start, in the background: `up` changes it as it goes, and
        the stack policies run last."""
        threading.Thread(target=self.prior_resources, name="prior-state", daemon=True).start()


class OrgView:
    """The live org as the policies need it: pools, holders, people, groups and their members."""

    def __init__(self, config) -> None:
        from resources import OrgSnapshot, make_client

        self.config = config
        self.client = make_client(config)
        self.snap = OrgSnapshot(self.client, config.org_id)
        self._holders: dict[str, set[str]] = {}
        self._groups: dict[str, Any] = {}
        self._lock = threading.Lock()

    def load(self) -> None:
        self.snap.licenses()
        self.snap.people()
        self._groups = {norm(name): g for name, g in self.snap.groups().items()}

    def licenses(self) -> list:
        return list(self.snap.licenses().values())

    def resolve(self, ref: Any):
        """The License a pool's ``license:`` names (by id, siteUrl or name, any case or padding),
        or a string saying why not."""
        from resources import LicenseRef, resolve_license

        if not isinstance(ref, dict):
            return "no license reference"
        clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in ref.items()}
        try:
            parsed = LicenseRef.model_validate(clean)
        except ValueError as e:
            return str(e).splitlines()[0]
        return resolve_license(parsed, self.snap.licenses())

    def person_id(self, email: str) -> str | None:
        p = self.snap.person(email.strip())
        return p.id if p is not None else None

    def email(self, person_id: str) -> str:
        p = self.snap.person_by_id(person_id)
        return self.snap.primary_email(p) if p is not None else person_id

    def group(self, name: str):
        return self._groups.get(norm(name))

    def group_member_ids(self, name: str) -> list[str] | None:
        g = self.group(name)
        return None if g is None else self.snap.group_member_ids(g.display_name)

    def holders(self, license_id: str) -> set[str]:
        """Person ids holding ``license_id`` now (computed once per pool: the people list is big)."""
        with self._lock:
            if license_id not in self._holders:
                self._holders[license_id] = self.snap.holders(license_id)
            return self._holders[license_id]

    def meeting(self, meeting_id: str, host: str | None):
        return self.client.meetings.get(meeting_id, host_email=host or None)

    def granted_scopes(self, application_id: str, client_id: str, client_secret: str, target_org_id: str) -> list[str]:
        """The scopes the org really granted the app: mint a token as the provider does (with
        ``webex:mintingToken``), keep only its ``scope``; the token itself is dropped at once."""
        if not self.config.minting_token:
            raise Missing(
                "webex:mintingToken (the integration token that mints the app's org token, whose scope says what the org granted)"
            )
        token = self.client.service_apps.mint_with_scopes(
            application_id,
            client_id=client_id,
            client_secret=client_secret,
            target_org_id=target_org_id,
            minting_token=self.config.minting_token,
        )
        if token.scope is None:
            raise Missing("the scopes the org granted the app (its token answer carries no scope)")
        return sorted(token.scopes)


CONTEXT = StackContext()


def install_configure_hook() -> bool:
    """Record the stack config the engine sends in ConfigureStack (see the module docstring)."""
    from pulumi_policy import policy as pp

    servicer = getattr(pp, "_PolicyAnalyzerServicer", None)
    original = getattr(servicer, "ConfigureStack", None)
    if servicer is None or original is None:
        return False  # the config then comes from the environment, without secret keys: reported
    if getattr(original, "_webex_iac_hook", False):
        return True

    def ConfigureStack(self, request, context):  # noqa: N802 - gRPC method name
        CONTEXT.configure(
            project=request.project,
            stack=request.stack,
            config=dict(request.config),
            secret_keys=set(request.config_secret_keys),
            dry_run=request.dry_run,
        )
        CONTEXT.snapshot_state_now()  # before `up` changes it; a preview gets it early
        return original(self, request, context)

    ConfigureStack._webex_iac_hook = True  # type: ignore[attr-defined]
    servicer.ConfigureStack = ConfigureStack
    return True
