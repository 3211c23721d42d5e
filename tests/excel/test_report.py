"""Import report: dict form, RuoYi-style messages, downloadable error workbook."""

import io

import python_calamine

from app.excel import ImportReport, RowError, write_error_report

ERRORS = [RowError(3, 2, "姓名", "不能为空"), RowError(3, 4, "年龄", "必须是整数"),
          RowError(7, None, None, "身份证号码“4130**********4727”已存在")]


def test_to_dict_shape():
    report = ImportReport(inserted=5, updated=1, skipped=0, failed=2, errors=ERRORS[:1],
                          warnings=["已忽略无法识别的列：备注（第 9 列）"])
    assert report.to_dict() == {
        "inserted": 5, "updated": 1, "skipped": 0, "failed": 2,
        "errors": [{"row": 3, "column": 2, "header": "姓名", "message": "不能为空"}],
        "warnings": ["已忽略无法识别的列：备注（第 9 列）"],
    }


def test_success_message():
    assert ImportReport(inserted=10).summary_zh() == "恭喜您，数据已全部导入成功！共 10 条"
    assert ImportReport(inserted=3, updated=2, skipped=1).summary_zh() == (
        "恭喜您，数据已全部导入成功！共 5 条（新增 3 条，更新 2 条，跳过 1 条）")


def test_failure_message_lists_each_error():
    text = ImportReport(inserted=0, failed=2, errors=ERRORS, warnings=["注意"]).summary_zh()
    assert text.splitlines() == [
        "很抱歉，导入失败！共 2 条数据格式不正确，错误如下：",
        "第 3 行 第 2 列 姓名: 不能为空",
        "第 3 行 第 4 列 年龄: 必须是整数",
        "第 7 行: 身份证号码“4130**********4727”已存在",
        "提示：注意",
    ]


def test_failure_message_is_capped():
    errors = [RowError(r, 1, "姓名", "不能为空") for r in range(2, 12)]
    lines = ImportReport(failed=10, errors=errors).summary_zh(limit=3).splitlines()
    assert len(lines) == 5
    assert lines[-1] == "……另有 7 条错误，请下载错误报告查看"


def test_failed_count_falls_back_to_rows_with_errors():
    assert ImportReport(errors=ERRORS).summary_zh().startswith("很抱歉，导入失败！共 2 条")


def test_error_report_workbook():
    buf = io.BytesIO()
    write_error_report(buf, ImportReport(failed=2, errors=ERRORS, warnings=["提示一"]))
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(buf.getvalue()))
    assert book.sheet_names == ["导入错误", "提示"]
    rows = book.get_sheet_by_name("导入错误").to_python()
    assert rows == [["行号", "列号", "表头", "原因"],
                    [3.0, 2.0, "姓名", "不能为空"],
                    [3.0, 4.0, "年龄", "必须是整数"],
                    [7.0, "", "", "身份证号码“4130**********4727”已存在"]]
    assert book.get_sheet_by_name("提示").to_python() == [["提示"], ["提示一"]]
