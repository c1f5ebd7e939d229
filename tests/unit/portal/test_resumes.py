"""Résumés: the text lines of a PDF or a UTF-8 text, the refusals, and where they are kept.

The PDFs are written here byte by byte (a catalog, pages, a font, content streams, the xref table): a
Latin one with a standard font, a Chinese one as office suites write them (a Type0 font, Identity-H
encoding and a ToUnicode map from glyph ids to characters), a scan (an image and no text), a broken
one and one locked with a password (pypdf's own writer encrypts a copy).
"""

from __future__ import annotations

import io

import pytest
from jiping.domain.errors import PortalError
from jiping.domain.models import ObjectLocation
from jiping.portal import erasure
from jiping.portal.resumes import (
    MAX_BYTES,
    load_resume_text,
    read_resume,
    resume_prefix,
    store_resume,
)
from pypdf import PdfReader, PdfWriter

ARTIFACTS = "artifacts"
CHINESE_LINES = ["张三 简历", "2021-2023 某银行客服中心 组长", "负责投诉处理与客户回访，满意度提升 12%"]


# --- PDFs, by hand ---------------------------------------------------------------------------------


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file of these objects (object 1 is the catalog), with its cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(data: bytes, entries: str = "") -> bytes:
    return f"<< /Length {len(data)} {entries}>>\nstream\n".encode() + data + b"\nendstream"


