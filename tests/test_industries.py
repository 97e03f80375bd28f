"""Tests of the industry catalogue loader (transfer.industries)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from transfer.errors import LayerError, UnknownNameError
from transfer.industries import (
    CRITERIA,
    CRITERION_IDS,
    DEFAULT_INDUSTRIES_PATH,
    INDUSTRY_ID,
    IndustryProfile,
    load_industries,
    weight_column,
)

REQUIRED_IDS = {
    "electronics_assembly",
    "ic_packaging",
    "textiles_garments",
    "footwear",
    "toys",
    "furniture",
    "home_appliances",
    "auto_parts",
    "plastics_products",
    "medical_devices",
    "new_energy_equipment",
    "biomedicine",
    "bonded_maintenance",
}
ORIGIN_CLUSTERS = {
    320500,
    441900,
    440300,
    440100,
    440600,
    442000,
    330200,
    310000,
    350200,
    350500,
    370200,
    120000,
}


def _profile(**overrides: object) -> dict[str, object]:
    """A tiny valid profile as a plain mapping."""
    base: dict[str, object] = {
        "id": "widgets",
        "name_zh": "小部件",
        "name_en": "Widgets",
        "weights": {"wage": 0.5, "labour_pool": 0.5},
        "rationale": "test",
        "source": "test fixture",
        "source_year": 2023,
        "needs_bonded_zone": False,
        "two_high_one_resource": False,
        "env_class": "light",
        "labour_intensity": "high",
        "freight": "sea",
        "value_density": "low",
        "main_origins": [441900],
        "origins_source": "test",
        "typical_jobs_per_firm": None,
        "typical_land_ha_per_firm": None,
        "flag": "unsourced: test",
    }
    base.update(overrides)
    return base


def _write(tmp_path: Path, profiles: list[dict[str, object]], *, extra_top: dict[str, object] | None = None) -> Path:
    path = tmp_path / "industries.yaml"
    data = {"industries": profiles, **(extra_top or {})}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# default file ---------------------------------------------------------------------------------------------
def test_default_file_loads_with_required_ids() -> None:
    catalogue = load_industries()
    assert catalogue.path == DEFAULT_INDUSTRIES_PATH
    assert set(catalogue.ids) >= REQUIRED_IDS
    assert any(p.two_high_one_resource for p in catalogue)
    assert len(catalogue) == len(set(catalogue.ids))


def test_default_profiles_have_required_fields() -> None:
    for p in load_industries():
        assert p.name_zh and p.name_en and p.rationale and p.source
        assert set(p.weights) <= set(CRITERION_IDS)
        assert sum(p.weights.values()) > 0
        assert p.freight and p.labour_intensity in {"high", "medium", "low"}
        assert set(p.main_origins) <= ORIGIN_CLUSTERS, p.id
        if p.typical_jobs_per_firm is None or p.typical_land_ha_per_firm is None:
            assert "unsourced" in p.flag
        assert p.two_high_one_resource == (p.env_class == "two_high")


def test_bonded_maintenance_needs_bonded_zone() -> None:
    assert load_industries().get("bonded_maintenance").needs_bonded_zone


def test_criteria_table_shape() -> None:
    assert len(CRITERIA) == 16
    assert len({c.id for c in CRITERIA}) == len(CRITERIA)
    for _cid, direction, label_zh, label_en, unit in CRITERIA:
        assert direction in {"max", "min"} and label_zh and label_en and unit
    directions = {c.id: c.direction for c in CRITERIA}
    assert directions["wage"] == "min" and directions["labour_pool"] == "max"
    assert directions["min_wage"] == "min" and directions["labour_reserve"] == "max"
    assert directions["cluster_fit"] == "max" and directions["industrial_base"] == "max"
    assert directions["eco_pressure"] == "min" and directions["bonded_zone"] == "max"


# helpers --------------------------------------------------------------------------------------------------
def test_get_suggests_close_id() -> None:
    catalogue = load_industries()
    assert catalogue.get("toys").name_en == "Toys"
    with pytest.raises(UnknownNameError, match="did you mean 'footwear'") as info:
        catalogue.get("footware")
    assert "footwear" in info.value.suggestions


def test_to_frame_one_row_per_industry(tmp_path: Path) -> None:
    path = _write(tmp_path, [_profile(), _profile(id="gadgets", weights={"air_time": 3.0}, freight=["air", "sea"])])
    frame = load_industries(path).to_frame()
    assert list(frame[INDUSTRY_ID]) == ["widgets", "gadgets"]
    assert frame.loc[0, weight_column("wage")] == 0.5
    assert frame.loc[1, weight_column("wage")] == 0.0
    assert frame.loc[1, "main_freight"] == "air"
    assert frame["typical_jobs_per_firm"].isna().all()


def test_normalised_weights_sum_to_one() -> None:
    profile = IndustryProfile.model_validate(_profile(weights={"wage": 1.0, "air_time": 3.0}))
    weights = profile.normalised_weights()
    assert weights["air_time"] == pytest.approx(0.75)
    assert sum(weights.values()) == pytest.approx(1.0)
    assert set(weights) == set(CRITERION_IDS)


def test_profile_is_frozen() -> None:
    profile = IndustryProfile.model_validate(_profile())
    with pytest.raises(ValidationError, match="frozen"):
        profile.id = "other"  # type: ignore[misc]


# bad files ------------------------------------------------------------------------------------------------
def test_typo_criterion_suggests_valid_id(tmp_path: Path) -> None:
    path = _write(tmp_path, [_profile(weights={"sea_cots": 1.0})])
    expected = r"industry 'widgets'.*weights.*unknown criterion 'sea_cots'.*did you mean 'sea_cost'"
    with pytest.raises(LayerError, match=expected):
        load_industries(path)


def test_unknown_key_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, [_profile(labor_intensity="high")])
    expected = r"industry 'widgets'.*unknown key 'labor_intensity'.*did you mean 'labour_intensity'"
    with pytest.raises(LayerError, match=expected):
        load_industries(path)


def test_unknown_top_level_key_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, [_profile()], extra_top={"profiles": []})
    with pytest.raises(LayerError, match="unknown top-level key"):
        load_industries(path)


def test_negative_weight_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, [_profile(weights={"wage": -0.1, "labour_pool": 1.0})])
    with pytest.raises(LayerError, match=r"industry 'widgets', field 'weights'.*'wage' is -0.1; weights must be >= 0"):
        load_industries(path)


def test_all_zero_weights_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, [_profile(weights={"wage": 0.0})])
    with pytest.raises(LayerError, match="all weights are zero"):
        load_industries(path)


def test_missing_field_rejected(tmp_path: Path) -> None:
    profile = _profile()
    del profile["labour_intensity"]
    path = _write(tmp_path, [profile])
    with pytest.raises(LayerError, match=r"industry 'widgets', field 'labour_intensity': required field is missing"):
        load_industries(path)


def test_duplicate_id_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, [_profile(), _profile()])
    with pytest.raises(LayerError, match=r"duplicate industry id 'widgets' \(entries 0 and 1\)"):
        load_industries(path)


def test_broken_yaml_rejected(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("industries:\n  - id: widgets\n    name_zh: [unclosed\n", encoding="utf-8")
    with pytest.raises(LayerError, match=r"broken\.yaml, line \d+.*the YAML is malformed"):
        load_industries(path)


def test_missing_file_rejected(tmp_path: Path) -> None:
    with pytest.raises(LayerError, match="industry file not found"):
        load_industries(tmp_path / "nope.yaml")


def test_unflagged_empty_jobs_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, [_profile(flag="")])
    with pytest.raises(LayerError, match="write why it is empty"):
        load_industries(path)


def test_two_high_needs_matching_env_class(tmp_path: Path) -> None:
    path = _write(tmp_path, [_profile(two_high_one_resource=True, env_class="moderate")])
    with pytest.raises(LayerError, match="two_high_one_resource and env_class disagree"):
        load_industries(path)


def test_bad_adcode_and_freight_rejected(tmp_path: Path) -> None:
    with pytest.raises(LayerError, match="not a 6-digit"):
        load_industries(_write(tmp_path, [_profile(main_origins=[4419])]))
    with pytest.raises(LayerError, match=r"field 'freight"):
        load_industries(_write(tmp_path, [_profile(freight=["truck"])]))


def test_hard_limits_must_be_positive(tmp_path: Path) -> None:
    path = _write(tmp_path, [_profile(max_crex_time_h=-5)])
    with pytest.raises(LayerError, match="max_crex_time_h"):
        load_industries(path)
    ok = load_industries(_write(tmp_path, [_profile(max_crex_time_h=12, max_sea_cost_cny_teu=8000)]))
    assert ok.get("widgets").max_crex_time_h == 12
