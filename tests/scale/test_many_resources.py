"""No ceiling on the number of dynamic resources one program declares (issue 14).

The Python SDK's ``serialize_provider`` nests one more pickler wrapper per declaration
(resources/_common.py explains; docs/pulumi-pickler-leak.md reproduces it). These tests
declare more resources than the SDK alone survives (~985), in one process, under Pulumi's
mocks: unit-level, no engine.
"""

from __future__ import annotations

import pickle

import pulumi
from pulumi.dynamic import dynamic as sdk

import resources  # noqa: F401  (installs the guard)
from resources import LicenseDistribution, LicenseDistributionArgs
from resources._common import neutralise_pickler_leak
from resources.license_distribution import LicenseDistributionProvider

MORE_THAN_THE_SDK_SURVIVES = 1_200


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        return f"{args.name}-id", args.inputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


def test_serialising_a_provider_leaves_the_pickler_as_it_was():
    before = pickle._Pickler.__dict__["_batch_setitems"]
    sdk.serialize_provider(LicenseDistributionProvider())
    assert pickle._Pickler.__dict__["_batch_setitems"] is before


def test_the_sdk_function_alone_still_leaks(monkeypatch):
    """Proves the guard is what makes the difference (and tells us when the SDK is fixed)."""
    unguarded = sdk.serialize_provider.__wrapped__  # the SDK's own function
    monkeypatch.setattr(pickle._Pickler, "_batch_setitems", pickle._Pickler.__dict__["_batch_setitems"])
    before = pickle._Pickler.__dict__["_batch_setitems"]
    unguarded(LicenseDistributionProvider())
    assert pickle._Pickler.__dict__["_batch_setitems"] is not before


def test_guard_is_installed_once():
    guarded = sdk.serialize_provider
    neutralise_pickler_leak()
    assert sdk.serialize_provider is guarded


def test_one_process_declares_more_dynamic_resources_than_the_sdk_alone_allows():
    pulumi.runtime.set_mocks(_Mocks(), preview=True)
    args = LicenseDistributionArgs.model_validate({"pools": [{"license": {"id": "lic-1"}, "users": ["a@example.com"]}]})
    made = [LicenseDistribution(f"pool-{i}", args) for i in range(MORE_THAN_THE_SDK_SURVIVES)]
    assert len(made) == MORE_THAN_THE_SDK_SURVIVES
    assert pickle._Pickler.__dict__["_batch_setitems"].__qualname__ == "_Pickler._batch_setitems"
