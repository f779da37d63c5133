"""Cleaning (orientation, sRGB, alpha) and the served variants (sizes, encodings,
focal point, blurhash)."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from blurhash_rs import blurhash_decode
from PIL import Image, ImageCms

from media.blurhash import blurhash_of
from media.clean import clean, fit_within
from media.ingest import decode
from media.variants import FocalPoint, VariantOptions, make_variants

RED, BLUE = (255, 0, 0), (0, 0, 255)


def jpeg_with_orientation(orientation: int) -> bytes:
    """80×40 stored image: red top half, blue bottom half."""
    arr = np.zeros((40, 80, 3), np.uint8)
    arr[:20] = RED
    arr[20:] = BLUE
    exif = Image.Exif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=95, exif=exif)
    return buf.getvalue()


def close(pixel, colour, tol=40) -> bool:
    return all(abs(int(a) - b) <= tol for a, b in zip(pixel, colour, strict=True))


@pytest.mark.parametrize(
    ("orientation", "size", "red_at", "blue_at"),
    [
        (1, (80, 40), (40, 5), (40, 35)),
        (3, (80, 40), (40, 35), (40, 5)),  # 180°: red ends at the bottom
        (6, (40, 80), (35, 40), (5, 40)),  # 90° clockwise: the top goes right
        (8, (40, 80), (5, 40), (35, 40)),  # 90° anticlockwise: the top goes left
    ],
)
def test_exif_orientation_is_applied(orientation, size, red_at, blue_at):
    c = clean(decode(jpeg_with_orientation(orientation)))
    assert (c.width, c.height) == size
    assert close(c.rgb[red_at[1], red_at[0]], RED)
    assert close(c.rgb[blue_at[1], blue_at[0]], BLUE)
    assert c.orientation == orientation


def test_clean_output_is_plain_rgb_array():
    c = clean(decode(jpeg_with_orientation(1)))
    assert c.rgb.dtype == np.uint8 and c.rgb.shape == (40, 80, 3)
    assert c.rgb.flags["C_CONTIGUOUS"]
    assert c.color == "srgb" and not c.had_alpha


def test_shrinks_to_working_size():
    arr = np.random.default_rng(0).integers(0, 256, (300, 1000, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    c = clean(decode(buf.getvalue()), max_side=500)
    assert (c.width, c.height) == (500, 150)


# --- colour ------------------------------------------------------------------------

def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def linear_rgb_icc() -> bytes:
    """A minimal ICC v2 display profile: sRGB primaries, LINEAR tone curves (gamma 1).
    Mid-grey 128 in this space is about 188 in sRGB, so a conversion is visible."""
    def xyz(x, y, z):
        return b"XYZ " + bytes(4) + _s15(x) + _s15(y) + _s15(z)

    text = b"Linear RGB test\x00"
    desc = (b"desc" + bytes(4) + struct.pack(">I", len(text)) + text
            + bytes(4) + bytes(4) + bytes(2) + bytes(1) + bytes(67))
    curv = b"curv" + bytes(4) + struct.pack(">I", 1) + struct.pack(">H", 0x0100) + bytes(2)
    tags = [(b"desc", desc), (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)), (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
            (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
            (b"rTRC", curv), (b"gTRC", curv), (b"bTRC", curv)]
    offset = 128 + 4 + 12 * len(tags)
    table, blob = b"", b""
    for sig, data in tags:
        pad = data + bytes(-len(data) % 4)
        table += sig + struct.pack(">II", offset + len(blob), len(data))
        blob += pad
    size = offset + len(blob)
    header = (struct.pack(">I", size) + bytes(4) + bytes([2, 0x10, 0, 0]) + b"mntr"
              + b"RGB " + b"XYZ " + bytes(12) + b"acsp" + bytes(4) + bytes(4) + bytes(4)
              + bytes(4) + bytes(8) + bytes(4) + _s15(0.9642) + _s15(1.0) + _s15(0.8249)
              + bytes(4) + bytes(16) + bytes(28))
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + blob


def test_embedded_icc_profile_is_converted_to_srgb():
    icc = linear_rgb_icc()
    ImageCms.ImageCmsProfile(io.BytesIO(icc))  # lcms accepts it
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (128, 128, 128)).save(buf, "PNG", icc_profile=icc)
    c = clean(decode(buf.getvalue()))
    assert c.color == "converted:Linear RGB test"
    assert 180 <= int(c.rgb[8, 8, 0]) <= 195


def test_srgb_profiles_are_recognised_whatever_their_name():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (128, 64, 32)).save(buf, "PNG", icc_profile=srgb)
    c = clean(decode(buf.getvalue()))
    assert c.color == "srgb"
    assert tuple(c.rgb[0, 0]) == (128, 64, 32)


def test_broken_icc_profile_is_ignored():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(buf, "PNG", icc_profile=b"not a profile")
    c = clean(decode(buf.getvalue()))
    assert c.color == "unreadable-profile"
    assert tuple(c.rgb[0, 0]) == (10, 20, 30)


def test_cmyk_jpeg_becomes_rgb():
    buf = io.BytesIO()
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(buf, "JPEG", quality=95)
    c = clean(decode(buf.getvalue()))
    assert c.rgb.shape == (8, 8, 3) and close(c.rgb[4, 4], RED)


# --- alpha and odd modes ---------------------------------------------------------------

def test_transparency_is_flattened_onto_white():
    arr = np.zeros((10, 20, 4), np.uint8)
    arr[:, :10] = (255, 0, 0, 255)  # opaque red left half, transparent right half
    buf = io.BytesIO()
    Image.fromarray(arr, "RGBA").save(buf, "PNG")
    c = clean(decode(buf.getvalue()))
    assert c.had_alpha
    assert tuple(c.rgb[5, 2]) == RED and tuple(c.rgb[5, 17]) == (255, 255, 255)
    assert clean(decode(buf.getvalue()), background=(0, 0, 0)).rgb[5, 17].tolist() == [0, 0, 0]


def test_palette_gif_transparency_and_16_bit_png():
    im = Image.new("P", (8, 8), 1)
    im.putpalette([0, 0, 0, 0, 200, 0] + [0] * 762)
    buf = io.BytesIO()
    im.save(buf, "GIF", transparency=0)
    assert tuple(clean(decode(buf.getvalue())).rgb[0, 0]) == (0, 200, 0)

    arr16 = np.full((4, 4), 65535 // 2, np.uint16)
    buf = io.BytesIO()
    Image.fromarray(arr16).save(buf, "PNG")
    grey = clean(decode(buf.getvalue())).rgb[0, 0]
    assert 125 <= int(grey[0]) <= 130 and len(set(grey.tolist())) == 1


# --- variants -----------------------------------------------------------------------------

def test_fit_within():
    assert fit_within(4000, 3000, 2560) == (2560, 1920)
    assert fit_within(300, 200, 2560) == (300, 200)
    assert fit_within(10000, 3, 400) == (400, 1)


def test_variant_sizes_and_encodings():
    arr = np.random.default_rng(2).integers(0, 256, (1000, 3000, 3), dtype=np.uint8)
    v = make_variants(arr, xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    assert (v.display.width, v.display.height) == (2560, 853)
    assert (v.thumbnail.width, v.thumbnail.height) == (400, 133)
    for variant in (v.display, v.thumbnail):
        for mime, data in variant.encodings().items():
            im = Image.open(io.BytesIO(data))
            assert im.get_format_mimetype() == mime
            assert im.size == (variant.width, variant.height)
            assert "exif" not in im.info and "icc_profile" not in im.info
            assert b"xmpmeta" in data
    assert v.thumbnail_rgb.shape == (133, 400, 3)


def test_small_images_are_never_upscaled():
    arr = np.zeros((200, 300, 3), np.uint8)
    v = make_variants(arr, options=VariantOptions(display_max=1000, thumb_max=400))
    assert (v.display.width, v.display.height) == (300, 200)
    assert (v.thumbnail.width, v.thumbnail.height) == (300, 200)


def test_variants_reject_non_rgb_arrays():
    with pytest.raises(ValueError):
        make_variants(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError):
        make_variants(np.zeros((10, 10, 3), np.float32))


def test_focal_point_mastodon_convention():
    assert FocalPoint().as_mastodon() == {"x": 0.0, "y": 0.0}
    top_left = FocalPoint.from_pixels(0, 0, 200, 100)
    assert (top_left.x, top_left.y) == (-1.0, 1.0)
    fp = FocalPoint.from_pixels(150, 75, 200, 100)
    assert (fp.x, fp.y) == (0.5, -0.5)
    assert fp.to_pixels(200, 100) == (150.0, 75.0)
    with pytest.raises(ValueError):
        FocalPoint(1.5, 0)
    assert make_variants(np.zeros((8, 8, 3), np.uint8), focus=fp).focus == fp


def test_blurhash_of_thumbnail():
    arr = np.zeros((300, 400, 3), np.uint8)
    arr[:, :200] = (200, 40, 40)
    arr[:, 200:] = (40, 40, 200)
    bh = blurhash_of(arr)
    assert len(bh) == 6 + 2 * (4 * 4 - 1)  # 4×4 components, as Mastodon
    assert blurhash_of(arr) == bh
    back = np.asarray(blurhash_decode(bh, 40, 30))
    assert back[15, 3, 0] > back[15, 3, 2] and back[15, 36, 2] > back[15, 36, 0]
    assert len(blurhash_of(arr, x_components=4, y_components=3)) == 6 + 2 * 11


def test_a_medium_variant_sits_between_thumbnail_and_display():
    """Pages list every size in srcset: a large image gets a ≤ 1280 px medium variant,
    one no larger than that does not (the display already is that size)."""
    big = make_variants(np.zeros((1500, 2000, 3), np.uint8))
    assert big.medium is not None
    assert (big.medium.width, big.medium.height) == (1280, 960)
    assert big.medium.webp[:4] == b"RIFF" and big.medium.jpeg[:2] == b"\xff\xd8"
    assert make_variants(np.zeros((900, 1200, 3), np.uint8)).medium is None
