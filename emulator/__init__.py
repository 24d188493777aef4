"""Local Webex emulator (moto/LocalStack style) for webex-iac.

Webex OpenAPI specifications © Cisco Webex, from webex/webex-openapi-specs, licensed CC BY 4.0;
the emulator's routes and response shapes follow them (see /work/shared/webex-openapi).
"""

from .core.app import create_app

__all__ = ["create_app"]
