"""Upload checks run before any Excel parsing: file type by content, zip-bomb limits,
XML entity declarations.

For .xlsx every member is inflated once, streamed and discarded, so the real
unpacked size is checked (a zip may understate it in its headers) and every XML
part is scanned for ``<!DOCTYPE``/``<!ENTITY``. No XML is parsed here.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from typing import Iterator

from .report import ExcelFileError, ExcelFileTypeError, ExcelTooLargeError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MiB = 1024 * 1024
DEFAULT_LIMITS = {"max_bytes": 50 * MiB, "max_uncompressed": 512 * MiB,
                  "max_members": 2000, "max_ratio": 200}
RATIO_MIN_SIZE = MiB            # small parts may compress well; only big ones are judged
XML_SUFFIXES = (".xml", ".rels", ".vml")
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")
_CHUNK = 256 * 1024

MSG_BROKEN = "文件已损坏，无法读取"
MSG_NOT_EXCEL = "文件内容不是Excel工作簿"
MSG_BOMB = "文件解压后的内容异常（疑似压缩炸弹），已拒绝导入"
MSG_ENTITY = "文件包含不允许的XML实体声明（DOCTYPE/ENTITY），已拒绝导入"


def inspect_upload(path: str | os.PathLike, *, max_bytes: int = DEFAULT_LIMITS["max_bytes"],
                   max_uncompressed: int = DEFAULT_LIMITS["max_uncompressed"],
                   max_members: int = DEFAULT_LIMITS["max_members"],
                   max_ratio: float = DEFAULT_LIMITS["max_ratio"]) -> str:
    """Return ``"xlsx"`` or ``"xls"`` for a safe-looking upload, else raise an ``ExcelError``.

    The type comes from the content, never the file name.
    """
    size = os.path.getsize(path)
    if size == 0:
        raise ExcelFileTypeError("文件为空")
    if size > max_bytes:
        raise ExcelTooLargeError(f"文件大小超过上限 {_mb(max_bytes)}")
    with open(path, "rb") as fh:
        magic = fh.read(8)
        if magic == OLE2_MAGIC:
            return "xls"
        if not magic.startswith(ZIP_MAGIC):
            raise ExcelFileTypeError(MSG_NOT_EXCEL)
        try:
            zf = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise ExcelFileError(MSG_BROKEN) from None
        with zf:
            _check_zip(fh, zf.infolist(), max_uncompressed, max_members, max_ratio)
    return "xlsx"


def _mb(n: int) -> str:
    return f"{n / MiB:g} MB"


def _check_zip(fh, infos: list[zipfile.ZipInfo], max_uncompressed: int, max_members: int,
               max_ratio: float) -> None:
    if len(infos) > max_members:
        raise ExcelFileError(f"文件结构异常：包含 {len(infos)} 个部件，超过上限 {max_members} 个")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ExcelFileTypeError(MSG_NOT_EXCEL)
    if sum(i.file_size for i in infos) > max_uncompressed:
        raise ExcelTooLargeError(f"文件解压后超过 {_mb(max_uncompressed)}，已拒绝导入")
    for info in infos:
        if info.flag_bits & 0x1:
            raise ExcelFileError("文件中有加密的部件，无法导入")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ExcelFileError(MSG_BROKEN)
        if info.file_size > RATIO_MIN_SIZE and (
                info.compress_size == 0 or info.file_size / info.compress_size > max_ratio):
            raise ExcelFileError(MSG_BOMB)
    for info in infos:
        scan = info.filename.lower().endswith(XML_SUFFIXES)
        tail = b""
        first = True
        for chunk in _inflate(fh, info):
            if scan:
                if first and chunk[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"):
                    raise ExcelFileError("文件中的XML编码不受支持，请用Excel另存为xlsx后再导入")
                window = tail + chunk
                if _FORBIDDEN[0] in window or _FORBIDDEN[1] in window:
                    raise ExcelFileError(MSG_ENTITY)
                tail = window[-8:]
            first = False


def _inflate(fh, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Yield a member's unpacked bytes, refusing more than its declared size."""
    fh.seek(info.header_offset)
    header = fh.read(30)
    if len(header) != 30 or header[:4] != ZIP_MAGIC:
        raise ExcelFileError(MSG_BROKEN)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    left_in, left_out = info.compress_size, info.file_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while left_in > 0:
        data = fh.read(min(_CHUNK, left_in))
        if not data:
            raise ExcelFileError(MSG_BROKEN)
        left_in -= len(data)
        while data:
            if inflater is None:
                out, data = data, b""
            else:
                try:
                    out = inflater.decompress(data, left_out + 1)
                except zlib.error:
                    raise ExcelFileError(MSG_BROKEN) from None
                data = inflater.unconsumed_tail
            left_out -= len(out)
            if left_out < 0:
                raise ExcelFileError(MSG_BOMB)
            if out:
                yield out
            elif data:          # no progress although input is left: corrupt stream
                raise ExcelFileError(MSG_BROKEN)
    if left_out != 0:
        raise ExcelFileError(MSG_BROKEN)
