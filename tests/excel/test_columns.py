"""Column specs: cell conversion per kind, validation, header matching, row iteration."""

from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from app.excel import Column, ExcelImportError, RowError, export_sheet, parse_rows
from app.excel.columns import (MSG_BOOL, MSG_DATE, MSG_DATETIME, MSG_INT, MSG_NUMBER,
                               MSG_REQUIRED, CellInvalid, normalize_header)

SEX = [(1, "男"), (2, "女")]


def convert(value, kind="str", **kw):
    if kind == "enum":
        kw.setdefault("choices", SEX)
    return Column("k", "列", kind, **kw).converter()(value)


def reason(value, kind="str", **kw):
    with pytest.raises(CellInvalid) as info:
        convert(value, kind, **kw)
    return info.value.message


@pytest.mark.parametrize("kind, raw, expected", [
    ("str", "  张三 ", "张三"),
    ("str", 13900000001.0, "13900000001"),      # a phone number typed as a number
    ("str", 2.5, "2.5"),
    ("str", 7, "7"),
    ("str", True, "是"),
    ("str", date(2024, 1, 2), "2024-01-02"),
    ("int", 3.0, 3),
    ("int", 3, 3),
    ("int", "1,234", 1234),
    ("int", " 42 ", 42),
    ("int", "5.0", 5),
    ("int", -7.0, -7),
    ("float", 2.5, 2.5),
    ("float", "1,234.5", 1234.5),
    ("float", 4, 4.0),
    ("decimal", 0.1, Decimal("0.1")),
    ("decimal", "1,234.50", Decimal("1234.50")),
    ("decimal", 12, Decimal(12)),
    ("date", date(2024, 1, 2), date(2024, 1, 2)),
    ("date", datetime(2024, 1, 2, 10, 30), date(2024, 1, 2)),
    ("date", "2024-01-02", date(2024, 1, 2)),
    ("date", "2024/1/2", date(2024, 1, 2)),
    ("date", "2024年1月2日", date(2024, 1, 2)),
    ("date", "2024.01.02", date(2024, 1, 2)),
    ("date", "2024-01-02 08:00", date(2024, 1, 2)),
    ("datetime", datetime(2024, 1, 2, 3, 4, 5), datetime(2024, 1, 2, 3, 4, 5)),
    ("datetime", date(2024, 1, 2), datetime(2024, 1, 2)),
    ("datetime", "2024-01-02 03:04", datetime(2024, 1, 2, 3, 4)),
    ("datetime", "2024-01-02 03:04:05", datetime(2024, 1, 2, 3, 4, 5)),
    ("datetime", "2024/1/2 13:04:05", datetime(2024, 1, 2, 13, 4, 5)),
    ("datetime", "2024年1月2日 03:04", datetime(2024, 1, 2, 3, 4)),
    ("datetime", "2024-01-02", datetime(2024, 1, 2)),
    ("bool", "是", True),
    ("bool", "否", False),
    ("bool", "TRUE", True),
    ("bool", "false", False),
    ("bool", 1.0, True),
    ("bool", "0", False),
    ("bool", True, True),
    ("enum", "男", 1),
    ("enum", "2", 2),
    ("enum", 2.0, 2),
])
def test_good_cells(kind, raw, expected):
    value = convert(raw, kind)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("kind, raw, message", [
    ("int", 2.5, MSG_INT),
    ("int", "abc", MSG_INT),
    ("int", "1_000", MSG_INT),
    ("int", True, MSG_INT),
    ("int", date(2024, 1, 1), MSG_INT),
    ("float", "1.2.3", MSG_NUMBER),
    ("float", "nan", MSG_NUMBER),
    ("float", "inf", MSG_NUMBER),
    ("decimal", "NaN", MSG_NUMBER),
    ("decimal", "十二", MSG_NUMBER),
    ("date", "2024-13-01", MSG_DATE),
    ("date", "2024-02-30", MSG_DATE),
    ("date", "24-1-2", MSG_DATE),
    ("date", "明天", MSG_DATE),
    ("date", 45000.0, MSG_DATE),
    ("date", "2024年1月", MSG_DATE),
    ("datetime", "2024-01-02 25:00", MSG_DATETIME),
    ("datetime", "2024-01-02 10", MSG_DATETIME),
    ("datetime", "yesterday", MSG_DATETIME),
    ("bool", "可能", MSG_BOOL),
    ("bool", 2.0, MSG_BOOL),
])
def test_bad_cells(kind, raw, message):
    assert reason(raw, kind) == message


