"""The one pagination helper.

Webex pages with an RFC 5988 ``Link: <absolute-url>; rel="next"`` header; its absence ends
the listing (docs/webex-behaviour.md "Paging"). :class:`Paginator` follows it and copes with the known
defects and variants:

* next links that **drop query parameters** of the first request (WebexPythonSDK#168) —
  every original parameter missing from the next link is re-added;
* next links carrying ``max=null`` (WebexPythonSDK ``_fix_next_url``) — dropped, then the
  original ``max`` is restored by the rule above;
* next links on another origin — re-based onto the configured base URL (the bearer token
  never leaves it), see :meth:`SyncAPIClient.resolve_url`;
* envelopes ``items`` (most lists), ``users`` (licence holders, ``limit`` + opaque ``next``
  parameter carried inside the Link), ``groups``/``members`` (SCIM: ``startIndex``/``count``
  — the Link is followed when present, otherwise the next ``startIndex`` is computed from
  ``startIndex``, the page length and ``totalResults``), ``sites``;
* an **empty page ends iteration**, whatever the headers say; a next link already visited
  raises instead of looping forever.

Each page is one request through the client core, so pages are retried individually and
keep their exact query on retry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from . import _constants as C
from ._exceptions import WebexError

if TYPE_CHECKING:
    from ._base_client import SyncAPIClient

T = TypeVar("T")

_NULLISH = {"null", "none", "undefined", ""}


def fix_next_url(next_url: str | httpx.URL, original_params: Mapping[str, str]) -> httpx.URL:
    """Repair a next link: drop ``max=null``-style page-size values and re-add every
    original query parameter the link forgot (values already in the link win — they carry
    the cursor)."""
    url = httpx.URL(str(next_url))
    pairs = [
        (key, value)
        for key, value in url.params.multi_items()
        if not (key in ("max", "limit", "count") and value.strip().lower() in _NULLISH)
    ]
    present = {key for key, _ in pairs}
    for key, value in original_params.items():
        if key not in present:
            pairs.append((key, value))
    return url.copy_with(params=httpx.QueryParams(tuple(pairs)))  # a tuple: httpx types lists invariantly


class Paginator(Generic[T]):
    """Lazy iterator over every item of a paginated list.

    ``for person in client.people.list(): ...`` — pages are fetched on demand.
    ``.pages()`` yields whole pages, ``.to_list()`` drains it, ``.first()`` stops early.
    """

    def __init__(
        self,
        client: "SyncAPIClient",
        path: str,
        *,
        items_key: str,
        parse: Callable[[Any], T],
        params: Mapping[str, Any] | None = None,
        page_size_param: str | None = "max",
        page_size: int | None = None,
        scim: bool = False,
        headers: Mapping[str, str] | None = None,
        limit: int | None = None,
    ) -> None:
        from ._base_client import clean_params

        self._client = client
        self._path = path
        self._items_key = items_key
        self._parse = parse
        self._scim = scim
        self._headers = dict(headers or {})
        self._limit = limit
        base = dict(params or {})
        if page_size_param and page_size and page_size_param not in base:
            base[page_size_param] = page_size
        if scim and "startIndex" not in base:
            base["startIndex"] = 1
        self._params = clean_params(base)
        self._page_size_param = page_size_param
        self._parse_page: Callable[[bytes], list[T]] | None = None
        self.pages_fetched = 0

    def lean(self, parse_page: Callable[[bytes], list[Any]]) -> "Paginator[Any]":
        """The same listing, each page parsed straight from its JSON bytes by
        ``parse_page(content) -> items`` (e.g. a pydantic ``TypeAdapter.validate_json`` of a
        model with only the fields the caller needs): no dict per item, no full model.
        Only for lists paged by ``Link`` headers (the SCIM envelope needs the parsed body).
        Meant to be drained: the next page is requested while this one is parsed, so a caller
        that stops early (without ``limit``) has cost one page more."""
        if self._scim:
            raise ValueError("lean parsing needs Link-header paging, not a SCIM envelope")
        self._parse_page = parse_page
        return self

    @property
    def params(self) -> dict[str, str]:
        """Query parameters of the first request (re-applied to every next link)."""
        return dict(self._params)

    def pages(self) -> Iterator[list[T]]:
        url: httpx.URL = self._client.resolve_url(self._path).copy_merge_params(self._params)
        seen: set[str] = set()
        yielded = 0
        # Lean listings are the long ones (100,000 people = 101 pages): the next page is
        # requested as soon as this one's Link header is in, and travels while this one is
        # parsed. Still one request at a time on the wire, through the same throttle.
        ahead: Future[httpx.Response] | None = None
        pool = ThreadPoolExecutor(1, thread_name_prefix="webex-page") if self._parse_page is not None else None
        try:
            while True:
                seen.add(str(url))
                response = (
                    ahead.result() if ahead is not None else self._client.request("GET", url, headers=self._headers or None)
                )
                ahead = None
                self.pages_fetched += 1
                if pool is not None:
                    ahead = self._request_ahead(pool, response, url, seen)
                page, raw_items, body = self._parse_response(response)
                if not raw_items:
                    return  # an empty page ends iteration (a page requested ahead is dropped)
                if self._limit is not None:
                    page = page[: max(0, self._limit - yielded)]
                yielded += len(page)
                yield page
                if self._limit is not None and yielded >= self._limit:
                    return
                next_url = self._next_url(response, body, url, len(raw_items))
                if next_url is None:
                    return
                if str(next_url) in seen:
                    raise WebexError(f"pagination loop: next link {next_url} was already fetched", method="GET", url=next_url)
                if self.pages_fetched >= C.MAX_PAGES:
                    raise WebexError(f"pagination stopped after {C.MAX_PAGES} pages", method="GET", url=next_url)
                url = next_url
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def _request_ahead(
        self, pool: ThreadPoolExecutor, response: httpx.Response, url: httpx.URL, seen: set[str]
    ) -> Future[httpx.Response] | None:
        """The next page's request, started now, if the loop below will surely make it: never
        past a limit, a loop or ``MAX_PAGES``, which the loop reports in their usual place."""
        if self._limit is not None or not response.content:
            return None
        next_url = self._next_url(response, {}, url, 0)  # Link paging: the headers are enough
        if next_url is None or str(next_url) in seen or self.pages_fetched >= C.MAX_PAGES:
            return None
        return pool.submit(self._client.request, "GET", next_url, headers=self._headers or None)

    def _parse_response(self, response: httpx.Response) -> tuple[list[T], list[Any] | None, Any]:
        """(parsed page, raw items — empty ends the listing, decoded body for SCIM paging)."""
        if self._parse_page is not None:
            page = self._parse_page(response.content) if response.content else []
            return page, page, {}
        body = self._client.decode(response)
        raw_items = body.get(self._items_key) if isinstance(body, Mapping) else None
        return ([self._parse(raw) for raw in raw_items] if raw_items else []), raw_items, body

    def _next_url(self, response: httpx.Response, body: Mapping[str, Any], current: httpx.URL, count: int) -> httpx.URL | None:
        link = response.links.get("next", {}).get("url")
        if link:
            # Missing params are restored from the *current* URL, which carries the original
            # query plus any SCIM startIndex we computed.
            original = dict(self._params)
            return self._client.resolve_url(fix_next_url(link, original))
        if not self._scim:
            return None
        # SCIM without Link: compute the next startIndex from the envelope.
        try:
            start = int(body.get("startIndex") or current.params.get("startIndex") or 1)
        except (TypeError, ValueError):
            start = 1
        next_start = start + count
        total = body.get("totalResults")
        if total is None:
            total = body.get("memberSize")  # GET /groups/{id}/members carries the group's size
        if isinstance(total, (int, float)) and next_start > total:
            return None
        if total is None and self._page_size_param:
            requested = current.params.get(self._page_size_param)
            if requested and requested.isdigit() and count < int(requested):
                return None  # short page and no total: that was the last one
        return current.copy_set_param("startIndex", str(next_start))

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page

    def to_list(self) -> list[T]:
        return list(self)

    def first(self) -> T | None:
        for item in self:
            return item
        return None
