"""``GET /v1/taxonomy``: what the service can name and what makes a violation: the model's
classes (id, Chinese and group), the zone types, and each violation with its names, platform
category code, classes, zone conditions and its rule's defaults (a camera's ``rules``
override them). Integrations and the pages read it instead of hard-coding the lists."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from detector.rules.config import DEFAULT_RULES
from serve.routes.deps import ModelsDep, TaxonomyDep

router = APIRouter(tags=["taxonomy"])


@router.get("/taxonomy")
def taxonomy(taxonomy: TaxonomyDep, models: ModelsDep) -> dict[str, Any]:
    """The loaded taxonomy (with this deployment's platform codes); ``unseen_by_model``: the
    classes added after the serving model was trained (the scene baseline and reviewers
    name those until a model trained on their labels serves)."""
    return {
        "version": taxonomy.version,
        "unseen_by_model": taxonomy.unseen_classes(models.current.names),
        "classes": [{"id": i, **c.model_dump()} for i, c in enumerate(taxonomy.classes)],
        "zone_types": list(taxonomy.zone_types),
        "violations": [
            {
                **v.model_dump(),
                "rule": DEFAULT_RULES[v.key].model_dump() if v.key in DEFAULT_RULES else None,
            }
            for v in taxonomy.violations
        ],
    }
