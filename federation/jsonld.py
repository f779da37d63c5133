"""JSON-LD without the network: a fast path for ordinary AS2 and pyld for the rest.

Almost every peer sends compacted AS2 whose `@context` is the AS2 context plus
well-known extensions; reading those as plain JSON gives the same meaning at 1/200 of
pyld's cost. Anything else goes through pyld with an offline loader over the bundled
contexts (`contexts/jsonld-contexts.json`, a copy of ../shared/reference). A context
that is not bundled is read as empty and logged — contexts are never fetched at run
time, and a context we do not know never drops a document whose known terms we can read.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
from importlib import resources
from typing import Any

from pyld import jsonld as pyld

from federation.vocab import AS2_CONTEXT, single_types

log = logging.getLogger("impasto.federation")
SECURITY_V1 = "https://w3id.org/security/v1"
IMPASTO_NS = "https://impasto.art/ns#"
IMPASTO_CONTEXT_URL = "https://impasto.art/ns"

# Impasto's extension terms; `licence` is an IRI (e.g. a Creative Commons licence URL).
IMPASTO_TERMS: dict[str, Any] = {
    "impasto": IMPASTO_NS,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "medium": "impasto:medium",
    "tools": {"@id": "impasto:tools", "@container": "@set"},
    "aiDeclaration": "impasto:aiDeclaration",
    "provenanceVerdict": "impasto:provenanceVerdict",
    "cloaked": {"@id": "impasto:cloaked", "@type": "xsd:boolean"},
    "licence": {"@id": "impasto:licence", "@type": "@id"},
    # Job listings (federation/joblisting.py): schema.org JobPosting terms where it has
    # them, impasto: terms for what it lacks. `value` (baseSalary's QuantitativeValue) is
    # Mastodon's `schema:value`, already in MASTODON_TERMS.
    "sdo": "http://schema.org/",
    "title": "sdo:title",
    "description": "sdo:description",
    "hiringOrganization": "sdo:hiringOrganization",
    "employmentType": "sdo:employmentType",
    "jobLocation": "sdo:jobLocation",
    "jobLocationType": "sdo:jobLocationType",
    "address": "sdo:address",
    "PostalAddress": "sdo:PostalAddress",
    "addressLocality": "sdo:addressLocality",
    "addressCountry": "sdo:addressCountry",
    "baseSalary": "sdo:baseSalary",
    "MonetaryAmount": "sdo:MonetaryAmount",
    "QuantitativeValue": "sdo:QuantitativeValue",
    "currency": "sdo:currency",
    "minValue": "sdo:minValue",
    "maxValue": "sdo:maxValue",
    "unitText": "sdo:unitText",
    "datePosted": {"@id": "sdo:datePosted", "@type": "xsd:dateTime"},
    "validThrough": {"@id": "sdo:validThrough", "@type": "xsd:dateTime"},
    "skills": {"@id": "sdo:skills", "@container": "@set"},
    "jobKind": "impasto:jobKind",
    "locationMode": "impasto:locationMode",
    "timeZones": "impasto:timeZones",
    "mediums": {"@id": "impasto:mediums", "@container": "@set"},
    "payOnRequest": {"@id": "impasto:payOnRequest", "@type": "xsd:boolean"},
    "noAiWork": {"@id": "impasto:noAiWork", "@type": "xsd:boolean"},
    "noAiTraining": {"@id": "impasto:noAiTraining", "@type": "xsd:boolean"},
    "listingState": "impasto:listingState",
    "applyVia": "impasto:applyVia",
    "applyTarget": "impasto:applyTarget",
}

# The Mastodon extension terms Impasto sends inline, as Mastodon itself does.
MASTODON_TERMS: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "schema": "http://schema.org#",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "Emoji": "toot:Emoji",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "blurhash": "toot:blurhash",
    "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}

# Bundled contexts that define no AS2 term differently and set no @vocab/@base, so a
# document using them alongside AS2 means what its plain JSON says (checked by a test).
# Not here: schema.org (sets @vocab) and identity/v1 (maps name, Person… to schema.org).
FASTPATH_CONTEXTS = frozenset(
    {
        AS2_CONTEXT,
        SECURITY_V1,
        "https://w3id.org/security/data-integrity/v1",
        "https://w3id.org/security/data-integrity/v2",
        "https://w3id.org/security/multikey/v1",
        "https://www.w3.org/ns/did/v1",
        "https://www.w3.org/ns/cid/v1",
        "https://purl.archive.org/socialweb/webfinger",
        "https://gotosocial.org/ns",
        "https://w3id.org/fep/5711",
        "https://w3id.org/fep/ef61",
        "https://join-lemmy.org/context.json",
        "http://joinmastodon.org/ns",
        "https://purl.archive.org/miscellany",
        IMPASTO_CONTEXT_URL,
    }
)
# Per-instance context URLs with the same property (Pleroma/Akkoma's litepub context
# only aliases AS2 and litepub terms); accepted on the fast path only, never expanded.
FASTPATH_URL_SUFFIXES = ("/schemas/litepub-0.1.jsonld",)
_SAFE_KEYWORDS = frozenset({"@language", "@version", "@protected", "@propagate", "@direction"})


class JsonLdError(ValueError):
    """The document cannot be processed as JSON-LD."""


class UnknownContextError(JsonLdError):
    """A context that is not bundled; it is never fetched from the network."""

    def __init__(self, url: str) -> None:
        super().__init__(f"unknown JSON-LD context {url!r} (contexts are never fetched)")
        self.url = url


def outgoing_context() -> list[Any]:
    """The `@context` Impasto puts on what it sends."""
    return [AS2_CONTEXT, SECURITY_V1, {**MASTODON_TERMS, **IMPASTO_TERMS}]


def impasto_context_document() -> dict[str, Any]:
    """The document served at Impasto's context URL (and bundled in the loader)."""
    return {"@context": dict(IMPASTO_TERMS)}


