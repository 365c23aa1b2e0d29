"""What a reader's browser downloads on a first, cold-cache visit to a page: bytes by kind, as served and gzipped.

The benchmark reports it per chapter and the tests hold every page to the README's budget, from this one measurement.
"""

import contextlib
import gzip

import playwright.sync_api

# Playwright's resource types, as the kinds page_weight counts; anything else (fetch, manifest...) is "other".
KINDS = {"document": "html", "stylesheet": "css", "script": "js", "image": "images", "font": "fonts"}


def page_weight(new_context, url):
    """What a first load of url transfers, in a context of its own from new_context (an empty cache; closed here):
    {"served": bytes by kind, "gzip": the same with each response gzipped at level 6 as a static host (GitHub Pages)
    sends it, "requests": bytes by URL}. Kinds: html, css, js, images, fonts, other, and their total."""
    context = new_context()
    try:
        bodies = bodies_of_first_load(context.new_page(), url)
    finally:
        context.close()
    weight = {"served": dict.fromkeys([*KINDS.values(), "other", "total"], 0), "requests": {}}
    weight["gzip"] = dict(weight["served"])
    for request, body in bodies.items():
        kind = KINDS.get(request.resource_type, "other")
        weight["requests"][request.url] = len(body)
        for how, size in ("served", len(body)), ("gzip", len(gzip.compress(body, compresslevel=6))):
            weight[how][kind] += size
            weight[how]["total"] += size
    return weight


def bodies_of_first_load(page, url):
    """{request: response body} for everything page loads from url until the network is idle."""
    bodies = {}

    def read(request):
        # Each as it arrives: a page that redirects (index.html) is weighed as the page it lands on, since the
        # browser drops the bodies of the page it leaves.
        with contextlib.suppress(playwright.sync_api.Error):
            bodies[request] = request.response().body()

    page.on("requestfinished", read)
    page.goto(url, wait_until="networkidle")
    return bodies
