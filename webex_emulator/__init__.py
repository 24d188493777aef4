"""Local Webex emulator (moto/LocalStack style) for webex-iac.

Webex OpenAPI specifications © Cisco Webex, from webex/webex-openapi-specs, licensed CC BY 4.0;
the emulator's routes and response shapes follow them (``webex_emulator.spec.default_spec_dir``
finds them: ``$WEBEX_OPENAPI_DIR``, else ``../shared/webex-openapi`` next to the repository).
"""

from .core.app import create_app

__all__ = ["create_app"]
