"""Errors, per-row problems and the import result (RuoYi-style messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class ExcelError(Exception):
    """Base of every Excel-layer error; ``message`` is Chinese and safe to show."""

    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ExcelFileTypeError(ExcelError):
    """The upload is not an .xls or .xlsx file (HTTP 415)."""

    http_status = 415

    def __init__(self, reason: str = ""):
        text = "仅允许导入xls、xlsx格式文件"
        super().__init__(f"{text}（{reason}）" if reason else text)


class ExcelFileError(ExcelError):
    """The file is broken, unsafe or unreadable (HTTP 400)."""


class ExcelTooLargeError(ExcelFileError):
    """The file, its unpacked content or its row count exceeds a limit (HTTP 413)."""

    http_status = 413


class ExcelImportError(ExcelError):
    """The sheet cannot be imported as a whole, e.g. its header row does not fit."""


class RowError(NamedTuple):
    """One problem in one cell (``column``/``header`` are None for a whole-row problem)."""

    row: int
    column: int | None
    header: str | None
    message: str

    def to_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "header": self.header,
                "message": self.message}

    def line_zh(self) -> str:
        """``第 R 行 第 C 列 表头: 原因`` (parts that are unknown are left out)."""
        where = f"第 {self.row} 行"
        if self.column is not None:
            where += f" 第 {self.column} 列"
        if self.header:
            where += f" {self.header}"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """Outcome of one import: counters, row errors and file-level warnings."""

    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.errors

    def to_dict(self) -> dict:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": list(self.warnings),
        }

    def summary_zh(self, limit: int = 200) -> str:
        """The message shown after an import; at most ``limit`` error lines."""
        if self.ok:
            lines = [f"恭喜您，数据已全部导入成功！共 {self.inserted + self.updated} 条"]
            if self.updated or self.skipped:
                lines[0] += (f"（新增 {self.inserted} 条，更新 {self.updated} 条，"
                             f"跳过 {self.skipped} 条）")
        else:
            failed = self.failed or len({e.row for e in self.errors})
            lines = [f"很抱歉，导入失败！共 {failed} 条数据格式不正确，错误如下："]
            lines += [e.line_zh() for e in self.errors[:limit]]
            if len(self.errors) > limit:
                lines.append(f"……另有 {len(self.errors) - limit} 条错误，请下载错误报告查看")
        lines += [f"提示：{w}" for w in self.warnings]
        return "\n".join(lines)


ERROR_REPORT_HEADERS = ("行号", "列号", "表头", "原因")


def write_error_report(fileobj, report: ImportReport) -> None:
    """Write the report's errors (and warnings, if any) as an .xlsx file."""
    from .writer import write_xlsx

    sheets = [("导入错误", ERROR_REPORT_HEADERS,
               ((e.row, e.column, e.header, e.message) for e in report.errors),
               ("int", "int", "str", "str"))]
    if report.warnings:
        sheets.append(("提示", ("提示",), ((w,) for w in report.warnings), ("str",)))
    write_xlsx(fileobj, sheets)
