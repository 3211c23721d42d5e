"""Streaming writer and import template: validity, round trips, formula injection."""

import io
import zipfile
from xml.etree import ElementTree
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
import python_calamine
from hypothesis import given, settings, strategies as st

from app.excel import (Column, build_template, export_sheet, inspect_upload, open_rows,
                       parse_rows, safe_sheet_name, write_xlsx)
from app.excel.writer import LIST_SHEET_NAME

SEX = [(1, "男"), (2, "女")]
COLUMNS = [
    Column("name", "姓名", required=True, max_length=20),
    Column("sex", "性别", "enum", choices=SEX, required=True),
    Column("age", "年龄", "int", min_value=0),
    Column("score", "得分", "float"),
    Column("money", "补贴金额", "decimal"),
    Column("birth", "出生日期", "date"),
    Column("seen", "登记时间", "datetime"),
    Column("party", "是否党员", "bool"),
    Column("tags", "标签", "enum", choices=[("a", "低保"), ("b", "残疾")], multi=True),
    Column("phone", "联系电话", sensitive=True),
]
RECORDS = [
    {"name": "张三", "sex": 1, "age": 35, "score": 98.5, "money": Decimal("1234.56"),
     "birth": date(1990, 1, 2), "seen": datetime(2024, 5, 6, 7, 8, 9), "party": True,
     "tags": ["a", "b"], "phone": "+86 13900000001"},
    {"name": "李四", "sex": 2, "age": 0, "score": -0.25, "money": Decimal("0.10"),
     "birth": date(2000, 2, 29), "seen": datetime(2024, 12, 31, 23, 59, 59), "party": False,
     "tags": ["b"], "phone": "=cmd|' /C calc'!A0"},
    {"name": "王五", "sex": 1, "age": None, "score": None, "money": None, "birth": None,
     "seen": None, "party": None, "tags": None, "phone": None},
]


def write(path, *sheets, **kw):
    write_xlsx(path, list(sheets), **kw)
    return path


def test_round_trip_writer_reader_parse_rows(tmp_path):
    path = write(tmp_path / "export.xlsx", export_sheet("人员", COLUMNS, RECORDS))
    assert inspect_upload(path) == "xlsx"
    header, rows = open_rows(path, max_rows=100)
    parsed = parse_rows(COLUMNS, header, rows, rows.start_row)
    result = list(parsed)
    assert parsed.warnings == []
    assert [r[2] for r in result] == [[], [], []]
    assert [r[0] for r in result] == [2, 3, 4]
    assert [r[1] for r in result] == RECORDS


def test_openpyxl_sees_types_styles_and_layout(tmp_path):
    path = write(tmp_path / "export.xlsx", export_sheet("人员", COLUMNS, RECORDS))
    wb = openpyxl.load_workbook(path)
    ws = wb["人员"]
    assert [c.value for c in ws[1]] == [c.label for c in COLUMNS]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width >= 8
    row = [c for c in ws[2]]
    assert row[0].value == "张三" and row[0].data_type == "s"
    assert row[1].value == "男"
    assert row[2].value == 35 and row[2].data_type == "n"
    assert row[3].value == 98.5
    assert row[4].value == pytest.approx(1234.56)
    assert row[5].is_date and row[5].value == datetime(1990, 1, 2)
    assert row[5].number_format == "yyyy-mm-dd"
    assert row[6].is_date and row[6].value == datetime(2024, 5, 6, 7, 8, 9)
    assert row[7].value == "是"
    assert row[8].value == "低保、残疾"
    assert [c.value for c in ws[4]][1:] == ["男"] + [None] * 8


DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", "\r=1+1",
             "=HYPERLINK(\"http://evil.example\",\"x\")", "=cmd|' /C calc'!A0"]


def test_formula_injection_cells_stay_text(tmp_path):
    rows = [[v, v, v] for v in DANGEROUS]
    path = write(tmp_path / "inj.xlsx", ("S", ["=表头", "数字列", "自动"], rows,
                                          ["str", "int", None]))
    with zipfile.ZipFile(path) as zf:
        sheet_xml = zf.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"<f " not in sheet_xml
    ws = openpyxl.load_workbook(path).active
    for row, expected in zip(ws.iter_rows(min_row=2), DANGEROUS):
        for cell in row:
            assert cell.data_type == "s"
            assert cell.value == expected           # exact text, no visible prefix
            assert cell.quotePrefix                 # Excel keeps it text when edited
    header = ws["A1"]
    assert header.value == "=表头" and header.data_type == "s" and header.quotePrefix
    assert not ws["A1"].offset(column=1).quotePrefix
    plain = write(tmp_path / "plain.xlsx", ("S", ["a"], [["普通"], ["1-2"]], ["str"]))
    assert not any(c.quotePrefix for c in openpyxl.load_workbook(plain).active["A"])


