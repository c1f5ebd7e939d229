"""The candidate's résumé, for the second interview's outline (``jiping.portal.outline``): its text lines.

``read_resume`` accepts a PDF with a text layer (pypdf, pure Python) or UTF-8 plain text, at most
``MAX_BYTES`` and ``MAX_PAGES`` pages, and refuses everything else with a ``PortalError`` of a stable code:

- ``RESUME_TOO_LARGE`` (413): over 2 MB, or a PDF of more than 20 pages;
- ``RESUME_UNSUPPORTED_TYPE`` (415): neither ``application/pdf`` nor ``text/plain`` (UTF-8);
- ``RESUME_NO_TEXT`` (422): nothing to read, e.g. a scanned PDF without a text layer (no OCR here);
- ``RESUME_UNREADABLE`` (422): a broken or password-protected PDF, or text that is not UTF-8.

Storage: the original and its extracted lines are kept in the artifacts bucket under
``{tenant}/{interview}/resume/`` (``original`` and ``text.json``; a later résumé replaces both). That prefix
lies under the interview's artifacts prefix ``{tenant}/{interview}/``, so the résumé is erased with the
interview (``jiping.portal.erasure.erase_candidate`` and ``erase_leftovers`` delete every object version
under it, as does the deletion of a practice interview) and expires with the artifacts: the artifacts
bucket's lifecycle rule (``infra/constructs/storage.py``, ``retention``) covers the whole bucket, with
no prefix filter. Nothing of a résumé is ever logged.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import zlib
from typing import Literal

from pydantic import Field
from pypdf import PdfReader
from pypdf.errors import DependencyError, PyPdfError

from jiping.domain.errors import NotFound, PortalError
from jiping.domain.models import Model, ObjectLocation, check_id
from jiping.ports import ObjectStore

MAX_BYTES = 2 * 1024 * 1024
MAX_PAGES = 20
MAX_LINES = 1000  # lines kept (a two-page résumé has about 80)
MAX_LINE_CHARS = 500
MIN_TEXT_CHARS = 8  # fewer non-space characters than this: no text layer (a scan's page numbers at most)
PDF = "application/pdf"
TEXT = "text/plain"
ORIGINAL = "original"
TEXT_DOCUMENT = "text.json"

TOO_LARGE, UNSUPPORTED, NO_TEXT, UNREADABLE = (
    "RESUME_TOO_LARGE",
    "RESUME_UNSUPPORTED_TYPE",
    "RESUME_NO_TEXT",
    "RESUME_UNREADABLE",
)
# What a malformed PDF can raise from pypdf's parser besides its own errors: refused, never a 500.
_PDF_ERRORS = (
    PyPdfError,
    DependencyError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AttributeError,
    AssertionError,
    RecursionError,
    OverflowError,
    zlib.error,
    struct.error,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_RADICALS = re.compile(r"[\u2e80-\u2fdf]")  # CJK radicals some PDF fonts map ideographs to (⼀ for 一)


class Resume(Model):
    """A résumé as read: its text lines (1-based in the outline) and what it was."""

    content_type: Literal["application/pdf", "text/plain"]
    size: int  # bytes
    sha256: str
    pages: int | None = None  # PDF pages; None for text
    lines: list[str]
    original: bytes = Field(default=b"", exclude=True, repr=False)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _refuse(code: str, message: str, status: int) -> PortalError:
    return PortalError(code, message, status)


def _media_type(content_type: str) -> tuple[str, str | None]:
    """The media type and its charset parameter, lower case."""
    parts = [p.strip() for p in (content_type or "").split(";")]
    charset = next(
        (
            p.split("=", 1)[1].strip().strip('"').lower()
            for p in parts[1:]
            if p.lower().startswith("charset=")
        ),
        None,
    )
    return parts[0].lower(), charset


def _lines(text: str) -> list[str]:
    """Clean, non-empty lines: control characters out, runs of spaces one, radicals as their ideographs."""
    out = []
    for raw in text.splitlines():
        line = _RADICALS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), raw)
        line = _SPACES.sub(" ", _CONTROL.sub("", line)).strip()
        if line:
            out.append(line[:MAX_LINE_CHARS])
        if len(out) >= MAX_LINES:
            break
    return out


def _pdf_text(data: bytes) -> tuple[str, int]:
    if b"%PDF-" not in data[:1024]:
        raise _refuse(UNREADABLE, "the file is not a PDF", 422)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _refuse(UNREADABLE, "the PDF is protected by a password", 422)
        pages = len(reader.pages)
        if pages > MAX_PAGES:
            raise _refuse(TOO_LARGE, f"the PDF has {pages} pages; at most {MAX_PAGES} are read", 413)
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except PortalError:
        raise
    except _PDF_ERRORS as exc:
        raise _refuse(UNREADABLE, f"the PDF cannot be read ({type(exc).__name__})", 422) from None
    return text, pages


def read_resume(data: bytes, content_type: str) -> Resume:
    """The text lines of a résumé: a PDF with a text layer or UTF-8 text (see the module doc's refusals)."""
    if len(data) > MAX_BYTES:
        raise _refuse(TOO_LARGE, f"a résumé is at most {MAX_BYTES // (1024 * 1024)} MB", 413)
    media_type, charset = _media_type(content_type)
    pages: int | None = None
    if media_type == PDF:
        text, pages = _pdf_text(data)
    elif media_type == TEXT:
        if charset not in (None, "utf-8", "utf8", "us-ascii"):
            raise _refuse(UNSUPPORTED, f"text résumés are UTF-8, not {charset}", 415)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _refuse(UNREADABLE, "the text is not UTF-8: save it as UTF-8 or send a PDF", 422) from None
        if "\x00" in text:
            raise _refuse(UNREADABLE, "the text holds binary data", 422)
    else:
        raise _refuse(UNSUPPORTED, f"a résumé is a PDF ({PDF}) or UTF-8 text ({TEXT})", 415)
    lines = _lines(text)
    if sum(len(line.replace(" ", "")) for line in lines) < MIN_TEXT_CHARS:
        what = "the PDF has no text layer (a scan?): send a PDF with text" if pages is not None else "no text"
        raise _refuse(NO_TEXT, what, 422)
    return Resume(
        content_type=PDF if media_type == PDF else TEXT,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        pages=pages,
        lines=lines,
        original=data,
    )


# --- storage ------------------------------------------------------------------------------------


def resume_prefix(tenant_id: str, interview_id: str) -> str:
    """``{tenant}/{interview}/resume/``: under the interview's artifacts, erased and expired with them."""
    return f"{check_id(tenant_id, 'tenant_id')}/{check_id(interview_id, 'interview_id')}/resume/"


class StoredResume(Model):
    original_key: str
    text_key: str


def store_resume(
    objects: ObjectStore, bucket: str, tenant_id: str, interview_id: str, resume: Resume
) -> StoredResume:
    """Keep the original and its lines (a later résumé of the interview replaces both)."""
    prefix = resume_prefix(tenant_id, interview_id)
    original = ObjectLocation(bucket=bucket, key=prefix + ORIGINAL)
    lines = ObjectLocation(bucket=bucket, key=prefix + TEXT_DOCUMENT)
    objects.put_bytes(original, resume.original, resume.content_type)
    objects.put_json(lines, resume.model_dump(mode="json"))
    return StoredResume(original_key=original.key, text_key=lines.key)


def load_resume_text(objects: ObjectStore, bucket: str, tenant_id: str, interview_id: str) -> str | None:
    """The stored résumé's lines joined by newlines; None when the interview has none."""
    location = ObjectLocation(bucket=bucket, key=resume_prefix(tenant_id, interview_id) + TEXT_DOCUMENT)
    try:
        document = objects.get_json(location)
    except NotFound:
        return None
    lines = document.get("lines") if isinstance(document, dict) else None
    return "\n".join(str(line) for line in lines) if isinstance(lines, list) and lines else None
