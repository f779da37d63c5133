"""The two held-out blind spots, on files built the way the tools build them.

SwarmUI (src/Media/ImageFile.cs, src/Text2Image/T2IParamInput.cs): one JSON object,
indented, non-ASCII escaped (`StringEscapeHandling.EscapeNonAscii`), with the settings
under `sui_image_params`; PNG: a text chunk `parameters` (ImageSharp writes tEXt for such
ASCII text, never compressed); JPEG/WebP: EXIF UserComment in the Exif sub-IFD with the
`UNICODE` charset prefix.

Fooocus (modules/meta_parser.py `get_exif`, modules/private_logger.py `log`): for JPEG and
WebP it fills a top-level `PIL.Image.Exif()`, so UserComment 0x9286 (its JSON, or
A1111-style text for the `a1111` scheme), Software 0x0131 `Fooocus v2.5.5` and MakerNote
0x927C (the scheme name) all land in IFD0, as ASCII strings, not in the Exif sub-IFD.
"""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image, PngImagePlugin

from media.provenance import detect
from media.provenance.containers import read_container
from media.provenance.exif import read_exif

SWARM_METADATA = {
    "sui_image_params": {
        "prompt": "a photo of a café at dusk, 35mm",
        "negativeprompt": "",
        "model": "OfficialStableDiffusion/sd_xl_base_1.0",
        "seed": 1,
        "steps": 20,
        "cfgscale": 7.0,
        "aspectratio": "1:1",
        "width": 1024,
        "height": 1024,
        "automaticvae": True,
        "swarm_version": "0.9.3.1",
    },
    "sui_extra_data": {"date": "2025-01-25", "prep_time": "6.11 sec", "generation_time": "4.84 sec"},
    "sui_models": [
        {
            "name": "OfficialStableDiffusion/sd_xl_base_1.0.safetensors",
            "param": "model",
            "hash": "0xd7a9105a900fd52748f20725fe52fe52b507fd36bee4fc107b1550a26e6ee1d7",
        }
    ],
}

# FooocusMetadataParser.to_string: json.dumps(dict(sorted(res.items()))) of the log rows.
FOOOCUS_JSON = json.dumps(
    dict(
        sorted(
            {
                "prompt": "a lighthouse in a storm",
                "negative_prompt": "",
                "prompt_expansion": "a lighthouse in a storm, dramatic, highly detailed",
                "styles": "['Fooocus V2', 'Fooocus Enhance', 'Fooocus Sharp']",
                "performance": "Speed",
                "steps": 30,
                "resolution": "(1152, 896)",
                "guidance_scale": 4,
                "sharpness": 2,
                "adm_guidance": "(1.5, 0.8, 0.3)",
                "base_model": "juggernautXL_v8Rundiffusion",
                "refiner_model": "None",
                "refiner_switch": 0.5,
                "sampler": "dpmpp_2m_sde_gpu",
                "scheduler": "karras",
                "vae": "Default (model)",
                "seed": "1234567890",
                "lora_combined_1": "sd_xl_offset_example-lora_1.0 : 0.1",
                "metadata_scheme": "fooocus",
                "version": "Fooocus v2.5.5",
                "full_prompt": ["a lighthouse in a storm, dramatic, highly detailed"],
                "full_negative_prompt": ["(worst quality, low quality:1.4)"],
                "base_model_hash": "1fe6c7ec54",
                "loras": [["sd_xl_offset_example-lora_1.0", 0.1, "4852686128"]],
            }.items()
        )
    )
)
# A1111MetadataParser.to_string: prompt, "Negative prompt:", then the settings line.
FOOOCUS_A1111_TEXT = (
    "a lighthouse in a storm, dramatic, highly detailed\n"
    "Negative prompt: (worst quality, low quality:1.4)\n"
    'Steps: 30, Sampler: DPM++ 2M SDE Karras, Seed: 1234567890, Size: 1152x896, CFG scale: 4, '
    'Sharpness: 2, ADM Guidance: "(1.5, 0.8, 0.3)", Model: juggernautXL_v8Rundiffusion, '
    "Model hash: 1fe6c7ec54, Performance: Speed, Scheduler: karras, VAE: Default (model), "
    "Version: Fooocus v2.5.5"
)


def swarm_text() -> str:
    """T2IParamInput.MetadataToString: Formatting.Indented, EscapeNonAscii, \\n newlines."""
    return json.dumps(SWARM_METADATA, indent=2, ensure_ascii=True)


def swarm_png(itxt: bool = False) -> bytes:
    info = PngImagePlugin.PngInfo()
    if itxt:  # a writer that keeps UTF-8 as is (iTXt, compressed): same JSON
        info.add_itxt("parameters", json.dumps(SWARM_METADATA, ensure_ascii=False), zip=True)
    else:
        info.add_text("parameters", swarm_text())
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (90, 120, 200)).save(out, "PNG", pnginfo=info, compress_level=1)
    return out.getvalue()


def swarm_jpeg() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + swarm_text().encode("utf-16-le")
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (90, 120, 200)).save(out, "JPEG", quality=100, exif=exif)
    return out.getvalue()


def fooocus_exif(metadata: str, scheme: str) -> Image.Exif:
    """modules/meta_parser.get_exif, verbatim in effect."""
    exif = Image.Exif()
    exif[0x9286] = metadata
    exif[0x0131] = "Fooocus v2.5.5"
    exif[0x927C] = scheme
    return exif


