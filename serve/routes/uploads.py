"""Reading an uploaded image: size limit, then the header check and decoding, each fault a
precise 4xx."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from fastapi import HTTPException, Request, UploadFile

from detector.errors import ImageDecodeError
from detector.image import decode_image
from serve.decoding import ImageDecoder


async def read_bytes(request: Request, upload: UploadFile, max_bytes: int) -> bytes:
    """The uploaded file's bytes; 413 past ``max_bytes``, 422 when the form holds more
    than one ``image`` (which of them was meant is not for the service to guess)."""
    form = await request.form()  # parsed already for the route's fields: no second parse
    sent = len(form.getlist("image"))
    if sent > 1:
        raise HTTPException(422, f"field 'image': {sent} files sent; send one image a request")
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise HTTPException(413, f"field 'image': larger than the limit of {max_bytes} bytes")
    return data


async def read_image(
    request: Request, upload: UploadFile, max_bytes: int, decoder: ImageDecoder
) -> npt.NDArray[np.uint8]:
    """The uploaded image, decoded off the event loop within the decoder's limits; 413 for
    too many bytes, 422 for bytes that are no image or break the pixel limits."""
    data = await read_bytes(request, upload, max_bytes)
    try:
        return await decoder.decode(decode_image, data)
    except ImageDecodeError as exc:
        raise HTTPException(422, f"field 'image': {exc}") from exc
