"""Scene baseline: new objects that appear in a fixed camera's view and stay there."""

from detector.scene.baseline import SceneBaseline
from detector.scene.config import SceneConfig
from detector.scene.events import SceneEvent
from detector.scene.naming import explain

__all__ = ["SceneBaseline", "SceneConfig", "SceneEvent", "explain"]
