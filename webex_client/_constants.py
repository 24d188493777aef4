"""Every tunable default of the client, in one place.

Nothing else in the package hard-codes a number that governs retries, waiting,
throttling, paging or timeouts: :class:`webex_client.ClientSettings` is built from
these values and can override each one (Pulumi stack config ``webex:*`` keys).
The comments say where each value comes from, so a change can be argued with.
"""

from __future__ import annotations

# --- transport ---------------------------------------------------------------------------

#: Public API root. Spec paths are relative to ``/v1`` (the spec files carry no ``servers`` block).
DEFAULT_BASE_URL = "https://webexapis.com/v1"

#: Total per-attempt timeout (read/write/pool). Webex list calls with large ``max`` can take
#: several seconds; 504 is the server's own answer to slow upstreams, so 30 s is generous.
DEFAULT_TIMEOUT_SECONDS = 30.0

#: Connect timeout; kept short because a connect failure is always safe to retry.
DEFAULT_CONNECT_TIMEOUT_SECONDS = 10.0

#: Extra pooled connections beyond ``max_concurrency`` (token refresh happens on the side).
CONNECTION_POOL_HEADROOM = 2

#: Prefix of the ``TrackingID`` request header; Webex echoes it back
#: (docs/webex-behaviour.md "Tracking ids").
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

#: ``webex:requestsPerSecond``: a *ceiling* for the adaptive controller, not a fixed rate.
#: ``None`` (unset, the default) = no ceiling: the controller finds the org's limit itself,
#: because Webex does not publish its limits (they are dynamic, per endpoint/app/org).
#: ``0`` disables client-side rate limiting altogether (the emulator in tests).
DEFAULT_REQUESTS_PER_SECOND: float | None = None

#: Bucket capacity: how many requests may go out back-to-back after an idle period. Kept
#: well below the burst a server allows, so requests bunched by network jitter still fit.
DEFAULT_BURST = 10

#: Requests in flight at once (also the slot count of the bulk path).
DEFAULT_MAX_CONCURRENCY = 8

#: Bulk worker threads per concurrency slot. A worker waiting out a Retry-After holds no
#: slot, so with only one worker per slot a 429 storm would leave slots idle (at 20 % 429s
#: with Retry-After: 1, each worker spends most of its time asleep).
BULK_WORKERS_PER_SLOT = 3

#: ``webex:rateControl``: "adaptive" (the AIMD controller in ``_throttle.py``) or "legacy"
#: (fixed rate, every 429 halves it for 10 s; kept only to reproduce the old bench numbers).
DEFAULT_RATE_CONTROL = "adaptive"

# Adaptive controller (AIMD, see webex_client/_throttle.py and the README's "Throttling").
#: Starting rate when no ceiling is configured: the old fixed default, safe for any org.
ADAPTIVE_INITIAL_RATE = 10.0
#: The rate never goes below this (one request every 2 s still makes progress).
ADAPTIVE_MIN_RATE = 0.5
#: Length of a congestion window: at most one decrease per window, and the unit over
#: which 429 shares are measured. 1 s is Webex's Retry-After granularity.
ADAPTIVE_WINDOW_SECONDS = 1.0
#: A window is judged on at least this many answers (it stretches at low rates, up to
#: ``ADAPTIVE_MAX_STRETCH`` windows): at 20 % random 429s, 8 answers are all clean one
#: time in six, 20 answers one time in a hundred.
ADAPTIVE_MIN_SAMPLES = 20
ADAPTIVE_MAX_STRETCH = 5
#: On congestion the rate becomes this × the goodput of the last window (TCP Reno's 0.5
#: is for a blind sender; we know what the server delivered, so a gentler cut suffices).
ADAPTIVE_DECREASE_FACTOR = 0.8
#: Growth per clean window before the first congestion (finds a 50 req/s limit from 10
#: in four windows).
ADAPTIVE_SLOW_START_FACTOR = 1.5
#: Past the last congestion point the rate probes by this many req/s, doubling per clean
#: window up to the max step (BIC-TCP's "max probing").
ADAPTIVE_PROBE_STEP = 0.5
ADAPTIVE_PROBE_MAX_STEP = 2.0
#: A window with known random 429s counts as congested only above noise + z·σ (binomial).
ADAPTIVE_NOISE_Z = 3.0
#: Above this share of 429s nothing is treated as noise: that is an overload.
ADAPTIVE_NOISE_MAX = 0.5

# Legacy controller (webex:rateControl: legacy), the values of the throttle before issue 14.
LEGACY_REQUESTS_PER_SECOND = 10.0
LEGACY_SLOWDOWN_FACTOR = 0.5
LEGACY_SLOWDOWN_FLOOR_FACTOR = 0.1
LEGACY_COOLDOWN_SECONDS = 10.0

# --- pagination --------------------------------------------------------------------------

#: Page size requested from list endpoints (``max`` / ``limit`` / ``count``); clamped to the
#: per-endpoint caps below. Bigger pages mean fewer requests and fewer 429s.
DEFAULT_PAGE_SIZE = 100

#: Documented per-endpoint maxima (docs/webex-behaviour.md "Paging"). The service silently caps
#: larger values, but we clamp ourselves so next-link arithmetic stays honest.
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
#: The providers' and policies' former name for it: still read, with a warning, for one release.
DEPRECATED_TOKEN_ENV_VAR = "WEBEX_TOKEN"

#: Path of the OAuth token endpoint, relative to the base URL.
OAUTH_TOKEN_PATH = "/access_token"

# --- logging -----------------------------------------------------------------------------

LOGGER_NAME = "webex_client"

#: Text substituted for any secret in logs, errors and reprs.
REDACTED = "**redacted**"