@functools.lru_cache(maxsize=1)
def bundled_contexts() -> dict[str, Any]:
    """URL → context document: the bundled file plus Impasto's own context."""
    text = resources.files("federation").joinpath("contexts/jsonld-contexts.json").read_text(
        encoding="utf-8"
    )
    docs = json.loads(text)
    docs[IMPASTO_CONTEXT_URL] = impasto_context_document()
    return docs


def _lookup(url: str) -> Any | None:
    docs = bundled_contexts()
    base = url.split("#", 1)[0]
    candidates = [url, base, base.removesuffix(".jsonld"), base.rstrip("/"), base + "/"]
    for cand in list(candidates):
        if cand.startswith("http://"):
            candidates.append("https://" + cand[7:])
        elif cand.startswith("https://"):
            candidates.append("http://" + cand[8:])
    for cand in candidates:
        if cand in docs:
            return docs[cand]
    return None


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader over the bundled contexts; never touches the network. A
    context that is not bundled is read as empty (as Mastodon ignores contexts): its own
    terms are dropped, every known term still reads (FEP-8b32 senders add
    https://www.w3.org/ns/credentials/v2, which is not bundled)."""
    doc = _lookup(url)
    if doc is None:
        _log_unknown(url)
        doc = {"@context": {}}
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(doc)}


@functools.lru_cache(maxsize=256)
def _log_unknown(url: str) -> None:
    """Once per URL per process: which contexts peers use that we do not bundle."""
    log.info("unknown JSON-LD context ignored", extra={"context": url[:200]})


def _pyld_options() -> dict[str, Any]:
    return {"documentLoader": document_loader}


def _run(fn, *args: Any) -> Any:
    try:
        return fn(*args)
    except pyld.JsonLdError as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, UnknownContextError):
                raise UnknownContextError(cause.url) from exc
            cause = cause.__cause__ or cause.__context__
        raise JsonLdError(f"JSON-LD processing failed: {exc.args[0] if exc.args else exc}") from exc


def expand(doc: dict[str, Any]) -> list[Any]:
    """pyld expansion with the offline loader (for LD signatures and odd documents)."""
    return _run(pyld.expand, doc, _pyld_options())


def compact(doc: dict[str, Any] | list[Any], context: Any = None) -> dict[str, Any]:
    """pyld compaction, by default to Impasto's outgoing context."""
    return _run(pyld.compact, doc, context or outgoing_context(), _pyld_options())


def _as2_term_iris() -> dict[str, str]:
    return _term_iris(bundled_contexts()[AS2_CONTEXT]["@context"], {})


def _term_iris(ctx: dict[str, Any], prefixes: dict[str, str]) -> dict[str, str]:
    """term → absolute IRI for one context object (compact IRIs resolved)."""
    local = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    known = {**prefixes, **local}
    out = {}
    for term, defn in ctx.items():
        iri = defn if isinstance(defn, str) else defn.get("@id") if isinstance(defn, dict) else None
        if isinstance(iri, str):
            prefix, sep, rest = iri.partition(":")
            if sep and prefix in known and not rest.startswith("//"):
                iri = known[prefix] + rest
            out[term] = iri
    return out


@functools.lru_cache(maxsize=1)
def _as2_terms_and_prefixes() -> tuple[dict[str, str], dict[str, str]]:
    ctx = bundled_contexts()[AS2_CONTEXT]["@context"]
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    return _as2_term_iris(), prefixes


def _inline_is_safe(ctx: dict[str, Any]) -> bool:
    as2_terms, prefixes = _as2_terms_and_prefixes()
    if any(k.startswith("@") and k not in _SAFE_KEYWORDS for k in ctx):
        return False
    iris = _term_iris(ctx, prefixes)
    return all(as2_terms.get(t, iri) == iri for t, iri in iris.items())


def is_plain_as2(doc: Any) -> bool:
    """Fast-path test: AS2 context present, every other entry a known extension (bundled
    URL or inline terms that do not redefine AS2 terms), and no nested `@context`."""
    if not isinstance(doc, dict):
        return False
    entries = doc.get("@context")
    entries = entries if isinstance(entries, list) else [entries]
    if AS2_CONTEXT not in entries:
        return False
    for entry in entries:
        if isinstance(entry, str):
            if entry not in FASTPATH_CONTEXTS and not entry.endswith(FASTPATH_URL_SUFFIXES):
                return False
        elif not isinstance(entry, dict) or not _inline_is_safe(entry):
            return False
    return not any(_has_nested_context(v) for k, v in doc.items() if k != "@context")


def _has_nested_context(value: Any) -> bool:
    """A context inside the document could redefine terms there: leave the fast path."""
    if isinstance(value, dict):
        return "@context" in value or any(_has_nested_context(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nested_context(v) for v in value)
    return False


def normalize(doc: dict[str, Any], *, force_pyld: bool = False) -> dict[str, Any]:
    """A compacted AS2 dict to read as plain JSON, every `type` one string
    (`vocab.single_types`).

    Ordinary AS2 comes back unchanged (fast path); anything else is expanded with the
    bundled contexts (unknown ones read as empty) and compacted to Impasto's outgoing
    context. Raises JsonLdError when pyld cannot process the document.
    """
    if not force_pyld and is_plain_as2(doc):
        return single_types(doc)
    return single_types(compact(expand(doc)))
