"""The ``sites`` section: one MeetingSite per meeting site, with its writable common settings."""

from __future__ import annotations

from typing import Any

from ruamel.yaml.comments import CommentedMap

from .naming import slug, unique_name
from .org_read import OrgRead
from .yaml_doc import drop_if_empty, flow_seq, remove, section, show, to_commented


def merge_sites(doc: CommentedMap, org: OrgRead, owner: str, changes: list[str]) -> None:
    sites = section(doc, "sites")
    seen: set[str] = set()
    for name in list(sites.keys()):
        entry = sites[name]
        url = str((entry or {}).get("siteUrl") or "").lower() if isinstance(entry, dict) else ""
        if url not in org.site_settings:
            remove(sites, name)
            changes.append(f"- sites.{name}: {url or '?'} is no longer a meeting site of the org")
            continue
        seen.add(url)
        live = org.site_settings[url]
        declared = entry.get("commonSettings")
        if live and isinstance(declared, CommentedMap):
            _update_leaves(declared, live, changes, f"sites.{name}.commonSettings")
    for url in org.sites():
        if url in seen:
            continue
        entry = CommentedMap()
        entry["siteUrl"] = url
        entry["owner"] = owner
        settings = org.site_settings.get(url)
        if settings:
            entry["commonSettings"] = to_commented(settings)
        name = slug(url.split(".")[0], "site")
        if name in sites:
            name = unique_name(slug(url, "site"), sites.keys())
        sites[name] = entry
        changes.append(f"+ sites.{name}: {url}")
    drop_if_empty(doc, "sites")


def _update_leaves(node: CommentedMap, live: dict[str, Any], changes: list[str], where: str) -> None:
    for key in list(node.keys()):
        if key not in live:
            continue
        if isinstance(node[key], CommentedMap) and isinstance(live[key], dict):
            _update_leaves(node[key], live[key], changes, f"{where}.{key}")
        elif isinstance(live[key], list):
            if list(node[key] or []) != list(live[key]):
                changes.append(f"~ {where}.{key}")
                node[key] = flow_seq(list(live[key]))
        elif (
            not (isinstance(live[key], str) and isinstance(node[key], str) and node[key].lower() == live[key].lower())
            and node[key] != live[key]
        ):
            changes.append(f"~ {where}.{key}: {show(node[key])} -> {show(live[key])}")
            node[key] = live[key]
