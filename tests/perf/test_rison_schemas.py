"""FAB's ``?q=`` (rison) arguments are checked against each endpoint's schema, which itself is
checked against the meta-schema only once per process (it was, on every list request)."""
import jsonschema


def test_bad_rison_arguments_still_answer_400(api):
    units = api("weidu_handler")
    bad = units.get("/api/v1/units/?q=(page_size:'x')")
    assert bad.status_code == 400 and "Not a valid rison schema" in bad.json["message"]
    negative = units.get("/api/v1/units/?q=(page:'x',page_size:1)")
    assert negative.status_code == 400
    good = units.get("/api/v1/units/?q=(page_size:1)")
    assert good.status_code == 200 and len(good.json["result"]) == 1


def test_each_schema_is_prepared_once(api, monkeypatch):
    units = api("weidu_handler")
    assert units.get("/api/v1/units/?q=(page_size:2)").status_code == 200      # prepared here at the latest
    calls = []
    latest = jsonschema.validators._LATEST_VERSION          # FAB's schemas name no $schema
    original = latest.check_schema

    def counting(schema, *args, **kwargs):
        calls.append(schema)
        return original(schema, *args, **kwargs)

    monkeypatch.setattr(latest, "check_schema", counting)
    for size in (1, 2, 3):
        assert units.get(f"/api/v1/units/?q=(page_size:{size})").status_code == 200
    assert calls == []
