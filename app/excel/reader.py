"""Read the first worksheet of an .xlsx/.xls file with python-calamine.

Formula cells are read as the value Excel cached when it last saved the file (an
empty string when there is none); nothing is ever evaluated here. Call
``safety.inspect_upload`` first: calamine loads the whole sheet into memory, and
the zip checks bound that size.
"""

from __future__ import annotations

from typing import Any, Iterator

import python_calamine

from .report import ExcelFileError, ExcelTooLargeError

MSG_UNREADABLE = "文件已损坏或不是有效的Excel文件，无法读取"
MSG_ENCRYPTED = "文件已加密，请取消密码保护后再导入"
MSG_NO_SHEET = "文件中没有可导入的工作表"


class SheetRows:
    """Iterator over the data rows (lists of cell values) below the header.

    ``start_row`` is the Excel row number of the first data row and ``total`` the
    number of data rows (blank ones included) — handy for progress bars.
    """

    def __init__(self, rows: Iterator[list], start_row: int, total: int, pad: int):
        self._rows = rows
        self.start_row = start_row
        self.total = total
        self._pad = [""] * pad

    def __iter__(self) -> "SheetRows":
        return self

    def __next__(self) -> list:
        row = next(self._rows)
        return self._pad + row if self._pad else row


def _load_sheet(path: Any):
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        metas = book.sheets_metadata
        if not metas:
            raise ExcelFileError(MSG_NO_SHEET)
        index = next((i for i, m in enumerate(metas)
                      if m.typ == python_calamine.SheetTypeEnum.WorkSheet
                      and m.visible == python_calamine.SheetVisibleEnum.Visible), 0)
        return book.get_sheet_by_index(index)
    except python_calamine.PasswordError:
        raise ExcelFileError(MSG_ENCRYPTED) from None
    except ExcelFileError:
        raise
    except BaseException as exc:   # calamine/pyo3 errors (a Rust panic is a BaseException)
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        raise ExcelFileError(MSG_UNREADABLE) from None


def _header_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def open_rows(path: Any, *, max_rows: int) -> tuple[list[str], SheetRows]:
    """Return ``(header, rows)`` of the first visible worksheet.

    The header is the first non-blank row; cells are str (stripped header text),
    int or float (.xlsx numbers come as float), bool, date, datetime, or "" for
    empty. Raises ``ExcelTooLargeError`` with more than ``max_rows`` data rows and
    ``ExcelFileError`` for a broken, encrypted or empty file.
    """
    sheet = _load_sheet(path)
    start = sheet.start
    if start is None or sheet.height == 0:
        raise ExcelFileError("文件中没有数据，请填写后再导入")
    data_rows = sheet.height - 1
    if data_rows > max_rows:
        raise ExcelTooLargeError(f"数据行数超过上限 {max_rows} 行（文件中有 {data_rows} 行）")
    rows = sheet.iter_rows()
    first_row, first_col = start
    for _ in range(first_row):          # calamine yields the blank rows above the data
        next(rows, None)
    header_cells = next(rows, [])
    header = [""] * first_col + [_header_text(v) for v in header_cells]
    return header, SheetRows(rows, first_row + 2, data_rows, first_col)
