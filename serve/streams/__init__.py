"""Stream workers: pull frames from RTSP, MJPEG, snapshot and file cameras, and their health.

The route of a pulled frame: ``sources`` opens the camera (``capture`` for OpenCV/FFmpeg
streams, ``snapshot`` for HTTP stills) -> ``worker.StreamWorker`` reads it on one thread
and samples the newest frame at the camera's ``sample_fps`` on another -> its ``on_frame``,
which for every camera is ``CameraPipeline.process_pulled`` (``serve/pipeline/frame_loop.py``;
``serve/cameras/service.py`` wires the two). Pushed frames reach the same pipeline through
``serve/routes/frames.py``.
"""
