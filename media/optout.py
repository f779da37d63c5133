"""Opt-out signals against AI training: an XMP packet for every served image, and
pure text builders for robots.txt, /ai.txt, /.well-known/tdmrep.json, HTTP headers
and HTML meta tags. The web layer serves what these return; nothing here does I/O.

None of these signals is enforceable; they are cheap, standard ways to state the
artists' reservation (IPTC PLUS "Data Mining", W3C TDMRep, robots.txt tokens) so
that honest crawlers and dataset builders can honour it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from xml.sax.saxutils import escape, quoteattr

PLUS_NS = "http://ns.useplus.org/ldf/xmp/1.0/"
DMI_VOCAB = "http://ns.useplus.org/ldf/vocab/"
DST_VOCAB = "http://cv.iptc.org/newscodes/digitalsourcetype/"


class DataMining(StrEnum):
    """IPTC PLUS `plus:DataMining` values (the whole LDF vocabulary)."""

    UNSPECIFIED = DMI_VOCAB + "DMI-UNSPECIFIED"
    ALLOWED = DMI_VOCAB + "DMI-ALLOWED"
    PROHIBITED_AIML_TRAINING = DMI_VOCAB + "DMI-PROHIBITED-AIMLTRAINING"
    PROHIBITED_GENAI_TRAINING = DMI_VOCAB + "DMI-PROHIBITED-GENAIMLTRAINING"
    PROHIBITED_EXCEPT_SEARCH = DMI_VOCAB + "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"
    PROHIBITED = DMI_VOCAB + "DMI-PROHIBITED"
    PROHIBITED_SEE_CONSTRAINT = DMI_VOCAB + "DMI-PROHIBITED-SEECONSTRAINT"
    PROHIBITED_SEE_EMBEDDED = DMI_VOCAB + "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR"
    PROHIBITED_SEE_LINKED = DMI_VOCAB + "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR"

    @classmethod
    def parse(cls, value: str) -> DataMining:
        """Accept the full URI or the bare code (`DMI-PROHIBITED-AIMLTRAINING`)."""
        v = value.strip()
        if not v.startswith("http"):
            v = DMI_VOCAB + v.upper()
        return cls(v)


_URL_RE = re.compile(r"^https?://[^\s<>\"']+$")
_DST_CODE_RE = re.compile(r"^[A-Za-z]+$")


def normalise_source_type(value: str) -> str:
    """Full IPTC Digital Source Type URI from a URI or a bare code (`digitalCreation`)."""
    v = value.strip()
    if _DST_CODE_RE.match(v):
        return DST_VOCAB + v
    if v.startswith(("http://cv.iptc.org/newscodes/digitalsourcetype/",
                     "https://cv.iptc.org/newscodes/digitalsourcetype/")):
        return v
    raise ValueError(f"not an IPTC digital source type: {value!r}")


@dataclass(frozen=True, slots=True)
class OptOutMarks:
    """What goes into the XMP of every served image.

    `rights` is the copyright line (dc:rights), `web_statement` a page stating the
    rights (xmpRights:WebStatement), `license_url` a licence URI (cc:license),
    `digital_source_type` what the artist declared (IPTC URI or bare code).
    """

    data_mining: DataMining = DataMining.PROHIBITED_AIML_TRAINING
    creator: str | None = None
    rights: str | None = None
    web_statement: str | None = None
    license_url: str | None = None
    usage_terms: str | None = None
    other_constraints: str | None = None
    digital_source_type: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_mining", DataMining(self.data_mining))
        for name in ("web_statement", "license_url"):
            url = getattr(self, name)
            if url is not None and not _URL_RE.match(url):
                raise ValueError(f"{name} must be an http(s) URL, got {url!r}")
        if self.digital_source_type is not None:
            object.__setattr__(
                self, "digital_source_type", normalise_source_type(self.digital_source_type)
            )


def _alt(text: str) -> str:
    return (f'<rdf:Alt><rdf:li xml:lang="x-default">{escape(text)}</rdf:li></rdf:Alt>')


def build_xmp(marks: OptOutMarks | None = None) -> bytes:
    """A complete XMP packet (UTF-8) for Pillow's `save(..., xmp=...)`."""
    m = marks or OptOutMarks()
    props = [f"<plus:DataMining>{escape(m.data_mining.value)}</plus:DataMining>"]
    if m.other_constraints:
        props.append(f"<plus:OtherConstraints>{_alt(m.other_constraints)}</plus:OtherConstraints>")
    if m.creator:
        props.append(f"<dc:creator><rdf:Seq><rdf:li>{escape(m.creator)}</rdf:li></rdf:Seq>"
                     "</dc:creator>")
    if m.rights:
        props.append(f"<dc:rights>{_alt(m.rights)}</dc:rights>")
    if m.rights or m.web_statement or m.license_url:
        props.append("<xmpRights:Marked>True</xmpRights:Marked>")
    if m.web_statement:
        props.append(f"<xmpRights:WebStatement>{escape(m.web_statement)}"
                     "</xmpRights:WebStatement>")
    if m.usage_terms:
        props.append(f"<xmpRights:UsageTerms>{_alt(m.usage_terms)}</xmpRights:UsageTerms>")
    if m.license_url:
        props.append(f"<cc:license rdf:resource={quoteattr(m.license_url)}/>")
    if m.digital_source_type:
        props.append(f"<Iptc4xmpExt:DigitalSourceType>{escape(m.digital_source_type)}"
                     "</Iptc4xmpExt:DigitalSourceType>")
    body = "\n   ".join(props)
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Impasto">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        f'    xmlns:plus="{PLUS_NS}"\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"\n'
        '    xmlns:cc="http://creativecommons.org/ns#"\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/">\n'
        f"   {body}\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="r"?>'
    )
    return packet.encode("utf-8")


