"""Every tunable default of the client, in one place.

Nothing else in the package hard-codes a number that governs retries, waiting,
throttling, paging or timeouts: :class:`webex_client.ClientSettings` is built from
these values and can override each one (Pulumi stack config ``webex:*`` keys).
The comments say where each value comes from, so a change can be argued with.
"""

from __future__ import annotations

# --- transport ---------------------------------------------------------------------------

#: Public API root. Spec paths are relative to ``/v1`` (REFERENCE.md §1.1).
DEFAULT_BASE_URL = "https://webexapis.com/v1"

#: Total per-attempt timeout (read/write/pool). Webex list calls with large ``max`` can take
#: several seconds; 504 is the server's own answer to slow upstreams, so 30 s is generous.
DEFAULT_TIMEOUT_SECONDS = 30.0

#: Connect timeout; kept short because a connect failure is always safe to retry.
DEFAULT_CONNECT_TIMEOUT_SECONDS = 10.0

#: Extra pooled connections beyond ``max_concurrency`` (token refresh happens on the side).
CONNECTION_POOL_HEADROOM = 2

#: Prefix of the ``TrackingID`` request header; Webex echoes it back (REFERENCE.md §1.4).
TRACKING_ID_PREFIX = "webexiac_"

USER_AGENT = "webex-iac-client/0.1 (+https://github.com/; python-httpx)"

#: Hosts for which plain ``http://`` is accepted (the local emulator). Everything else
#: must be HTTPS because every request carries a bearer token.
LOOPBACK_HOSTNAMES = frozenset({"localhost", "localhost.localdomain"})

# --- retry policy ------------------------------------------------------------------------

#: Attempts after the first one. 429 answers count too: under sustained throttling the
#: total-wait bound below is what really stops us.
DEFAULT_MAX_RETRIES = 10

#: Upper bound on the *sum* of all sleeps of one logical request (Retry-After + backoff).
#: A Pulumi operation must not hang for an hour because the service keeps saying 429.
DEFAULT_MAX_RETRY_WAIT_SECONDS = 300.0

#: Exponential backoff for 5xx / connection errors: ``random() * min(cap, base * 2**n)``
#: ("full jitter", AWS architecture blog) so that parallel workers spread out.
DEFAULT_BACKOFF_BASE_SECONDS = 0.5
DEFAULT_BACKOFF_CAP_SECONDS = 30.0

#: Jitter mode; "full" draws the whole delay uniformly from [0, ceiling), "none" sleeps the
#: ceiling (deterministic, useful for debugging).
DEFAULT_JITTER = "full"

#: Wait used when a 429 has no ``Retry-After`` or an unparseable one (e.g. the literal
#: ``rand(30),add(30)`` seen from some gateways). WebexPythonSDK uses 15 s; so do we.
DEFAULT_RETRY_AFTER_SECONDS = 15.0

#: Bounds applied to every server-provided ``Retry-After`` (seconds or HTTP-date).
#: The floor avoids hot-looping on ``Retry-After: 0``; the ceiling stops a bogus date far in
#: the future from parking a deployment (the total-wait bound still applies on top).
MIN_RETRY_AFTER_SECONDS = 1.0
MAX_RETRY_AFTER_SECONDS = 120.0

# --- client-side throttling --------------------------------------------------------------

#: Token-bucket refill rate. Webex does not publish limits (they are dynamic, per
#: endpoint/app/org); 10 req/s keeps a single deployment well clear of the usual 429s.
#: 0 disables the bucket.
DEFAULT_REQUESTS_PER_SECOND = 10.0

#: Bucket capacity: how many requests may go out back-to-back after an idle period.
DEFAULT_BURST = 10

#: Requests in flight at once (also the default worker count of the bulk path).
DEFAULT_MAX_CONCURRENCY = 8

#: After a 429 the shared bucket refills at ``rate * factor`` for ``cooldown`` seconds, so
#: workers that have not been throttled yet stop feeding the limit (AIMD-style back-off).
RATE_LIMIT_SLOWDOWN_FACTOR = 0.5
RATE_LIMIT_SLOWDOWN_FLOOR_FACTOR = 0.1
RATE_LIMIT_COOLDOWN_SECONDS = 10.0

# --- pagination --------------------------------------------------------------------------

#: Page size requested from list endpoints (``max`` / ``limit`` / ``count``); clamped to the
#: per-endpoint caps below. Bigger pages mean fewer requests and fewer 429s.
DEFAULT_PAGE_SIZE = 100

#: Documented per-endpoint maxima (REFERENCE.md §1.6). The service silently caps larger
#: values, but we clamp ourselves so next-link arithmetic stays honest.
PAGE_SIZE_CAPS: dict[str, int] = {
    # callingData=true caps at 100 and locationId at 50; a plain list takes up to 1,000.
    "people": 1000,
    "people_calling_data": 100,
    "people_by_location": 50,
    "meetings": 100,
    "meeting_invitees": 100,
    "license_users": 300,
    "groups": 100,
    "group_members": 500,
}

#: Hard stop for a runaway paginator (a server that keeps returning the same next link).
MAX_PAGES = 100_000

# --- auth --------------------------------------------------------------------------------

#: Refresh a Service App access token this long before it expires, so that a request
#: started just before expiry cannot be rejected mid-flight.
TOKEN_REFRESH_MARGIN_SECONDS = 300.0

#: Environment variable read when no token is passed to :class:`WebexClient`.
TOKEN_ENV_VAR = "WEBEX_ACCESS_TOKEN"

#: Path of the OAuth token endpoint, relative to the base URL.
OAUTH_TOKEN_PATH = "/access_token"

# --- logging -----------------------------------------------------------------------------

LOGGER_NAME = "webex_client"

#: Text substituted for any secret in logs, errors and reprs.
REDACTED = "**redacted**"