def test_enum_rejects_unknown_value_and_lists_labels():
    assert reason("未知", "enum") == "取值不在可选范围内（可选：男、女）"
    assert reason(3.0, "enum").startswith("取值不在可选范围内")


def test_required_and_blank_values():
    for blank in (None, "", "   ", "\u3000"):
        assert convert(blank) is None
        assert reason(blank, required=True) == MSG_REQUIRED
    assert convert(0.0, "int", required=True) == 0      # zero is a value, not blank


def test_length_range_and_validator():
    assert reason("张三丰李", max_length=3) == "长度不能超过 3 个字符"
    assert convert("张三丰", max_length=3) == "张三丰"
    assert reason(-1.0, "int", min_value=0) == "不能小于 0"
    assert reason(101.0, "float", max_value=100) == "不能大于 100"
    assert reason("2023-12-31", "date", min_value=date(2024, 1, 1)) == "不能小于 2024-01-01"
    phone = lambda v: None if len(v) == 11 and v.isdigit() else "手机号码格式不正确"  # noqa: E731
    assert convert(13900000001.0, validator=phone) == "13900000001"
    assert reason("1390000", validator=phone) == "手机号码格式不正确"


def test_multi_values_split_on_both_commas_and_dunhao():
    tags = [("a", "低保"), ("b", "残疾"), ("c", "独居")]
    col = Column("tags", "标签", "enum", choices=tags, multi=True)
    conv = col.converter()
    assert conv("低保、残疾") == ["a", "b"]
    assert conv("低保,独居，残疾") == ["a", "c", "b"]
    assert conv(" 低保 、、") == ["a"]
    with pytest.raises(CellInvalid):
        conv("低保、富裕")
    words = Column("w", "关键词", multi=True, max_length=2).converter()
    assert words("ab、cd") == ["ab", "cd"]
    with pytest.raises(CellInvalid):
        words("ab、cde")                              # length applies to each item
    assert Column("n", "数", "int", multi=True).converter()(3.0) == [3]


def test_column_declaration_errors():
    with pytest.raises(ValueError):
        Column("x", "X", "text")
    with pytest.raises(ValueError):
        Column("x", "X", "enum")
    with pytest.raises(ValueError):
        Column("x", "X", "str", choices=SEX)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-10**15, max_value=10**15))
def test_int_accepts_float_text_and_thousands(n):
    conv = Column("n", "数", "int").converter()
    assert conv(float(n)) == n
    assert conv(str(n)) == n
    assert conv(f"{n:,}") == n


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(1000, 1, 1)))
def test_text_dates_in_every_accepted_form(d):
    conv = Column("d", "日期", "date").converter()
    for text in (d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日",
                 f"{d.year:04d}/{d.month:02d}/{d.day:02d}"):
        assert conv(text) == d


# ---------------------------------------------------------------- header matching
COLUMNS = [
    Column("name", "姓名", required=True, max_length=10),
    Column("age", "年龄", "int", min_value=0),
    Column("sex", "性别", "enum", choices=SEX),
    Column("birth", "出生日期", "date"),
]