# Crawlers that collect training data for AI models (robots.txt product tokens).
# Google-Extended and Applebot-Extended are tokens only: Googlebot and Applebot keep
# crawling for search, but may not use what they fetch for training.
AI_TRAINING_CRAWLERS: tuple[str, ...] = (
    "GPTBot", "ClaudeBot", "Claude-Web", "anthropic-ai", "CCBot", "Google-Extended",
    "Applebot-Extended", "Bytespider", "meta-externalagent", "FacebookBot",
    "PerplexityBot", "cohere-training-data-crawler", "cohere-ai", "Amazonbot", "Diffbot",
    "ImagesiftBot", "img2dataset", "LAIONDownloader", "omgili", "Omgilibot", "Timpibot",
    "DeepSeekBot", "AI2Bot", "Ai2Bot-Dolma", "YandexAdditional", "PanguBot",
    "Webzio-Extended", "Kangaroo Bot", "ICC-Crawler",
)


def robots_txt(
    *,
    ai_crawlers: Iterable[str] = AI_TRAINING_CRAWLERS,
    disallow_for_all: Iterable[str] = (),
    sitemap: str | None = None,
    content_usage: bool = False,
) -> str:
    """robots.txt refusing AI-training crawlers everything, allowing everyone else
    (search engines, link previews) except `disallow_for_all` paths.

    One group per crawler keeps naive parsers right. `content_usage` adds the IETF
    aipref draft line `Content-Usage: train-ai=n` (unknown lines are ignored by
    RFC 9309 parsers)."""
    lines = ["# Impasto: the artists here do not consent to AI/ML training on their work.",
             "# Crawlers that collect AI training data are refused; search and link",
             "# previews are welcome.", ""]
    for bot in ai_crawlers:
        lines += [f"User-agent: {bot}", "Disallow: /", ""]
    lines.append("User-agent: *")
    extra = list(disallow_for_all)
    lines += [f"Disallow: {p}" for p in extra]
    lines.append("Allow: /")
    if content_usage:
        lines.append("Content-Usage: train-ai=n")
    if sitemap:
        lines += ["", f"Sitemap: {sitemap}"]
    return "\n".join(lines) + "\n"


def ai_txt() -> str:
    """Spawning's /ai.txt: refuse every file to dataset builders that read it."""
    return (
        "# Impasto: the artists here do not consent to AI/ML training on their work.\n"
        "# https://site.spawning.ai/spawning-ai-txt\n"
        "User-Agent: *\n"
        "Disallow: /\n"
    )


def tdmrep(*, policy_url: str | None = None, locations: Iterable[str] = ("/",)) -> list[dict]:
    """W3C TDMRep `/.well-known/tdmrep.json` content as data: rights reserved everywhere."""
    rules: list[dict] = []
    for loc in locations:
        rule: dict[str, object] = {"location": loc, "tdm-reservation": 1}
        if policy_url:
            rule["tdm-policy"] = policy_url
        rules.append(rule)
    return rules


def tdmrep_json(*, policy_url: str | None = None, locations: Iterable[str] = ("/",)) -> str:
    """The `/.well-known/tdmrep.json` body (serve as application/json)."""
    return json.dumps(tdmrep(policy_url=policy_url, locations=locations), indent=2) + "\n"


def optout_headers(*, tdm_policy_url: str | None = None,
                   content_usage: bool = False) -> dict[str, str]:
    """Headers for HTML pages and every media response."""
    headers = {"X-Robots-Tag": "noai, noimageai", "tdm-reservation": "1"}
    if tdm_policy_url:
        headers["tdm-policy"] = tdm_policy_url
    if content_usage:
        headers["Content-Usage"] = "train-ai=n"
    return headers


def optout_meta_tags(*, tdm_policy_url: str | None = None) -> list[Mapping[str, str]]:
    """`<meta>` name/content pairs for HTML heads (img2dataset honours `noai`)."""
    tags: list[Mapping[str, str]] = [
        {"name": "robots", "content": "noai, noimageai"},
        {"name": "tdm-reservation", "content": "1"},
    ]
    if tdm_policy_url:
        tags.append({"name": "tdm-policy", "content": tdm_policy_url})
    return tags