def test_special_text_is_escaped_and_round_trips(tmp_path):
    texts = ["a&b<c>d\"'", "_x0041_", " 前后空格 ", "第一行\n第二行", "😀中文", "x\x00y\x0bz\ud800"]
    path = write(tmp_path / "t.xlsx", ("S", ["t"], [[t] for t in texts], ["str"]))
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    got = [r[0] for r in sheet.iter_rows()][1:]
    assert got == texts[:-1] + ["xyz"]


def test_empty_and_odd_values(tmp_path):
    rows = [[None, float("nan"), float("inf"), "", date(1899, 1, 1), Decimal("1E+3"), 7]]
    path = write(tmp_path / "odd.xlsx", ("S", list("ABCDEFG"), rows, None))
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[2]] == [None, None, None, None, "1899-01-01", 1000, 7]


def test_sheet_names_are_made_valid():
    taken = set()
    assert safe_sheet_name("a[b]c:d*e?f/g\\h", taken) == "a_b_c_d_e_f_g_h"
    long = safe_sheet_name("很" * 40, taken)
    assert len(long) == 31
    assert safe_sheet_name("很" * 40, taken) == "很" * 28 + "(2)"
    assert safe_sheet_name("'引号'", taken) == "引号"
    assert safe_sheet_name("", taken) == "Sheet"
    assert safe_sheet_name("history", taken) == "History_"
    assert safe_sheet_name("SHEET", taken) == "SHEET(2)"          # case-insensitive


def test_workbook_with_bad_and_duplicate_sheet_names_opens(tmp_path):
    path = write(tmp_path / "names.xlsx", ("数据/2024:上半年?", ["a"], [[1]], ["int"]),
                 ("数据/2024:上半年?", ["a"], [[2]], ["int"]))
    assert openpyxl.load_workbook(path).sheetnames == ["数据_2024_上半年_", "数据_2024_上半年_(2)"]


@pytest.mark.parametrize("count, sheets", [(0, 1), (3, 1), (4, 2), (7, 3), (9, 3)])
def test_rows_beyond_the_sheet_limit_continue_on_new_sheets(tmp_path, count, sheets):
    path = write(tmp_path / "split.xlsx", ("数据", ["序号"], ([i] for i in range(count)), ["int"]),
                 max_rows_per_sheet=3)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["数据"] + [f"数据({n})" for n in range(2, sheets + 1)]
    values = []
    for ws in wb:
        assert ws["A1"].value == "序号"
        values += [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert values == list(range(count))


def test_writes_to_an_unseekable_stream():
    class Pipe(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.data += b
            return len(b)

    pipe = Pipe()
    write_xlsx(pipe, [("S", ["a"], [[1], [2]], ["int"])])
    ws = openpyxl.load_workbook(io.BytesIO(bytes(pipe.data))).active
    assert [c.value for c in ws["A"]] == ["a", 1, 2]


def test_long_text_is_cut_at_the_cell_limit(tmp_path):
    path = write(tmp_path / "long.xlsx", ("S", ["t"], [["长" * 40_000]], ["str"]))
    assert openpyxl.load_workbook(path).active["A2"].value == "长" * 32_767


def test_programming_errors(tmp_path):
    with pytest.raises(ValueError):
        write(tmp_path / "x.xlsx", ("S", ["a"], [[1]], ["money"]))
    with pytest.raises(ValueError):
        write_xlsx(io.BytesIO(), [])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
                min_size=1, max_size=5))
def test_any_text_round_trips_through_calamine(tmp_path_factory, texts):
    path = tmp_path_factory.mktemp("h") / "t.xlsx"
    write_xlsx(path, [("S", ["t"], [[t] for t in texts], ["str"])])
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    legal = ["".join(ch for ch in t if ch in "\t\n\r" or (" " <= ch and ch not in "\ufffe\uffff"))
             for t in texts]
    got = [r[0] for r in sheet.iter_rows()][1:]
    assert got + [""] * (len(legal) - len(got)) == legal


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-2**53, 2**53),
                          st.floats(allow_nan=False, allow_infinity=False),
                          st.datetimes(min_value=datetime(1900, 3, 1),
                                       max_value=datetime(9999, 12, 31)).map(
                              lambda d: d.replace(microsecond=0))),
                min_size=1, max_size=5))
