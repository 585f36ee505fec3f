import pytest
import servscore as ss
from servscore import _core
from servscore.model import ENUMS


def test_python_enums_match_core_tables():
    assert set(ENUMS) == set(_core.enum_kinds())
    for kind, cls in ENUMS.items():
        assert [m.value for m in cls] == [row[0] for row in _core.enum_table(kind)], kind


def test_sizes_of_the_domain_lists():
    assert len(ss.HumanNeed) == 10
    assert len(ss.LostSaleReason) == 14
    assert len(ss.TimeElement) == 9
    assert len(ss.LifecycleStage) == 8
    assert len(ss.RaterDimension) == 5
    assert {m.value for m in ss.SocialStyle} == {"analytical", "amiable", "driver", "expressive"}


def test_labels_and_language():
    assert ss.Quadrant.friendly.label("zh") == "友好型"
    assert ss.SocialStyle.amiable.label("zh") == "和蔼型"
    assert ss.LifecycleStage.four_year_appointment.label("zh") == "四年之约"
    assert ss.HumanNeed.timely_service.label() == "Timely service"
    ss.set_language("zh")
    try:
        assert ss.get_language() == "zh"
        assert ss.Quadrant.quality.label() == "优质型"
    finally:
        ss.set_language("en")
    with pytest.raises(ss.ConfigError, match="expected 'en' or 'zh'"):
        ss.set_language("fr")


def test_parsing_names_aliases_and_errors():
    assert ss.Quadrant("FREEZER") is ss.Quadrant.freezer
    assert ss.KanoCategory("O") is ss.KanoCategory.one_dimensional
    assert ss.KanoCategory("m") is ss.KanoCategory.must_be
    assert ss.Quadrant.quality == "quality"
    assert str(ss.Quadrant.quality) == "quality"
    with pytest.raises(ss.ConfigError, match="social_style 'bossy'.*analytical, amiable, driver, expressive"):
        ss.SocialStyle("bossy")
    with pytest.raises(ValueError):
        ss.RaterDimension("speed")


def test_error_hierarchy():
    assert issubclass(ss.ConfigError, ss.Error) and issubclass(ss.ConfigError, ValueError)
    assert issubclass(ss.InputError, ss.Error) and issubclass(ss.InputError, ValueError)
    assert not issubclass(ss.Error, ValueError)


def test_version_single_source(root):
    import re

    text = (root / "include" / "servscore" / "version.hpp").read_text()
    assert re.search(r'version = "([0-9.]+)"', text).group(1) == ss.__version__
