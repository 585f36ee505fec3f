"""Every result class of every area follows the protocol: to_frame, to_dict, repr, _repr_html_, plot."""

import importlib
import inspect
import pkgutil

import servscore as ss
from servscore._result import Result


def result_classes():
    found = {}
    for info in pkgutil.iter_modules(ss.__path__):
        if info.name.startswith("_") or info.name in ("cli", "report", "__main__"):
            continue
        module = importlib.import_module(f"servscore.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Result) and cls is not Result:
                found[cls.__qualname__] = cls
    return found


def test_every_area_returns_result_objects():
    names = set(result_classes())
    # one per engine at least; a new area adds its own
    for expected in (
        "KanoResult",
        "NpsResult",
        "ServqualResult",
        "ZotResult",
        "AlphaResult",
        "PLSResult",
        "Importance",
        "IpaResult",
        "InteractionResult",
        "StyleResult",
        "NeedsResult",
        "ComplianceResult",
        "LifecycleResult",
        "LoyaltyResult",
        "ComplaintResult",
        "EncounterSummary",
    ):
        assert expected in names


def test_every_result_class_overrides_the_protocol():
    for name, cls in result_classes().items():
        assert cls.to_frame is not Result.to_frame, f"{name} does not define to_frame"
        assert callable(getattr(cls, "plot", None)), f"{name} has no plot()"
        params = inspect.signature(cls.plot).parameters
        assert "ax" in params, f"{name}.plot has no ax= parameter"
