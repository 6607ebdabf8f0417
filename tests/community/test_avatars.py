"""Avatars and post images: real images only, limits, EXIF/GPS stripped, fixed sizes."""

import io
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext as _
from PIL import ExifTags, Image

from community import avatars
from community.actions.profiles import set_avatar
from tests.community.life_helpers import join, png_bytes

pytestmark = pytest.mark.django_db


def jpeg_with_gps(size=(640, 480), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (20, 120, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCorp"
    exif[ExifTags.Base.Model] = "Pocket 3000"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 17.0, 33.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (5.0, 34.0, 10.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    data = buffer.getvalue()
    reread = Image.open(io.BytesIO(data)).getexif()
    assert reread.get_ifd(ExifTags.IFD.GPSInfo), "the fixture itself must carry GPS data"
    return data


def huge_png(width=20_000, height=20_000) -> bytes:
    """A tiny file whose header claims width × height (a decompression bomb's shape)."""
    data = bytearray(png_bytes((1, 1)))
    ihdr_start = 8 + 4  # signature, then the IHDR chunk's length
    data[ihdr_start + 4 : ihdr_start + 12] = struct.pack(">II", width, height)
    chunk = bytes(data[ihdr_start : ihdr_start + 4 + 13])
    data[ihdr_start + 17 : ihdr_start + 21] = struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    return bytes(data)


def upload(name: str, content: bytes, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def open_stored(name: str) -> Image.Image:
    with default_storage.open(name) as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
        return image


def test_avatar_is_stored_square_at_fixed_sizes_without_exif_or_gps(member):
    set_avatar(member, upload("moi.jpg", jpeg_with_gps()))
    member.refresh_from_db()
    large, small = open_stored(member.avatar.name), open_stored(member.avatar_small.name)
    assert (large.size, small.size) == ((256, 256), (64, 64))
    for image in (large, small):
        assert image.format == "JPEG"
        assert "exif" not in image.info
        exif = image.getexif()
        assert len(exif) == 0
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    with default_storage.open(member.avatar.name) as f:
        raw = f.read()
    assert b"Exif" not in raw and b"PhoneCorp" not in raw


def test_replacing_the_avatar_deletes_the_old_files(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_avatar(member, upload("a.png", png_bytes((300, 200)), "image/png"))
    old = member.avatar.name, member.avatar_small.name
    with django_capture_on_commit_callbacks(execute=True):
        set_avatar(member, upload("b.png", png_bytes((120, 400)), "image/png"))
    assert not any(default_storage.exists(name) for name in old)
    assert default_storage.exists(member.avatar.name)


def test_post_image_keeps_its_shape_is_turned_upright_and_loses_its_gps():
    processed = avatars.post_image(upload("p.jpg", jpeg_with_gps((400, 200), orientation=6)))
    image = Image.open(io.BytesIO(processed.content))
    assert image.size == (200, 400)  # orientation 6: the camera was turned
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    big = avatars.post_image(upload("big.png", png_bytes((4000, 1000)), "image/png"))
    assert (big.width, big.height) == (1600, 400)


def test_a_20000_by_20000_png_is_refused_without_decoding_it():
    data = huge_png()
    assert struct.unpack(">II", data[16:24]) == (20_000, 20_000)  # what the header claims
    with pytest.raises(avatars.ImageRejected) as error:
        avatars.avatar_variants(upload("bombe.png", data, "image/png"))
    assert error.value.code == "too_many_pixels"


def test_pillow_bomb_guard_is_turned_into_a_clear_refusal(monkeypatch):
    monkeypatch.setattr(avatars, "MAX_PIXELS", 10**12)  # let Pillow's own guard speak
    with pytest.raises(avatars.ImageRejected) as error:
        avatars.open_image(upload("bombe.png", huge_png(), "image/png"))
    assert error.value.code == "too_many_pixels"


def test_a_text_file_named_jpg_is_refused():
    with pytest.raises(avatars.ImageRejected) as error:
        avatars.open_image(upload("photo.jpg", b"Ceci n'est pas une image.\n" * 20))
    assert error.value.code == "not_an_image"


def test_other_formats_are_refused_whatever_the_name():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")
    with pytest.raises(avatars.ImageRejected):
        avatars.open_image(upload("photo.jpg", buffer.getvalue()))


def test_files_over_5_mb_are_refused():
    with pytest.raises(avatars.ImageRejected) as error:
        avatars.open_image(upload("lourd.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024)))
    assert error.value.code == "too_large"


def test_truncated_images_are_refused():
    data = jpeg_with_gps()[:400]
    with pytest.raises(avatars.ImageRejected):
        avatars.open_image(upload("coupee.jpg", data))


# --- through the forms: the member reads why --------------------------------------------------


def _profile_data(user, **extra):
    data = {
        "display_name": user.display_name,
        "handle": user.handle,
        "bio": "",
        "profile_visibility": "members",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "photo.jpg",
            b"hello, I am text",
            "This file is not an image we can use: send a JPEG, PNG, WebP or GIF picture.",
        ),
        (
            "bombe.png",
            huge_png(),
            "The image is too large: 40 megapixels at most (for example 8000 × 5000).",
        ),
    ],
)
def test_profile_form_refuses_bad_avatars_with_a_message(client, member, name, content, message):
    client.force_login(member)
    response = client.post(
        reverse("community:profile_edit"),
        _profile_data(member, avatar=upload(name, content)),
    )
    assert response.status_code == 200
    assert _(message) in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar


def test_profile_form_saves_a_good_avatar(client, member):
    client.force_login(member)
    response = client.post(
        reverse("community:profile_edit"),
        _profile_data(member, avatar=upload("moi.jpg", jpeg_with_gps())),
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert open_stored(member.avatar_small.name).size == (64, 64)


def test_post_image_needs_alt_text_and_refuses_fake_images(client, member, taxonomy):
    from tests.conftest import make_community

    club = make_community("Club photo", interests=[taxonomy["sf"]])
    join(member, club)
    client.force_login(member)
    url = reverse("community:post_create", args=[club.pk])
    response = client.post(url, {"body": "Regardez !", "image": upload("a.png", png_bytes())})
    assert response.status_code == 200
    assert _("Describe the image for people who cannot see it (alternative text).") in (
        response.content.decode()
    )
    response = client.post(
        url, {"body": "Regardez !", "image": upload("a.jpg", b"texte"), "image_alt": "Un chat"}
    )
    assert response.status_code == 200
    assert (
        _("This file is not an image we can use: send a JPEG, PNG, WebP or GIF picture.")
        in response.content.decode()
    )
    response = client.post(
        url,
        {"body": "Regardez !", "image": upload("a.jpg", jpeg_with_gps()), "image_alt": "Un ciel"},
    )
    assert response.status_code == 302
    post = club.posts.get()
    assert post.image_alt == "Un ciel"
    assert not open_stored(post.image.name).getexif().get_ifd(ExifTags.IFD.GPSInfo)
