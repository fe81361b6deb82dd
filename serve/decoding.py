"""Decoding untrusted images in the service: header checked first, off the event loop,
a bounded number at once.

An image's header is checked against the pixel budget before anything decodes it (a 1 MB
PNG can declare 400 megapixels), so one decode takes at most ``max_pixels`` x 3 bytes;
decodes run in worker threads so the event loop keeps answering (``/healthz`` stays
fast), and at most ``slots`` run at once, so concurrent uploads cannot multiply that bound.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from fastapi.concurrency import run_in_threadpool

from detector.image_header import ImageLimits

T = TypeVar("T")


class ImageDecoder:
    def __init__(self, limits: ImageLimits, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"expected at least 1 decode slot, got {slots}")
        self.limits = limits
        self._free = asyncio.Semaphore(slots)

    async def decode(self, decode: Callable[[bytes], T], data: bytes) -> T:
        """``decode(data)`` in a worker thread once a slot is free; ImageRejectedError
        (from the header, nothing decoded) for an image that breaks the limits."""
        if data:
            self.limits.check(data)
        async with self._free:
            return await run_in_threadpool(decode, data)
