"""Files the simulator keeps: uploads from the bot and media sent by simulated users.

Telegram checks that a photo really is an image (``IMAGE_PROCESS_FAILED`` otherwise) and
reads its dimensions; the simulator does the same for PNG, JPEG, GIF and WebP.
"""

from __future__ import annotations

import base64
import mimetypes
import struct
from dataclasses import dataclass, field
from typing import Any

from bot.simulator.errors import bad_request

PHOTO_SIZE_LIMITS = (90, 320, 800, 1280, 2560)
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024


@dataclass
class StoredFile:
    """A file Telegram would store: its ids, kind, name and bytes."""

    file_id: str
    file_unique_id: str
    kind: str
    content: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    file_path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.content)


_KIND_PREFIX = {
    "document": "BQAC",
    "photo": "AgAC",
    "sticker": "CAAC",
    "voice": "AwAC",
    "video": "BAAC",
    "audio": "CQAC",
}


class FileStore:
    """Hands out Telegram-looking file ids and remembers what each one holds."""

    def __init__(self) -> None:
        self._files: dict[str, StoredFile] = {}
        self._counter = 0

    def add(
        self,
        kind: str,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        self._counter += 1
        serial = self._counter.to_bytes(8, "big")
        token = base64.urlsafe_b64encode(b"sim" + serial + kind.encode()[:4]).decode().rstrip("=")
        unique = base64.urlsafe_b64encode(b"u" + serial).decode().rstrip("=")
        extension = ""
        if file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        elif mime_type:
            extension = mimetypes.guess_extension(mime_type) or ""
        stored = StoredFile(
            file_id=_KIND_PREFIX.get(kind, "BQAC") + token,
            file_unique_id="AgAD" + unique,
            kind=kind,
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
            file_path=f"{kind}s/file_{self._counter}{extension}",
        )
        self._files[stored.file_id] = stored
        return stored

    def alias(self, original: StoredFile, *, width: int, height: int) -> StoredFile:
        """A further photo size of the same picture (Telegram makes several)."""
        stored = self.add(
            original.kind,
            original.content,
            file_name=original.file_name,
            mime_type=original.mime_type,
            width=width,
            height=height,
        )
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._files.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return next((f for f in self._files.values() if f.file_path == file_path), None)


def image_info(content: bytes) -> tuple[str, int, int] | None:
    """``(mime_type, width, height)`` for PNG, GIF, JPEG or WebP data, else None."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return "image/png", width, height
    if content[:6] in (b"GIF87a", b"GIF89a") and len(content) >= 10:
        width, height = struct.unpack("<HH", content[6:10])
        return "image/gif", width, height
    if content.startswith(b"\xff\xd8"):
        size = _jpeg_size(content)
        return ("image/jpeg", *size) if size else None
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        size = _webp_size(content)
        return ("image/webp", *size) if size else None
    return None


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(content):
        if content[index] != 0xFF:
            return None
        marker = content[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        (length,) = struct.unpack(">H", content[index + 2 : index + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return None


def _webp_size(content: bytes) -> tuple[int, int] | None:
    chunk = content[12:16]
    if chunk == b"VP8X" and len(content) >= 30:
        width = int.from_bytes(content[24:27], "little") + 1
        height = int.from_bytes(content[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and len(content) >= 25:
        bits = int.from_bytes(content[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and len(content) >= 30:
        width, height = struct.unpack("<HH", content[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def check_photo_dimensions(width: int, height: int) -> None:
    """Telegram's limits for photos: width + height <= 10000, ratio at most 20."""
    if width <= 0 or height <= 0 or width + height > 10000:
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    if max(width, height) / min(width, height) > 20:
        raise bad_request("PHOTO_INVALID_DIMENSIONS")


def photo_sizes(width: int, height: int) -> list[tuple[int, int]]:
    """The sizes Telegram generates for a photo (thumbnails up to the original)."""
    sizes = []
    longest = max(width, height)
    for limit in PHOTO_SIZE_LIMITS:
        if longest > limit:
            scale = limit / longest
            sizes.append((max(1, round(width * scale)), max(1, round(height * scale))))
        else:
            sizes.append((width, height))
            break
    return sizes


def guess_mime_type(file_name: str | None, declared: str | None) -> str:
    """Telegram derives a document's MIME type from its name."""
    if file_name:
        guessed, _ = mimetypes.guess_type(file_name)
        if guessed:
            return guessed
    return declared or "application/octet-stream"


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    """A valid PNG header (enough for Telegram's and the simulator's checks)."""
    header = b"\x89PNG\r\n\x1a\n"
    ihdr = struct.pack(">II", width, height) + b"\x08\x02\x00\x00\x00"
    return header + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\x00\x00\x00\x00"
