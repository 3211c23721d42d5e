"""Declarative column specs: header matching, cell conversion and validation for import,
value rendering for export.

Each column compiles once into a converter closure, so converting a cell is one call
with no regular expressions on the common path.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from .report import ExcelImportError, RowError

KINDS = ("str", "int", "float", "decimal", "date", "datetime", "bool", "enum")
MULTI_SEPARATOR = "、"                       # used on export; import also accepts , and ，
TRUE_WORDS = frozenset({"是", "1", "true", "yes", "y"})
FALSE_WORDS = frozenset({"否", "0", "false", "no", "n"})

MSG_REQUIRED = "不能为空"
MSG_INT = "必须是整数"
MSG_NUMBER = "必须是数字"
MSG_DATE = "日期格式不正确，应为 yyyy-mm-dd、yyyy/mm/dd 或 yyyy年m月d日"
MSG_DATETIME = "日期时间格式不正确，应为 yyyy-mm-dd HH:MM 或 yyyy-mm-dd HH:MM:SS"
MSG_BOOL = "只能填写“是”或“否”"


class CellInvalid(Exception):
    """Raised by a converter; ``message`` is the Chinese reason."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Column:
    """One column of a registry's sheet.

    ``kind`` is one of ``KINDS``; ``choices`` are ordered ``(value, label)`` pairs of
    an enum (import takes the label or the value, export writes the label);
    ``validator(value)`` returns an error message or None and sees the converted,
    non-empty value (the whole list when ``multi``); ``max_length`` and the range
    apply to each item of a multi value. ``sensitive`` marks columns to mask on
    export; ``help`` becomes the template's input prompt.
    """

    __slots__ = ("key", "label", "kind", "required", "max_length", "choices", "min_value",
                 "max_value", "validator", "sensitive", "multi", "help")

    def __init__(self, key: str, label: str, kind: str = "str", required: bool = False,
                 max_length: int | None = None, choices: Sequence[tuple[Any, str]] | None = None,
                 min_value: Any = None, max_value: Any = None,
                 validator: Callable[[Any], str | None] | None = None,
                 sensitive: bool = False, multi: bool = False, help: str | None = None):
        if kind not in KINDS:
            raise ValueError(f"unknown column kind {kind!r}")
        if (kind == "enum") != bool(choices):
            raise ValueError(f"column {key!r}: choices are required for, and only for, enum")
        self.key, self.label, self.kind = key, label, kind
        self.required, self.max_length = required, max_length
        self.choices = [tuple(c) for c in choices] if choices else None
        self.min_value, self.max_value, self.validator = min_value, max_value, validator
        self.sensitive, self.multi, self.help = sensitive, multi, help

    def __repr__(self) -> str:
        return f"Column({self.key!r}, {self.label!r}, {self.kind!r})"

    @property
    def header(self) -> str:
        """Template header text: required columns carry a leading ``*``."""
        return f"*{self.label}" if self.required else self.label

    @property
    def writer_kind(self) -> str:
        return "str" if self.multi or self.kind == "enum" else self.kind

    def choice_labels(self) -> list[str]:
        if self.kind == "bool":
            return ["是", "否"]
        return [label for _, label in self.choices or ()]

    def exporter(self) -> Callable[[Any], Any] | None:
        """Value -> what the writer gets (enum labels, multi values joined by 、);
        None when the value is written as it is."""
        one = None
        if self.kind == "enum":
            labels = {value: label for value, label in self.choices}
            one = lambda v: labels.get(v, v)  # noqa: E731
        if not self.multi:
            return one

        def export_multi(v):
            if v is None or isinstance(v, str):
                return v
            return MULTI_SEPARATOR.join(str(one(x) if one else x) for x in v)
        return export_multi

    def converter(self) -> Callable[[Any], Any]:
        """Compile the import converter: raw cell -> value, or raises ``CellInvalid``."""
        parse = _enum_parser(self.choices) if self.kind == "enum" else _PARSERS[self.kind]
        checks = _checks(self)
        if checks:
            base = parse

            def parse(v):
                x = base(v)
                for check in checks:
                    check(x)
                return x
        if self.multi:
            parse = _multi(parse)
        if self.validator:
            parse = _validated(parse, self.validator)
        required = self.required

        def convert(v):
            if v.__class__ is str:
                v = v.strip()
                if v:
                    return parse(v)
            elif v is not None:
                return parse(v)
            if required:
                raise CellInvalid(MSG_REQUIRED)
            return None
        return convert


# ---------------------------------------------------------------- scalar parsers
def _float_text(v: float) -> str:
    return str(int(v)) if v.is_integer() else repr(v)


def _parse_str(v: Any) -> str:
    cls = v.__class__
    if cls is str:
        return v
    if cls is float:
        return _float_text(v)
    if cls is bool:
        return "是" if v else "否"
    if isinstance(v, datetime):
        return v.isoformat(" ", "seconds")
    if isinstance(v, (date, time)):
        return v.isoformat()
    return str(v)


def _number_text(s: str) -> str:
    if "_" in s:
        raise ValueError(s)
    return s.replace(",", "")


