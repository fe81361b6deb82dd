"""422 answers that always serialise and stay small.

FastAPI's own 422 echoes each bad input back. A NaN or Infinity in the input (which
Python's JSON parser accepts) then makes the answer itself unserialisable, a 500; a
million-point polygon or a megabyte name would be echoed whole. Here each echoed input is
made JSON-safe and cut down to a short summary.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MAX_ECHO_CHARS = 200
MAX_ECHO_ITEMS = 20


def safe_echo(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON that always serialises: non-finite floats as strings, long strings
    and collections shortened (with how long they were).

    >>> safe_echo([float("nan"), 1.0, "x" * 300])[0], len(safe_echo("x" * 300))
    ('NaN', 220)
    """
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str) and len(value) > MAX_ECHO_CHARS:
        return f"{value[:MAX_ECHO_CHARS]}... ({len(value)} characters)"
    if isinstance(value, list | tuple):
        if depth > 4:
            return f"<list of {len(value)} items>"
        items = [safe_echo(v, depth + 1) for v in value[:MAX_ECHO_ITEMS]]
        if len(value) > MAX_ECHO_ITEMS:
            items.append(f"... ({len(value)} items in all)")
        return items
    if isinstance(value, dict):
        if depth > 4 or len(value) > MAX_ECHO_ITEMS:
            return f"<object with {len(value)} keys>"
        return {str(k)[:MAX_ECHO_CHARS]: safe_echo(v, depth + 1) for k, v in value.items()}
    return value


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """The 422 for a request that fails validation: what was wrong, with a safe echo."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            **{k: v for k, v in err.items() if k not in ("input", "ctx")},
            **({"input": safe_echo(err["input"])} if "input" in err else {}),
            **({"ctx": safe_echo(jsonable_encoder(err["ctx"]))} if "ctx" in err else {}),
        }
        for err in exc.errors()[:MAX_ECHO_ITEMS]
    ]
    return JSONResponse(status_code=422, content={"detail": errors})