def fooocus_file(fmt: str, metadata: str = FOOOCUS_JSON, scheme: str = "fooocus") -> bytes:
    """modules/private_logger.log for the jpeg and webp output formats."""
    image = Image.new("RGB", (64, 64), (200, 160, 90))
    out = io.BytesIO()
    exif = fooocus_exif(metadata, scheme)
    if fmt == "jpeg":
        image.save(out, "JPEG", quality=95, optimize=True, progressive=True, exif=exif)
    else:
        image.save(out, "WEBP", quality=95, lossless=False, exif=exif)
    return out.getvalue()


# --------------------------------------------------------------------------- SwarmUI


def test_swarm_fixture_has_the_tools_shape() -> None:
    """The file really is what SwarmUI writes: one uncompressed `parameters` text chunk
    whose JSON keeps the settings one level down."""
    box = read_container(swarm_png())
    assert [k for k, _ in box.text] == ["parameters"]
    assert b"tEXtparameters\x00{\n  " in swarm_png()
    value = json.loads(box.text[0][1])
    assert set(value) == {"sui_image_params", "sui_extra_data", "sui_models"}
    assert "\\u00e9" in box.text[0][1]  # EscapeNonAscii


@pytest.mark.parametrize("itxt", [False, True], ids=["tEXt", "iTXt"])
def test_swarm_png_parameters_json_is_ai(itxt: bool) -> None:
    verdict = detect(swarm_png(itxt))
    assert verdict.verdict == "ai", verdict
    hits = [s for s in verdict.signals if s.signal == "png-parameters"]
    assert [s.confidence for s in hits] == ["high"], verdict
    assert "SwarmUI" in hits[0].detail and "sui_image_params" in hits[0].detail
    assert "0.9.3.1" in hits[0].detail and "sd_xl_base_1.0" in hits[0].detail
    assert "unknown format" not in hits[0].detail


def test_swarm_jpeg_user_comment_json_is_ai() -> None:
    verdict = detect(swarm_jpeg())
    assert verdict.verdict == "ai", verdict
    assert [(s.signal, s.confidence) for s in verdict.signals] == [("exif", "high")]
    assert "EXIF UserComment holds SwarmUI sui_image_params JSON" in verdict.signals[0].detail


@pytest.mark.parametrize(
    "value",
    [
        json.dumps({"sui_image_params": "not an object"}),
        json.dumps({"sui_models": [], "note": "for my portfolio"}),
        json.dumps({"resolution": "300dpi", "colour": "sRGB"}),
    ],
)
def test_other_parameters_json_stays_medium(value: str) -> None:
    verdict = detect(
        swarm_png_with(value),
    )
    assert verdict.verdict == "needs-review", verdict
    assert "unknown format" in verdict.signals[0].detail


def swarm_png_with(value: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", value)
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


# --------------------------------------------------------------------------- Fooocus


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_fooocus_fixture_puts_user_comment_in_ifd0(fmt: str) -> None:
    """The shape the blind spot is about: nothing in the Exif sub-IFD, all in IFD0."""
    raw = read_container(fooocus_file(fmt)).exif_raw
    assert raw is not None
    exif = Image.Exif()
    exif.load(raw)
    assert exif.get_ifd(0x8769) == {}
    assert exif[0x9286] == FOOOCUS_JSON and exif[0x927C] == "fooocus"


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_fooocus_ifd0_user_comment_json_is_ai(fmt: str) -> None:
    verdict = detect(fooocus_file(fmt))
    assert verdict.verdict == "ai", verdict
    hits = [s for s in verdict.signals if s.signal == "exif"]
    assert [s.confidence for s in hits] == ["high"], verdict
    assert hits[0].detail.startswith("EXIF UserComment (IFD0) holds generation settings JSON")
    assert "Fooocus" in hits[0].detail and "MakerNote scheme 'fooocus'" in hits[0].detail


def test_fooocus_ifd0_a1111_scheme_is_ai() -> None:
    verdict = detect(fooocus_file("jpeg", FOOOCUS_A1111_TEXT, "a1111"))
    assert verdict.verdict == "ai", verdict
    hits = [s for s in verdict.signals if s.signal == "exif"]
    assert len(hits) == 1 and hits[0].confidence == "high"
    assert "UserComment (IFD0) in AUTOMATIC1111/Forge format" in hits[0].detail
    assert "MakerNote scheme 'a1111'" in hits[0].detail


def test_fooocus_software_alone_is_only_a_hint() -> None:
    """Fooocus with metadata saving off writes an empty Exif; a typed Software name alone
    stays a medium free-text hint, as before."""
    exif = Image.Exif()
    exif[0x0131] = "Fooocus v2.5.5"
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "JPEG", exif=exif)
    verdict = detect(out.getvalue())
    assert verdict.verdict == "needs-review"
    assert {s.signal for s in verdict.signals} == {"software-text"}


def test_exif_sub_ifd_user_comment_wins_over_ifd0() -> None:
    exif = Image.Exif()
    exif[0x9286] = "ifd0 text"
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00sub-ifd text"
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "JPEG", exif=exif)
    fields = read_exif(read_container(out.getvalue()))
    assert fields["UserComment"] == "sub-ifd text"
    assert "UserComment (IFD0)" not in fields


def test_ifd0_comment_and_binary_maker_note_of_a_camera_are_not_ai() -> None:
    """A camera's binary MakerNote is not read as a scheme label, and a plain comment in
    IFD0 is no generator declaration."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS R5"
    exif[0x9286] = "holiday in Lisbon"
    exif.get_ifd(0x8769)[0x927C] = b"\x1c\x00\x01\x00\x03\x00\x31\x00\x00\x00\x90\x03\x00\x00"
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert "MakerNote" not in read_exif(read_container(data))
    assert read_exif(read_container(data))["UserComment (IFD0)"] == "holiday in Lisbon"
    assert detect(data).verdict == "none"