def test_header_order_free_markers_and_whitespace_ignored():
    header = ["出生 日期", " *姓名 ", "性别*", "年龄"]
    parsed = parse_rows(COLUMNS, header, [[date(1990, 1, 2), "张三", "男", 30.0]])
    assert list(parsed) == [(2, {"name": "张三", "age": 30, "sex": 1,
                                 "birth": date(1990, 1, 2)}, [])]
    assert parsed.warnings == []
    assert parsed.found == {"birth": 1, "name": 2, "sex": 3, "age": 4}


def test_extra_columns_are_warned_not_fatal():
    parsed = parse_rows(COLUMNS, ["姓名", "备注", "年龄", "", "性别", "出生日期"],
                        [["张三", "随便写", 3.0, "x", "女", ""]])
    assert [d for _, d, _ in parsed] == [{"name": "张三", "age": 3, "sex": 2, "birth": None}]
    assert parsed.warnings == ["已忽略无法识别的列：备注（第 2 列）"]


def test_missing_optional_column_is_warned_and_left_out():
    parsed = parse_rows(COLUMNS, ["姓名", "年龄"], [["张三", 3.0]])
    assert [d for _, d, _ in parsed] == [{"name": "张三", "age": 3}]
    assert parsed.warnings == ["文件中没有以下列，这些字段不会导入：性别、出生日期"]


@pytest.mark.parametrize("header, fragment", [
    (["年龄", "性别"], "缺少必填列：姓名"),
    (["姓名", "年龄", "*姓名"], "表头“姓名”重复出现（第 1 列和第 3 列）"),
    (["", None, "  "], "未找到表头行"),
    (["编号", "名称"], "表头与模板不符"),
])
def test_unusable_headers_raise_at_once(header, fragment):
    with pytest.raises(ExcelImportError) as info:
        parse_rows(COLUMNS, header, iter(()))
    assert fragment in info.value.message
    assert info.value.http_status == 400


def test_row_numbers_blank_rows_and_errors():
    header = ["姓名", "年龄", "性别", "出生日期"]
    rows = [
        ["张三", 30.0, "男", "1990-01-02"],
        ["", "", "", ""],                       # blank: skipped, still counted
        [None, None],                           # short and blank
        ["  ", " ", "", ""],                    # whitespace only: blank too
        ["", -1.0, "未知", "1990-02-30"],        # four bad cells
        ["李四"],                                # short row: missing cells are empty
    ]
    result = list(parse_rows(COLUMNS, header, rows, start_row=5))
    assert [r[0] for r in result] == [5, 9, 10]
    assert result[0][1]["birth"] == date(1990, 1, 2)
    row_no, data, errors = result[1]
    assert data is None
    assert errors == [
        RowError(9, 1, "姓名", MSG_REQUIRED),
        RowError(9, 2, "年龄", "不能小于 0"),
        RowError(9, 3, "性别", "取值不在可选范围内（可选：男、女）"),
        RowError(9, 4, "出生日期", MSG_DATE),
    ]
    assert result[2] == (10, {"name": "李四", "age": None, "sex": None, "birth": None}, [])


def test_normalize_header():
    assert normalize_header(" *联系\n电话 ") == "联系电话"
    assert normalize_header("＊姓名") == "姓名"
    assert normalize_header(2024.0) == "2024"
    assert normalize_header(None) == ""


def test_export_sheet_renders_labels_and_multi_values():
    cols = COLUMNS + [Column("tags", "标签", "enum", choices=[("a", "低保"), ("b", "残疾")],
                             multi=True)]
    name, headers, rows, kinds = export_sheet("人员", cols, [
        {"name": "张三", "age": 3, "sex": 2, "birth": date(2020, 1, 1), "tags": ["b", "a"]},
        SimpleNamespace(name="李四", age=None, sex=9, birth=None, tags=None),
    ])
    assert headers == ["姓名", "年龄", "性别", "出生日期", "标签"]
    assert kinds == ["str", "int", "str", "date", "str"]
    assert list(rows) == [["张三", 3, "女", date(2020, 1, 1), "残疾、低保"],
                          ["李四", None, 9, None, None]]