def _latin(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _cid(text: str) -> str:
    return "<" + "".join(f"{ord(ch):04X}" for ch in text) + ">"  # glyph id = code point (Identity-H)


def text_pdf(pages: list[list[str]]) -> bytes:
    """A PDF whose pages show these lines: in Helvetica when they are ASCII, else in a CJK font (Identity-H
    and ToUnicode)."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    chinese = not all(line.isascii() for page in pages for line in page)
    if chinese:
        used = sorted({ch for page in pages for line in page for ch in line})
        cmap = "\n".join(
            [
                "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
                "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
                "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
                "1 begincodespacerange <0000> <FFFF> endcodespacerange",
                f"{len(used)} beginbfchar",
                *(f"<{ord(ch):04X}> <{ord(ch):04X}>" for ch in used),
                "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end",
            ]
        ).encode()
        objects.append(
            b"<< /Type /Font /Subtype /Type0 /BaseFont /WenQuanYiMicroHei /Encoding /Identity-H "
            b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>"
        )
        objects.append(
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /WenQuanYiMicroHei /DW 1000 "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            b"/FontDescriptor << /Type /FontDescriptor /FontName /WenQuanYiMicroHei /Flags 4 "
            b"/FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >> >>"
        )
        objects.append(_stream(cmap))
        show = _cid
    else:
        objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        show = _latin
    kids = []
    for lines in pages:
        content = "\n".join(
            ["BT", "/F1 12 Tf", "16 TL", "72 770 Td", *(f"{show(line)} Tj T*" for line in lines), "ET"]
        )
        page_number, content_number = len(objects) + 1, len(objects) + 2
        kids.append(f"{page_number} 0 R")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content_number} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>".encode()
        )
        objects.append(_stream(content.encode("latin-1")))
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return _pdf(objects)


def scanned_pdf() -> bytes:
    """One page that is a picture (a grey 2x2 image, as a scanner makes a big one) and has no text."""
    pixels = bytes([0, 128, 255, 64])
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
            _stream(b"q 495 0 0 742 50 50 cm /Im0 Do Q"),
            _stream(
                pixels,
                "/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 ",
            ),
        ]
    )


def refused(data: bytes, content_type: str) -> PortalError:
    with pytest.raises(PortalError) as caught:
        read_resume(data, content_type)
    return caught.value


# --- reading -----------------------------------------------------------------------------------------


def test_a_chinese_pdf_gives_its_lines_in_order():
    resume = read_resume(text_pdf([CHINESE_LINES]), "application/pdf")
    assert resume.lines == CHINESE_LINES
    assert resume.pages == 1 and resume.content_type == "application/pdf"


def test_a_pdf_of_two_pages_gives_the_lines_of_both():
    resume = read_resume(
        text_pdf([["Jane Doe, customer service lead"], ["2019-2023 Acme Bank (call centre) team lead"]]),
        "application/pdf",
    )
    assert resume.lines == ["Jane Doe, customer service lead", "2019-2023 Acme Bank (call centre) team lead"]
    assert resume.pages == 2


def test_a_scanned_pdf_without_a_text_layer_is_resume_no_text():
    error = refused(scanned_pdf(), "application/pdf")
    assert (error.code, error.status) == ("RESUME_NO_TEXT", 422)


def test_a_broken_pdf_is_resume_unreadable_not_a_server_error():
    whole = text_pdf([CHINESE_LINES])
    for broken in (whole[: len(whole) // 2], b"%PDF-1.7\n" + bytes(range(256)) * 8, b"%PDF-1.4\n%%EOF\n"):
        error = refused(broken, "application/pdf")
        assert (error.code, error.status) == ("RESUME_UNREADABLE", 422)


def test_bytes_declared_as_pdf_that_are_no_pdf_are_resume_unreadable():
    assert refused("简历".encode(), "application/pdf").code == "RESUME_UNREADABLE"


def test_a_pdf_locked_with_a_password_is_resume_unreadable():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf([CHINESE_LINES]))))
    writer.encrypt("secret", algorithm="RC4-128")
    locked = io.BytesIO()
    writer.write(locked)
    error = refused(locked.getvalue(), "application/pdf")
    assert error.code == "RESUME_UNREADABLE" and "password" in error.message


def test_a_pdf_of_more_than_20_pages_is_resume_too_large():
    error = refused(
        text_pdf([[f"page {n} of a long CV with enough text"] for n in range(21)]), "application/pdf"
    )
    assert (error.code, error.status) == ("RESUME_TOO_LARGE", 413)
    assert (
        read_resume(text_pdf([[f"page {n} of a long CV"] for n in range(20)]), "application/pdf").pages == 20
    )


def test_more_than_2_mb_is_resume_too_large_before_anything_is_read():
    error = refused(b"a" * (MAX_BYTES + 1), "text/plain")
    assert (error.code, error.status) == ("RESUME_TOO_LARGE", 413)


def test_utf8_text_with_a_bom_gives_clean_lines():
    data = "\ufeff张三\r\n\r\n  2021-2023   某银行客服中心\t组长  \n负责投诉处理\x07与回访\n".encode()
    resume = read_resume(data, "text/plain; charset=UTF-8")
    assert resume.lines == ["张三", "2021-2023 某银行客服中心 组长", "负责投诉处理与回访"]
    assert resume.pages is None and resume.content_type == "text/plain"


def test_text_that_is_not_utf8_is_resume_unreadable():
    error = refused("2021-2023 某银行客服中心 组长，负责投诉处理".encode("gbk"), "text/plain")
    assert (error.code, error.status) == ("RESUME_UNREADABLE", 422)


def test_a_declared_charset_other_than_utf8_is_resume_unsupported_type():
    assert refused("张三".encode("gbk"), "text/plain; charset=gbk").code == "RESUME_UNSUPPORTED_TYPE"


def test_a_word_document_or_an_image_is_resume_unsupported_type():
    for content_type in ("application/msword", "image/png", ""):
        error = refused(b"PK\x03\x04whatever", content_type)
        assert (error.code, error.status) == ("RESUME_UNSUPPORTED_TYPE", 415)


def test_an_empty_text_is_resume_no_text():
    assert refused(b" \n \n", "text/plain").code == "RESUME_NO_TEXT"


# --- storage -----------------------------------------------------------------------------------------


def test_a_stored_resume_comes_back_as_its_lines(store):
    resume = read_resume(text_pdf([CHINESE_LINES]), "application/pdf")
    stored = store_resume(store, ARTIFACTS, "t1", "iv-1", resume)
    assert stored.original_key == "t1/iv-1/resume/original" and stored.text_key == "t1/iv-1/resume/text.json"
    assert store.objects[(ARTIFACTS, stored.original_key)] == resume.original  # the PDF itself, kept
    assert load_resume_text(store, ARTIFACTS, "t1", "iv-1") == "\n".join(CHINESE_LINES)


def test_a_later_resume_replaces_the_earlier_one(store):
    store_resume(store, ARTIFACTS, "t1", "iv-1", read_resume(text_pdf([CHINESE_LINES]), "application/pdf"))
    store_resume(
        store, ARTIFACTS, "t1", "iv-1", read_resume("第二版简历：客服组长三年".encode(), "text/plain")
    )
    assert load_resume_text(store, ARTIFACTS, "t1", "iv-1") == "第二版简历：客服组长三年"
    assert sorted(k for _, k in store.objects) == ["t1/iv-1/resume/original", "t1/iv-1/resume/text.json"]


def test_an_interview_without_a_resume_has_no_text(store):
    assert load_resume_text(store, ARTIFACTS, "t1", "iv-none") is None


def test_the_resume_lies_under_what_erasure_deletes_for_the_interview() -> None:
    deleted: list[tuple[str, str]] = []

    class Objects:
        def delete_prefix(self, bucket: str, prefix: str) -> int:
            deleted.append((bucket, prefix))
            return 0

    erasure.erase_leftovers(
        "t1", "iv-1", objects=Objects(), uploads_bucket="uploads", artifacts_bucket=ARTIFACTS
    )
    key = ObjectLocation(bucket=ARTIFACTS, key=resume_prefix("t1", "iv-1") + "original")
    assert any(bucket == key.bucket and key.key.startswith(prefix) for bucket, prefix in deleted)


def test_ids_that_could_escape_the_prefix_are_refused(store):
    resume = read_resume("客服组长三年，负责投诉处理".encode(), "text/plain")
    with pytest.raises(ValueError):
        store_resume(store, ARTIFACTS, "t1", "../t2", resume)