def _parse_int(v: Any) -> int:
    cls = v.__class__
    if cls is float:
        if v.is_integer():
            return int(v)
    elif cls is int:
        return v
    elif cls is str:
        try:
            return int(_number_text(v))
        except ValueError:
            try:
                f = float(_number_text(v))
            except ValueError:
                pass
            else:
                if f.is_integer():
                    return int(f)
    raise CellInvalid(MSG_INT)


def _parse_float(v: Any) -> float:
    cls = v.__class__
    if cls is float or cls is int:
        return float(v)
    if cls is Decimal and v.is_finite():        # WTForms' DecimalField (FAB's numeric form field)
        return float(v)
    if cls is str:
        try:
            f = float(_number_text(v))
        except ValueError:
            pass
        else:
            if math.isfinite(f):
                return f
    raise CellInvalid(MSG_NUMBER)


def _parse_decimal(v: Any) -> Decimal:
    cls = v.__class__
    if cls is Decimal and v.is_finite():        # WTForms' DecimalField (FAB's numeric form field)
        return v
    if cls is float:
        return Decimal(repr(v))
    if cls is int:
        return Decimal(v)
    if cls is str:
        try:
            d = Decimal(_number_text(v))
        except (InvalidOperation, ValueError):
            pass
        else:
            if d.is_finite():
                return d
    raise CellInvalid(MSG_NUMBER)


def _date_from_text(s: str) -> date:
    if "年" in s:
        s = s.replace("年", "-").replace("月", "-").rstrip("日号")
    else:
        s = s.replace("/", "-").replace(".", "-")
    parts = s.split("-")
    if len(parts) != 3 or len(parts[0]) != 4:
        raise ValueError(s)
    y, m, d = parts
    return date(int(y), int(m), int(d))


def _datetime_from_text(s: str) -> datetime:
    head, sep, tail = s.replace("T", " ", 1).partition(" ")
    day = _date_from_text(head)
    if not sep:
        return datetime(day.year, day.month, day.day)
    parts = tail.strip().split(":")
    if not 2 <= len(parts) <= 3:
        raise ValueError(s)
    seconds = float(parts[2]) if len(parts) == 3 else 0.0
    return datetime(day.year, day.month, day.day, int(parts[0]), int(parts[1]),
                    int(seconds), round((seconds % 1) * 1_000_000) if seconds % 1 else 0)


def _parse_date(v: Any) -> date:
    cls = v.__class__
    if cls is date:
        return v
    if cls is datetime:
        return v.date()
    if cls is str:
        try:
            return _date_from_text(v) if " " not in v and "T" not in v \
                else _datetime_from_text(v).date()
        except (ValueError, OverflowError):
            pass
    raise CellInvalid(MSG_DATE)


def _parse_datetime(v: Any) -> datetime:
    cls = v.__class__
    if cls is datetime:
        return v
    if cls is date:
        return datetime(v.year, v.month, v.day)
    if cls is str:
        try:
            return _datetime_from_text(v)
        except (ValueError, OverflowError):
            pass
    raise CellInvalid(MSG_DATETIME)


def _parse_bool(v: Any) -> bool:
    cls = v.__class__
    if cls is bool:
        return v
    key = _float_text(v) if cls is float else str(v).lower()
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise CellInvalid(MSG_BOOL)


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "str": _parse_str, "int": _parse_int, "float": _parse_float, "decimal": _parse_decimal,
    "date": _parse_date, "datetime": _parse_datetime, "bool": _parse_bool,
}


def _enum_parser(choices: Sequence[tuple[Any, str]]) -> Callable[[Any], Any]:
    lookup = {str(value): value for value, _ in choices}
    lookup.update((label, value) for value, label in choices)     # labels win over values
    shown = MULTI_SEPARATOR.join(label for _, label in choices)
    message = f"取值不在可选范围内（可选：{shown[:200]}）"

    def parse_enum(v):
        key = v if v.__class__ is str else _parse_str(v)
        try:
            return lookup[key]
        except KeyError:
            raise CellInvalid(message) from None
    return parse_enum


def _shown(v: Any) -> str:
    return v.isoformat(" ") if isinstance(v, datetime) else str(v)


def _checks(col: Column) -> list[Callable[[Any], None]]:
    checks = []
    if col.max_length is not None:
        limit, msg = col.max_length, f"长度不能超过 {col.max_length} 个字符"

        def check_length(x):
            if len(x) > limit:
                raise CellInvalid(msg)
        checks.append(check_length)
    if col.min_value is not None:
        low, low_msg = col.min_value, f"不能小于 {_shown(col.min_value)}"

        def check_min(x):
            if x < low:
                raise CellInvalid(low_msg)
        checks.append(check_min)
    if col.max_value is not None:
        high, high_msg = col.max_value, f"不能大于 {_shown(col.max_value)}"

        def check_max(x):
            if x > high:
                raise CellInvalid(high_msg)
        checks.append(check_max)
    return checks


