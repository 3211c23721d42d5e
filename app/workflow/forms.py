"""Input validation for the workflow services: gathers every field error, then raises one
``Invalid`` with Chinese messages per field.  Accepts JSON-ish values (str/int/float/bool/list)."""
import datetime as dt
import re

from app.workflow.errors import Invalid

PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
MAX_TEXT = 5000


class Form:
    """``Form(data).text("title", "事件标题")`` … ``form.done()``."""

    def __init__(self, data):
        self.data = data if isinstance(data, dict) else {}
        self.errors = {}

    def error(self, key, message):
        self.errors.setdefault(key, []).append(message)

    def has(self, key):
        return self.data.get(key) not in (None, "")

    def text(self, key, label, required=True, max_len=MAX_TEXT, default=None):
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(key, f"{label}不能为空")
            return default
        if not isinstance(value, str):
            self.error(key, f"{label}必须是文本")
            return default
        value = value.strip()
        if len(value) > max_len:
            self.error(key, f"{label}不能超过{max_len}个字符")
            return default
        return value

    def integer(self, key, label, required=True, minimum=None, maximum=None, default=None):
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(key, f"{label}不能为空")
            return default
        if isinstance(value, bool) or not isinstance(value, (int, str)) or \
                (isinstance(value, str) and not re.fullmatch(r"-?\d{1,12}", value.strip())):
            self.error(key, f"{label}必须是整数")
            return default
        value = int(value)
        if minimum is not None and value < minimum:
            self.error(key, f"{label}不能小于{minimum}")
            return default
        if maximum is not None and value > maximum:
            self.error(key, f"{label}不能大于{maximum}")
            return default
        return value

    def number(self, key, label, minimum, maximum):
        value = self.data.get(key)
        if value is None or value == "":
            return None
        try:
            if isinstance(value, bool):
                raise ValueError
            value = float(value)
        except (TypeError, ValueError):
            self.error(key, f"{label}必须是数字")
            return None
        if not minimum <= value <= maximum:
            self.error(key, f"{label}应在{minimum}到{maximum}之间")
            return None
        return value

    def choice(self, key, label, choices, required=True, default=None):
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.error(key, f"{label}不能为空")
            return default
        if not isinstance(value, (str, int)) or isinstance(value, bool) or value not in choices:
            self.error(key, f"{label}必须是以下之一：{'、'.join(str(c) for c in choices)}")
            return default
        return value

    def boolean(self, key, label, required=True):
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(key, f"{label}不能为空")
            return None
        if not isinstance(value, bool):
            self.error(key, f"{label}必须是 true 或 false")
            return None
        return value

    def id_list(self, key, label):
        value = self.data.get(key)
        if value in (None, ""):
            return []
        if not isinstance(value, list) or len(value) > 100 or \
                any(isinstance(v, bool) or not isinstance(v, int) or not 0 < v < 2 ** 31 for v in value):
            self.error(key, f"{label}必须是编号列表")
            return []
        return list(dict.fromkeys(value))

    def phone(self, key, label, required=True, default=None):
        value = self.text(key, label, required=required, max_len=30, default=default)
        if value and not PHONE.match(value):
            self.error(key, f"{label}格式不正确")
            return default
        return value

    def datetime(self, key, label, default=None):
        value = self.data.get(key)
        if value in (None, ""):
            return default
        if isinstance(value, str):
            for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
                try:
                    return dt.datetime.strptime(value.strip(), fmt)
                except ValueError:
                    continue
        self.error(key, f"{label}格式应为 YYYY-MM-DD HH:MM:SS")
        return default

    def done(self):
        if self.errors:
            first = next(iter(self.errors.values()))[0]
            raise Invalid(first, self.errors)


def valid_key(value):
    """True for a value usable as an integer primary key."""
    if isinstance(value, bool):
        return False
    try:
        return 0 < int(value) < 2 ** 31
    except (TypeError, ValueError):
        return False
