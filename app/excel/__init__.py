"""Generic, database-independent Excel import/export layer.

Import: ``inspect_upload`` (type, zip-bomb and XML-entity checks) -> ``open_rows``
(python-calamine; formulas give their cached values, never evaluated) ->
``parse_rows`` with a list of ``Column`` specs -> an ``ImportReport``.
Export: ``write_xlsx`` (streaming, flat memory, formula-injection safe) and
``build_template`` for the import template with dropdowns.
"""

from .columns import Column, ParsedRows, export_sheet, normalize_header, parse_rows
from .reader import SheetRows, open_rows
from .report import (ExcelError, ExcelFileError, ExcelFileTypeError, ExcelImportError,
                     ExcelTooLargeError, ImportReport, RowError, write_error_report)
from .safety import DEFAULT_LIMITS, inspect_upload
from .writer import Sheet, Validation, build_template, safe_sheet_name, write_xlsx

__all__ = [
    "Column", "ParsedRows", "export_sheet", "normalize_header", "parse_rows",
    "SheetRows", "open_rows",
    "ExcelError", "ExcelFileError", "ExcelFileTypeError", "ExcelImportError",
    "ExcelTooLargeError", "ImportReport", "RowError", "write_error_report",
    "DEFAULT_LIMITS", "inspect_upload",
    "Sheet", "Validation", "build_template", "safe_sheet_name", "write_xlsx",
]