def _multi(parse: Callable[[Any], Any]) -> Callable[[Any], list]:
    def parse_multi(v):
        if v.__class__ is not str:
            return [parse(v)]
        parts = [p.strip() for p in v.replace("，", "、").replace(",", "、").split("、")]
        return [parse(p) for p in parts if p]
    return parse_multi


def _validated(parse: Callable[[Any], Any], validator: Callable[[Any], str | None]):
    def parse_validated(v):
        x = parse(v)
        message = validator(x)
        if message:
            raise CellInvalid(message)
        return x
    return parse_validated


# ---------------------------------------------------------------- headers and rows
def normalize_header(text: Any) -> str:
    """Header cell -> label: whitespace removed, required markers (*) dropped."""
    if text is None:
        return ""
    if text.__class__ is float:
        text = _float_text(text)
    return "".join(str(text).split()).strip("*＊")


class ParsedRows:
    """Iterable of ``(row_number, dict_or_None, [RowError])`` from ``parse_rows``.

    ``warnings`` lists header problems that do not stop the import; ``found`` maps
    each column key present in the file to its 1-based column number. Columns
    missing from the file (optional ones only) are left out of the row dicts.
    """

    def __init__(self, columns: Sequence[Column], header_row: Sequence[Any],
                 rows_iter: Iterable[Sequence[Any]], start_row: int):
        self.columns = list(columns)
        self.start_row = start_row
        self._rows = rows_iter
        self.warnings: list[str] = []
        self.found: dict[str, int] = {}
        by_label = {normalize_header(c.label): c for c in self.columns}
        seen: dict[str, int] = {}
        extra = []
        plan = []
        for idx, raw in enumerate(header_row):
            label = normalize_header(raw)
            if not label:
                continue
            if label in seen:
                raise ExcelImportError(f"表头“{label}”重复出现（第 {seen[label]} 列和"
                                       f"第 {idx + 1} 列），请修改后再导入")
            seen[label] = idx + 1
            col = by_label.get(label)
            if col is None:
                extra.append(f"{label}（第 {idx + 1} 列）")
                continue
            self.found[col.key] = idx + 1
            plan.append((idx, col.key, col.converter(), idx + 1, col.label))
        if not seen:
            raise ExcelImportError("未找到表头行，请使用下载的模板填写后再导入")
        if not plan:
            raise ExcelImportError("表头与模板不符，请使用下载的模板填写后再导入")
        missing_required = [c.label for c in self.columns if c.required and c.key not in self.found]
        if missing_required:
            raise ExcelImportError(
                f"缺少必填列：{'、'.join(missing_required)}，请使用下载的模板填写后再导入")
        missing = [c.label for c in self.columns if c.key not in self.found]
        if missing:
            self.warnings.append(f"文件中没有以下列，这些字段不会导入：{'、'.join(missing)}")
        if extra:
            self.warnings.append(f"已忽略无法识别的列：{'、'.join(extra)}")
        self._plan = tuple(plan)
        self._width = max(p[0] for p in plan) + 1

    def __iter__(self) -> Iterator[tuple[int, dict | None, list[RowError]]]:
        plan, width = self._plan, self._width
        row_no = self.start_row - 1
        for row in self._rows:
            row_no += 1
            n = len(row)
            if row.count("") + row.count(None) == n:
                continue
            if n < width:
                row = list(row) + [None] * (width - n)
            out = {}
            errors = []
            for idx, key, convert, col_no, label in plan:
                try:
                    out[key] = convert(row[idx])
                except CellInvalid as exc:
                    errors.append(RowError(row_no, col_no, label, exc.message))
            if not errors:
                yield row_no, out, errors
            elif not _is_blank(row):
                yield row_no, None, errors


def _is_blank(row: Sequence[Any]) -> bool:
    return all(v is None or (v.__class__ is str and not v.strip()) for v in row)


def parse_rows(columns: Sequence[Column], header_row: Sequence[Any],
               rows_iter: Iterable[Sequence[Any]], start_row: int = 2) -> ParsedRows:
    """Match the header row to ``columns`` and convert each data row.

    Raises ``ExcelImportError`` at once when the header makes the file unusable
    (no header, nothing recognised, a duplicated or missing required column).
    Iterating yields ``(row_number, dict_or_None, errors)``; blank rows are skipped.
    """
    return ParsedRows(columns, header_row, rows_iter, start_row)


def export_sheet(name: str, columns: Sequence[Column],
                 records: Iterable[Mapping[str, Any] | Any]) -> tuple:
    """``(name, headers, rows, kinds)`` for ``write_xlsx`` from dicts or objects.

    Enum values become labels, multi values are joined by 、. Masking sensitive
    columns is the caller's job (it depends on the user's permission).
    """
    keys = [c.key for c in columns]
    exporters = [c.exporter() for c in columns]

    def rows():
        for rec in records:
            if isinstance(rec, Mapping):
                values = [rec.get(k) for k in keys]
            else:
                values = [getattr(rec, k, None) for k in keys]
            yield [v if f is None else f(v) for v, f in zip(values, exporters)]
    return (name, [c.label for c in columns], rows(), [c.writer_kind for c in columns])
