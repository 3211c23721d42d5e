"""Shared helpers for registry tests: workbook building, upload, parsing exports."""
import io

import openpyxl
from python_calamine import CalamineWorkbook

from tests.conftest import login_page


def logged_in(app, username):
    client = app.test_client()
    login_page(client, username)
    return client


def workbook_bytes(header, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_xlsx(data):
    """All rows of the first sheet of an .xlsx given as bytes."""
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return wb.get_sheet_by_index(0).to_python()


def upload(client, url, data, filename="data.xlsx", **form):
    fields = {"file": (io.BytesIO(data), filename)}
    fields.update({k: "1" if v is True else v for k, v in form.items() if v is not False})
    return client.post(url, data=fields, content_type="multipart/form-data")
