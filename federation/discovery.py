"""Discovery documents: WebFinger (JRD), host-meta (XRD) and NodeInfo 2.0/2.1.

Pure builders and parsers; the web layer serves them with the content types given here.
Impasto publishes its AI-content policy in NodeInfo `metadata` (no standard exists yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from xml.sax.saxutils import quoteattr

from federation.vocab import AP_CONTENT_TYPE, AS2_CONTEXT

JRD_CONTENT_TYPE = "application/jrd+json"
XRD_CONTENT_TYPE = "application/xrd+xml"
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{version}"
NODEINFO_VERSIONS = ("2.0", "2.1")
SOFTWARE_NAME = "impasto"
REPOSITORY = "https://github.com/impasto-art/impasto"
HOMEPAGE = "https://impasto.art/"

AiPolicy = Literal["prohibited", "labelled", "allowed"]
AI_POLICIES: tuple[str, ...] = ("prohibited", "labelled", "allowed")
_AI_POLICY_KEYS = ("aiContentPolicy", "aiPolicy", "ai_content_policy", "ai_policy")
_AI_POLICY_ALIASES = {"labeled": "labelled", "label": "labelled", "forbidden": "prohibited"}


class DiscoveryError(ValueError):
    """A resource or document that does not parse."""


# ---- WebFinger ---------------------------------------------------------------------


def parse_acct(resource: str) -> tuple[str, str]:
    """`acct:user@domain`, `user@domain` or `@user@domain` → (user, lower-case domain)."""
    text = resource.strip().removeprefix("acct:").removeprefix("@")
    user, sep, domain = text.rpartition("@")
    if not sep or not user or not domain or "/" in domain or "@" in user:
        raise DiscoveryError(f"not an acct resource: {resource!r}")
    return user, domain.lower()


def webfinger_jrd(
    username: str,
    domain: str,
    actor_url: str,
    profile_url: str,
    *,
    subscribe_template: str | None = None,
    aliases: list[str] | None = None,
) -> dict[str, Any]:
    """The JRD for `acct:username@domain` (its subject must round-trip for Mastodon)."""
    links: list[dict[str, str]] = [
        {"rel": "self", "type": AP_CONTENT_TYPE, "href": actor_url},
        {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile_url},
    ]
    if subscribe_template:
        links.append({"rel": SUBSCRIBE_REL, "template": subscribe_template})
    return {
        "subject": f"acct:{username}@{domain}",
        "aliases": aliases if aliases is not None else [actor_url, profile_url],
        "links": links,
    }


@dataclass(frozen=True)
class WebFingerResult:
    subject: str
    actor_url: str | None
    profile_url: str | None
    aliases: tuple[str, ...]


def parse_jrd(doc: Any) -> WebFingerResult:
    """Read a remote JRD: the ActivityPub `self` link, profile page and aliases."""
    if not isinstance(doc, dict) or not isinstance(doc.get("subject"), str):
        raise DiscoveryError("JRD without a subject")
    actor = profile = None
    for link in doc.get("links") or []:
        if not isinstance(link, dict) or not isinstance(link.get("href"), str):
            continue
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        if link.get("rel") == "self" and actor is None:
            ld = kind == "application/ld+json" and AS2_CONTEXT in (link.get("type") or "")
            if kind == AP_CONTENT_TYPE or ld:
                actor = link["href"]
        elif link.get("rel") == PROFILE_PAGE_REL and profile is None:
            profile = link["href"]
    aliases = tuple(a for a in doc.get("aliases") or [] if isinstance(a, str))
    return WebFingerResult(doc["subject"], actor, profile, aliases)


def host_meta_xrd(base_url: str) -> str:
    """host-meta pointing old clients at our WebFinger endpoint."""
    template = quoteattr(base_url.rstrip("/") + "/.well-known/webfinger?resource={uri}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template={template}/>\n'
        "</XRD>\n"
    )


# ---- NodeInfo ----------------------------------------------------------------------


def nodeinfo_content_type(version: str) -> str:
    return f'application/json; profile="{NODEINFO_SCHEMA.format(version=version)}#"'


def nodeinfo_links(base_url: str) -> dict[str, Any]:
    """The `/.well-known/nodeinfo` document listing both schema versions."""
    base = base_url.rstrip("/")
    return {
        "links": [
            {"rel": NODEINFO_SCHEMA.format(version=v), "href": f"{base}/nodeinfo/{v}"}
            for v in NODEINFO_VERSIONS
        ]
    }


def nodeinfo(
    version: str,
    *,
    software_version: str,
    users_total: int,
    users_active_month: int,
    users_active_halfyear: int,
    local_posts: int,
    open_registrations: bool,
    ai_policy: AiPolicy,
    media_cloaked: bool,
    node_name: str | None = None,
    node_description: str | None = None,
) -> dict[str, Any]:
    """A NodeInfo 2.0 or 2.1 document; 2.0 has no software repository/homepage."""
    if version not in NODEINFO_VERSIONS:
        raise ValueError(f"NodeInfo version must be one of {NODEINFO_VERSIONS}")
    if ai_policy not in AI_POLICIES:
        raise ValueError(f"ai_policy must be one of {AI_POLICIES}")
    software: dict[str, str] = {"name": SOFTWARE_NAME, "version": software_version}
    if version == "2.1":
        software.update(repository=REPOSITORY, homepage=HOMEPAGE)
    metadata: dict[str, Any] = {"aiContentPolicy": ai_policy, "mediaCloaked": media_cloaked}
    if node_name is not None:
        metadata["nodeName"] = node_name
    if node_description is not None:
        metadata["nodeDescription"] = node_description
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": {
            "users": {
                "total": users_total,
                "activeMonth": users_active_month,
                "activeHalfyear": users_active_halfyear,
            },
            "localPosts": local_posts,
        },
        "metadata": metadata,
    }


def pick_nodeinfo_href(links_doc: Any) -> str | None:
    """The href of the newest NodeInfo 2.x schema a `/.well-known/nodeinfo` lists."""
    best: tuple[str, str] | None = None
    links = links_doc.get("links") if isinstance(links_doc, dict) else None
    prefix = NODEINFO_SCHEMA.format(version="")
    for link in links if isinstance(links, list) else []:
        rel = link.get("rel") if isinstance(link, dict) else None
        href = link.get("href") if isinstance(link, dict) else None
        if not isinstance(rel, str) or not isinstance(href, str):
            continue
        version = rel.removeprefix(prefix).rstrip("#") if rel.startswith(prefix) else ""
        if version.startswith("2.") and (best is None or version > best[0]):
            best = (version, href)
    return best[1] if best else None


@dataclass(frozen=True)
class RemoteNodeInfo:
    software_name: str | None
    software_version: str | None
    open_registrations: bool | None
    ai_policy: str | None  # one of AI_POLICIES when the node declares one we understand


def parse_nodeinfo(doc: Any) -> RemoteNodeInfo:
    """Software name/version and any declared AI policy of a remote node."""
    if not isinstance(doc, dict):
        raise DiscoveryError("NodeInfo is not a JSON object")
    software: dict[str, Any] = doc["software"] if isinstance(doc.get("software"), dict) else {}
    name, version = software.get("name"), software.get("version")
    metadata: dict[str, Any] = doc["metadata"] if isinstance(doc.get("metadata"), dict) else {}
    policy = None
    for key in _AI_POLICY_KEYS:
        raw = metadata.get(key)
        if isinstance(raw, str):
            value = raw.strip().lower()
            value = _AI_POLICY_ALIASES.get(value, value)
            if value in AI_POLICIES:
                policy = value
                break
    registrations = doc.get("openRegistrations")
    return RemoteNodeInfo(
        name.lower() if isinstance(name, str) else None,
        str(version) if version is not None else None,
        registrations if isinstance(registrations, bool) else None,
        policy,
    )
