"""Opt-out marks: the XMP packet (checked with the real exiftool) and the text
builders for robots.txt, ai.txt, tdmrep.json, headers and meta tags."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from urllib.robotparser import RobotFileParser

import numpy as np
import pytest

from media.optout import (
    AI_TRAINING_CRAWLERS,
    DataMining,
    OptOutMarks,
    ai_txt,
    build_xmp,
    optout_headers,
    optout_meta_tags,
    robots_txt,
    tdmrep,
    tdmrep_json,
)
from media.variants import make_variants

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "plus": "http://ns.useplus.org/ldf/xmp/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "cc": "http://creativecommons.org/ns#",
    "Iptc4xmpExt": "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
}
FULL = OptOutMarks(
    creator="Ada <& Co>", rights="© 2026 Ada, all rights reserved",
    web_statement="https://art.example/@ada/rights", license_url="https://art.example/licence",
    digital_source_type="digitalCreation",
)


def exiftool(data: bytes) -> dict:
    """All tags exiftool finds in `data` (raw values, -n), keyed "XMP-plus:DataMining"…"""
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed (apt-get install libimage-exiftool-perl)")
    out = subprocess.run(["exiftool", "-j", "-n", "-G1", "-a", "-s", "-"], input=data,
                         capture_output=True, check=True).stdout
    return json.loads(out)[0]


def test_xmp_packet_content():
    packet = build_xmp(FULL)
    assert packet.startswith(b"<?xpacket begin=") and packet.endswith(b'<?xpacket end="r"?>')
    root = ET.fromstring(packet.split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0])
    desc = root.find("rdf:RDF/rdf:Description", NS)
    assert desc.find("plus:DataMining", NS).text == (
        "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING")
    assert desc.find("dc:creator/rdf:Seq/rdf:li", NS).text == "Ada <& Co>"
    assert desc.find("dc:rights/rdf:Alt/rdf:li", NS).text.startswith("© 2026 Ada")
    assert desc.find("xmpRights:WebStatement", NS).text == "https://art.example/@ada/rights"
    lic = desc.find("cc:license", NS).get(f"{{{NS['rdf']}}}resource")
    assert lic == "https://art.example/licence"
    assert desc.find("Iptc4xmpExt:DigitalSourceType", NS).text == (
        "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation")


def test_default_packet_only_states_the_reservation():
    root = ET.fromstring(build_xmp().split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0])
    desc = root.find("rdf:RDF/rdf:Description", NS)
    assert [child.tag.split("}")[1] for child in desc] == ["DataMining"]


def test_data_mining_values_are_configurable():
    assert DataMining.parse("DMI-PROHIBITED-GENAIMLTRAINING") is (
        DataMining.PROHIBITED_GENAI_TRAINING)
    assert len(DataMining) == 9
    packet = build_xmp(OptOutMarks(data_mining=DataMining.PROHIBITED))
    assert b"/DMI-PROHIBITED</plus:DataMining>" in packet
    with pytest.raises(ValueError):
        OptOutMarks(data_mining="http://ns.useplus.org/ldf/vocab/DMI-MAYBE")
    with pytest.raises(ValueError):
        OptOutMarks(web_statement="javascript:alert(1)")
    with pytest.raises(ValueError):
        OptOutMarks(digital_source_type="http://example.com/made-by-hand")


@pytest.mark.parametrize("mime", ["image/jpeg", "image/webp"])
def test_exiftool_reads_the_marks_in_jpeg_and_webp(mime):
    v = make_variants(np.full((64, 96, 3), 120, np.uint8), xmp=build_xmp(FULL))
    for variant in (v.display, v.thumbnail):
        tags = exiftool(variant.encodings()[mime])
        assert tags["XMP-plus:DataMining"] == (
            "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING")
        assert tags["XMP-dc:Creator"] == "Ada <& Co>"
        assert tags["XMP-dc:Rights"] == "© 2026 Ada, all rights reserved"
        assert tags["XMP-xmpRights:WebStatement"] == "https://art.example/@ada/rights"
        assert tags["XMP-xmpRights:Marked"] in (True, "True")
        assert tags["XMP-cc:License"] == "https://art.example/licence"
        assert tags["XMP-iptcExt:DigitalSourceType"] == (
            "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation")
        assert not any(k.startswith(("EXIF", "IFD0", "GPS", "ICC")) for k in tags)


def _parser(text: str) -> RobotFileParser:
    rp = RobotFileParser()
    rp.parse(text.splitlines())
    return rp


def test_robots_txt_refuses_ai_crawlers_and_allows_the_rest():
    text = robots_txt(disallow_for_all=["/admin/"], sitemap="https://art.example/sitemap.xml")
    rp = _parser(text)
    for bot in ("GPTBot", "ClaudeBot", "CCBot", "Google-Extended", "Bytespider",
                "img2dataset", "meta-externalagent", "Applebot-Extended", "PerplexityBot"):
        assert not rp.can_fetch(bot, "https://art.example/@ada/works/1"), bot
    for bot in ("Googlebot", "Bingbot", "Applebot", "facebookexternalhit", "Twitterbot",
                "Slackbot", "Discordbot", "DuckDuckBot", "Mastodon"):
        assert rp.can_fetch(bot, "https://art.example/@ada/works/1"), bot
        assert not rp.can_fetch(bot, "https://art.example/admin/users"), bot
    assert "Sitemap: https://art.example/sitemap.xml" in text
    assert len(AI_TRAINING_CRAWLERS) >= 20
    assert "Content-Usage" not in text
    assert "Content-Usage: train-ai=n" in robots_txt(content_usage=True)


def test_ai_txt_tdmrep_headers_and_meta():
    assert "User-Agent: *\nDisallow: /\n" in ai_txt()
    assert json.loads(tdmrep_json()) == [{"location": "/", "tdm-reservation": 1}]
    assert tdmrep(policy_url="https://art.example/tdm-policy.json")[0]["tdm-policy"] == (
        "https://art.example/tdm-policy.json")
    headers = optout_headers()
    assert headers == {"X-Robots-Tag": "noai, noimageai", "tdm-reservation": "1"}
    assert optout_headers(tdm_policy_url="https://p.example/", content_usage=True) == {
        "X-Robots-Tag": "noai, noimageai", "tdm-reservation": "1",
        "tdm-policy": "https://p.example/", "Content-Usage": "train-ai=n"}
    assert {"name": "robots", "content": "noai, noimageai"} in optout_meta_tags()
