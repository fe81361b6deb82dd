"""Stream workers: pull frames from RTSP, MJPEG, snapshot and file cameras, and their health."""
