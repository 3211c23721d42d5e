"""Upload checks: type sniffing, zip bombs, XML entities, broken files."""

import io
import struct
import zipfile

import pytest

from app.excel import (ExcelError, ExcelFileError, ExcelFileTypeError, ExcelTooLargeError,
                       inspect_upload, write_xlsx)
from app.excel.safety import OLE2_MAGIC

MiB = 1024 * 1024
TYPE_MESSAGE = "仅允许导入xls、xlsx格式文件"


def xlsx_bytes(rows=(("张三", 1),)):
    buf = io.BytesIO()
    write_xlsx(buf, [("人员", ["姓名", "年龄"], rows, ["str", "int"])])
    return buf.getvalue()


def rebuild(data: bytes, replace=None, add=()):
    """Copy an xlsx zip, replacing some members' content and adding others."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in add:
            dst.writestr(name, content)
    return out.getvalue()


@pytest.fixture
def upload(tmp_path):
    def save(content: bytes, name="upload.xlsx"):
        path = tmp_path / name
        path.write_bytes(content)
        return path
    return save


def test_valid_xlsx_and_xls_are_detected_by_content(upload):
    assert inspect_upload(upload(xlsx_bytes(), "renamed.xls")) == "xlsx"
    assert inspect_upload(upload(OLE2_MAGIC + bytes(504), "a.xlsx")) == "xls"


@pytest.mark.parametrize("content", [
    b"",                                                   # empty file
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(200),    # a Windows .exe renamed
    "姓名,年龄\n张三,3\n".encode("utf-8"),                  # a .csv renamed
    b"<html><body>not excel</body></html>",
    b"%PDF-1.7\n",
])
def test_non_excel_content_is_415(upload, content):
    with pytest.raises(ExcelFileTypeError) as info:
        inspect_upload(upload(content))
    assert info.value.http_status == 415
    assert info.value.message.startswith(TYPE_MESSAGE)
    assert len(info.value.message) > len(TYPE_MESSAGE)      # says why


def test_zip_that_is_not_a_workbook_is_415(upload):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")    # a .docx
    with pytest.raises(ExcelFileTypeError):
        inspect_upload(upload(buf.getvalue()))


def test_truncated_zip_is_a_broken_file(upload):
    data = xlsx_bytes()
    with pytest.raises(ExcelFileError) as info:
        inspect_upload(upload(data[: len(data) // 2]))
    assert not isinstance(info.value, ExcelFileTypeError)
    assert info.value.http_status == 400
    assert info.value.message == "文件已损坏，无法读取"


def test_corrupt_deflate_stream_is_a_broken_file(upload):
    data = bytearray(xlsx_bytes([("张三" * 50, i) for i in range(2000)]))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename)
    data[start + 10: start + 400] = b"\xff" * 390
    with pytest.raises(ExcelFileError):
        inspect_upload(upload(bytes(data)))


def test_file_over_max_bytes_is_413(upload):
    with pytest.raises(ExcelTooLargeError) as info:
        inspect_upload(upload(xlsx_bytes()), max_bytes=1000)
    assert info.value.http_status == 413
    assert "文件大小超过上限" in info.value.message


def _bomb(path, size=200 * MiB):
    """A valid-looking xlsx whose sheet inflates from ~200 KB to ``size`` bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * MiB
            for _ in range(size // MiB):
                member.write(chunk)
    return path


def test_zip_bomb_rejected_by_ratio(tmp_path):
    path = _bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 2 * MiB
    with pytest.raises(ExcelFileError) as info:
        inspect_upload(path)
    assert "压缩炸弹" in info.value.message


def test_zip_bomb_rejected_by_total_size(tmp_path):
    path = _bomb(tmp_path / "bomb.xlsx")
    with pytest.raises(ExcelTooLargeError) as info:
        inspect_upload(path, max_uncompressed=100 * MiB, max_ratio=10_000)
    assert info.value.http_status == 413


def test_zip_that_understates_its_sizes_is_caught_while_inflating(upload):
    """Headers claim 100 bytes, the member really inflates to 5 MB."""
    data = bytearray(rebuild(xlsx_bytes(), add=[("xl/media/big.xml", b"<a/>" + b" " * 5 * MiB)]))
    name = b"xl/media/big.xml"
    for sig, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):   # local, central
        pos = 0
        while True:
            pos = data.index(sig, pos)
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                data[pos + size_at: pos + size_at + 4] = struct.pack("<I", 100)
                break
            pos += 4
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        assert zf.getinfo("xl/media/big.xml").file_size == 100      # the lie is in place
    with pytest.raises(ExcelFileError) as info:
        inspect_upload(upload(bytes(data)))
    assert "压缩炸弹" in info.value.message


def test_too_many_members(upload):
    data = rebuild(xlsx_bytes(), add=[(f"xl/media/p{i}.xml", "<a/>") for i in range(20)])
    assert inspect_upload(upload(data)) == "xlsx"
    with pytest.raises(ExcelFileError) as info:
        inspect_upload(upload(data), max_members=10)
    assert "超过上限 10 个" in info.value.message


LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
              for i in range(1, 10))
    + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    '</sheetData></worksheet>')


def test_billion_laughs_sheet_is_rejected(upload):
    data = rebuild(xlsx_bytes(), replace={"xl/worksheets/sheet1.xml": LAUGHS})
    with pytest.raises(ExcelFileError) as info:
        inspect_upload(upload(data))
    assert "实体" in info.value.message


def test_entity_hidden_after_a_long_prolog_is_found(upload):
    xml = '<?xml version="1.0"?>' + " " * 300_000 + '<!ENTITY x "y"><sst/>'
    data = rebuild(xlsx_bytes(), add=[("xl/sharedStrings.xml", xml)])
    with pytest.raises(ExcelFileError):
        inspect_upload(upload(data))


def test_utf16_xml_part_is_rejected(upload):
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><sst/>'.encode("utf-16")
    data = rebuild(xlsx_bytes(), add=[("xl/sharedStrings.xml", xml)])
    with pytest.raises(ExcelFileError):
        inspect_upload(upload(data))


def test_errors_share_a_base_with_chinese_message():
    for exc in (ExcelFileTypeError("x"), ExcelFileError("坏了"), ExcelTooLargeError("太大")):
        assert isinstance(exc, ExcelError)
        assert exc.message == str(exc)
    assert ExcelFileTypeError().message == TYPE_MESSAGE