def test_numbers_and_datetimes_round_trip(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("n") / "n.xlsx"
    write_xlsx(path, [("S", ["i", "f", "dt"], rows, ["int", "float", "datetime"])])
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    as_datetime = Column("dt", "dt", "datetime").converter()   # calamine gives midnight as a date
    for (i, f, dt), got in zip(rows, list(sheet.iter_rows())[1:]):
        assert got[0] == i and got[1] == f
        assert abs((as_datetime(got[2]) - dt).total_seconds()) < 0.001


# ---------------------------------------------------------------- template
def test_template_headers_dropdowns_and_prompts(tmp_path):
    cols = COLUMNS + [
        Column("grid", "所属网格", "enum", help="从下拉列表选择",
               choices=[(i, f"第{i}网格（许昌市建安区）") for i in range(30)]),
    ]
    path = tmp_path / "template.xlsx"
    with open(path, "wb") as fh:
        build_template(fh, cols)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["导入模板", LIST_SHEET_NAME]
    ws, lists = wb["导入模板"], wb[LIST_SHEET_NAME]
    assert lists.sheet_state == "hidden" and ws.sheet_state == "visible"
    assert [c.value for c in ws[1]][:3] == ["*姓名", "*性别", "年龄"]
    rules = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert rules["B2"].type == "list" and rules["B2"].formula1 == '"男,女"'
    assert str(rules["B2"].sqref) == "B2:B1048576"
    assert rules["H2"].formula1 == '"是,否"'
    assert rules["I2"].type is None and "可填写多个" in rules["I2"].prompt   # multi: prompt only
    assert rules["K2"].formula1 == f"'{LIST_SHEET_NAME}'!$A$2:$A$31"
    assert rules["K2"].prompt == "从下拉列表选择"
    assert [r[0] for r in lists.iter_rows(min_row=2, values_only=True)] == \
        [f"第{i}网格（许昌市建安区）" for i in range(30)]
    assert ws.column_dimensions["A"].number_format == "@"           # typed digits stay text


def test_all_parts_are_well_formed_and_in_schema_order(tmp_path):
    path = tmp_path / "template.xlsx"
    with open(path, "wb") as fh:
        build_template(fh, COLUMNS + [Column("g", "网格", "enum", choices=[(i, f"网格,{i}")
                                                                      for i in range(9)])],
                       sample_rows=RECORDS)
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert {"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
                "xl/_rels/workbook.xml.rels", "xl/styles.xml"} <= set(names)
        for name in names:
            root = ElementTree.fromstring(zf.read(name))
            if name == "xl/worksheets/sheet1.xml":
                order = [child.tag.replace(ns, "") for child in root]
                assert order == ["sheetViews", "sheetFormatPr", "cols", "sheetData",
                                 "dataValidations", "pageMargins"]
            if name == "xl/styles.xml":
                xfs = root.find(f"{ns}cellXfs")
                assert int(xfs.get("count")) == len(xfs)


def test_template_is_readable_back_with_sample_rows(tmp_path):
    path = tmp_path / "template.xlsx"
    with open(path, "wb") as fh:
        build_template(fh, COLUMNS, sample_rows=RECORDS[:2])
    assert inspect_upload(path) == "xlsx"
    header, rows = open_rows(path, max_rows=10)
    assert header == [c.header for c in COLUMNS]
    parsed = parse_rows(COLUMNS, header, rows, rows.start_row)
    assert [r[1] for r in parsed] == RECORDS[:2]
    assert parsed.warnings == []


def test_empty_template_parses_to_nothing(tmp_path):
    path = tmp_path / "template.xlsx"
    with open(path, "wb") as fh:
        build_template(fh, COLUMNS)
    header, rows = open_rows(path, max_rows=10)
    assert list(parse_rows(COLUMNS, header, rows, rows.start_row)) == []
    assert rows.total == 0


def test_template_name_cannot_clash_with_list_sheet():
    with pytest.raises(ValueError):
        build_template(io.BytesIO(), COLUMNS, sheet_name=LIST_SHEET_NAME)
