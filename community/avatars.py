"""Images members upload (avatars, post images), made safe with Pillow.

Whatever the file is called, it must be a real JPEG, PNG, WebP or GIF; at most 5 MB and
40 megapixels (checked from the header, before anything is decoded, so a decompression
bomb is refused without using memory; Pillow's own bomb guard is caught too). The image is
decoded, turned upright (EXIF orientation), and re-encoded from its pixels only: no EXIF,
GPS, XMP or ICC data survives. Avatars are cropped square at fixed sizes; post images are
scaled down to fit a box. Files are written through Django's default storage.
"""

from __future__ import annotations

import contextlib
import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
AVATAR_SIZES = (256, 64)
POST_IMAGE_BOX = 1600


class ImageRejected(ValidationError):
    """The upload is not an image we accept; the message is for the member."""


@dataclass
class ProcessedImage:
    content: bytes
    width: int
    height: int
    extension: str = "jpg"


def _read(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _too_heavy()
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_heavy()
    if not data:
        raise ImageRejected(_("The file is empty."), code="empty")
    return data


def _too_heavy() -> ImageRejected:
    return ImageRejected(_("The image is too heavy: 5 MB at most."), code="too_large")


def _not_an_image() -> ImageRejected:
    return ImageRejected(
        _("This file is not an image we can use: send a JPEG, PNG, WebP or GIF picture."),
        code="not_an_image",
    )


def _too_many_pixels() -> ImageRejected:
    return ImageRejected(
        _("The image is too large: 40 megapixels at most (for example 8000 × 5000)."),
        code="too_many_pixels",
    )


def open_image(upload) -> Image.Image:
    """Check and decode an upload; raises `ImageRejected` with a message for the member."""
    data = _read(upload)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))  # reads the header only
            if probe.format not in ALLOWED_FORMATS:
                raise _not_an_image()
            width, height = probe.size
            if width * height > MAX_PIXELS or width < 1 or height < 1:
                raise _too_many_pixels()
            probe.verify()  # structure and checksums, without decoding the pixels
            image = Image.open(io.BytesIO(data))
            image.load()
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _not_an_image() from None
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """Upright RGB pixels only (transparency composited on white)."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image) -> ProcessedImage:
    buffer = io.BytesIO()
    # A fresh RGB image has no info: nothing but the pixels is written.
    image.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
    return ProcessedImage(buffer.getvalue(), image.width, image.height)


def avatar_variants(upload) -> dict[int, ProcessedImage]:
    """The avatar as squares of each size in `AVATAR_SIZES` (centre crop)."""
    image = _flatten(open_image(upload))
    return {
        size: _encode(ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS))
        for size in AVATAR_SIZES
    }


def post_image(upload) -> ProcessedImage:
    """A post's image, scaled down to fit in POST_IMAGE_BOX × POST_IMAGE_BOX."""
    image = _flatten(open_image(upload))
    image.thumbnail((POST_IMAGE_BOX, POST_IMAGE_BOX), Image.Resampling.LANCZOS)
    return _encode(image)


def store(processed: ProcessedImage, folder: str) -> str:
    """Save under a random name in default storage; returns the stored name."""
    name = f"{folder}/{uuid.uuid4().hex}.{processed.extension}"
    return default_storage.save(name, ContentFile(processed.content))


def delete_stored(*names: str) -> None:
    for name in names:
        if name:
            with contextlib.suppress(Exception):  # a missing old file must not block anything
                default_storage.delete(name)
