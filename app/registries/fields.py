"""Field declarations of registries, and the validators they share with the Excel import."""
import re
from datetime import date

from app.excel import Column

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def check_phone(value):
    if value and not PHONE_RE.match(str(value)):
        return "电话号码格式不正确（手机号11位，或区号-座机号）"


def check_email(value):
    if value and not EMAIL_RE.match(str(value)):
        return "电子邮箱格式不正确"


def check_idcard(value):
    """18-digit resident ID with the GB 11643 checksum and a real birth date."""
    if not value:
        return None
    text = str(value).strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return "身份证号码应为18位（最后一位可为X）"
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "身份证号码中的出生日期不正确"
    total = sum(int(d) * w for d, w in zip(text[:17], ID_WEIGHTS))
    if ID_CHECK[total % 11] != text[17]:
        return "身份证号码校验位不正确"


def check_longitude(value):
    if value is not None and not 73 <= float(value) <= 136:
        return "经度应在 73 到 136 之间（中国境内）"


def check_latitude(value):
    if value is not None and not 3 <= float(value) <= 54:
        return "纬度应在 3 到 54 之间（中国境内）"


SENSITIVE_VALIDATORS = {"phone": check_phone, "idcard": check_idcard}


class Field:
    """One field of a registry: storage, label, validation, search, list and form roles.

    ``kind`` is an Excel kind (str, int, float, decimal, date, datetime, bool, enum) or
    ``text`` (long string), ``unit`` (所属辖区: a unit, written as its path) or ``ref``
    (another registry's row, written as its business key; ``ref=(model, key_attr, label_attr)``).
    Enumerations take ``dict_type`` (a dictionary code) or static ``choices``.
    ``sensitive`` is None, "phone", "idcard", "address" or "name": such a field is stored
    encrypted, has a ``<column>_hash`` blind index, is masked in lists and exports.
    ``search`` is how it appears in the search bar: "like", "eq", "range" or None.
    """

    def __init__(self, key, label, kind="str", *, required=False, max_length=None, dict_type=None,
                 choices=None, min_value=None, max_value=None, validator=None, sensitive=None,
                 multi=False, search=None, in_list=True, in_form=True, derived=False, ref=None,
                 column=None, help=None, sortable=True):
        self.key, self.label, self.kind = key, label, kind
        self.required, self.max_length = required, max_length
        self.dict_type = dict_type
        self.static_choices = [c if isinstance(c, tuple) else (c, c) for c in choices] if choices else None
        self.min_value, self.max_value = min_value, max_value
        self.validator = validator or SENSITIVE_VALIDATORS.get(sensitive)
        self.sensitive, self.multi, self.search = sensitive, multi, search
        self.in_list, self.derived, self.ref, self.help = in_list, derived, ref, help
        self.in_form = in_form and not derived
        self.column = column or (f"{key}_id" if kind in ("unit", "ref") else key)
        # masked columns must not be sortable (prefix leaks, CVE-2022-31177 class)
        self.sortable = sortable and not sensitive and kind not in ("text",)

    @property
    def is_enum(self):
        return bool(self.dict_type or self.static_choices)

    @property
    def hash_column(self):
        return f"{self.column}_hash" if self.sensitive else None

    def choices(self):
        """(value, label) pairs, read from the dictionary table when ``dict_type`` is set."""
        if self.static_choices:
            return self.static_choices
        if self.dict_type:
            from app.services.dictionaries import choices

            return choices(self.dict_type)
        return None

    def excel_column(self):
        """The ``app.excel.Column`` used for templates, import and export."""
        kind = {"text": "str", "unit": "str", "ref": "str"}.get(self.kind, self.kind)
        choices = None
        if self.is_enum:
            kind, choices = "enum", self.choices() or [("", "")]
        return Column(self.key, self.label, kind, required=self.required and not self.derived,
                      max_length=self.max_length, choices=choices, min_value=self.min_value,
                      max_value=self.max_value, validator=self.validator, multi=self.multi,
                      sensitive=bool(self.sensitive), help=self.help)

    def __repr__(self):
        return f"Field({self.key!r}, {self.label!r})"
