"""WTForms fields and validators derived from registry field declarations."""
from flask import g
from wtforms import DateField, DateTimeLocalField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError


class CallableValidator:
    """Runs a field declaration's ``validator(value) -> message | None``."""

    def __init__(self, fn):
        self.fn = fn

    def __call__(self, form, field):
        if field.data not in (None, ""):
            try:
                message = self.fn(field.data)
            except (TypeError, ValueError):
                message = "取值不正确"
            if message:
                raise ValidationError(message)


class JoinedMultipleField(SelectMultipleField):
    """Several dictionary values stored as one "a、b" string."""

    def process_data(self, value):
        if isinstance(value, str):
            value = [v for v in value.split("、") if v]
        super().process_data(value)

    def populate_obj(self, obj, name):
        setattr(obj, name, "、".join(self.data) if self.data else None)


class SensitiveField(StringField):
    """A sensitive value: shown in clear only to users who may unmask; blank keeps it."""

    def process_data(self, value):
        self.had_value = bool(value)
        self.data = value if getattr(g, "_may_unmask", False) else ""

    def populate_obj(self, obj, name):
        # FAB's edit POST builds the form from request data only (``had_value`` unknown):
        # a blank value must keep what the record holds
        if self.data or not (getattr(self, "had_value", False) or getattr(obj, name, None)):
            setattr(obj, name, self.data or None)


def _choices_of(f):
    return lambda: [("", "请选择")] + [(str(v), label) for v, label in (f.choices() or [])]


def form_field(f):
    """The WTForms field for a declaration (None when FAB's own is right)."""
    validators = [DataRequired(message="不能为空") if f.required else Optional()]
    if f.max_length:
        validators.append(Length(max=f.max_length, message=f"不能超过 {f.max_length} 个字符"))
    if f.min_value is not None or f.max_value is not None:
        validators.append(NumberRange(min=f.min_value, max=f.max_value,
                                      message=_range_message(f.min_value, f.max_value)))
    if f.validator:
        validators.append(CallableValidator(f.validator))
    if f.is_enum and f.multi:
        return JoinedMultipleField(f.label, choices=lambda: [(str(v), l) for v, l in f.choices() or []],
                                   validators=validators[1:])
    if f.is_enum:
        return SelectField(f.label, choices=_choices_of(f), validators=validators)
    if f.sensitive:
        return SensitiveField(f.label, validators=[Optional()] + validators[1:],
                              description="出于隐私保护，原值不显示；不修改请留空")
    if f.kind == "text":
        return TextAreaField(f.label, validators=validators)
    if f.kind == "date":
        return DateField(f.label, validators=validators, format="%Y-%m-%d")
    if f.kind == "datetime":
        return DateTimeLocalField(f.label, validators=validators, format="%Y-%m-%dT%H:%M")
    return None


def form_validators(f):
    """Validators added to FAB's own field for kinds we do not replace (numbers, strings)."""
    out = []
    if f.max_length and f.kind in ("str",):
        out.append(Length(max=f.max_length, message=f"不能超过 {f.max_length} 个字符"))
    if f.min_value is not None or f.max_value is not None:
        out.append(NumberRange(min=f.min_value, max=f.max_value, message=_range_message(f.min_value, f.max_value)))
    if f.validator:
        out.append(CallableValidator(f.validator))
    return out


def _range_message(lo, hi):
    if lo is not None and hi is not None:
        return f"应在 {lo} 到 {hi} 之间"
    if lo is not None:
        return f"不能小于 {lo}"
    return f"不能大于 {hi}"
