"""One camera's frames to draft cases: the frame loop and the parts it owns.

``frame_loop.CameraPipeline`` runs each frame: motion gate, detector, tracker, rules;
it hands detector violations to ``case_writer``, the scene baseline's finds to
``scene_cases`` and dispatched cases to ``reinspection`` (回头看).
"""

from serve.pipeline.frame_loop import CameraPipeline
from serve.pipeline.result import FrameOutOfOrderError, FrameResult

__all__ = ["CameraPipeline", "FrameOutOfOrderError", "FrameResult"]
