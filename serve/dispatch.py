"""Dispatch to the city's case platform by webhook: retried with back-off, idempotent by
case id, and driven by the audit log, so a crash or restart never loses a delivery."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import queue
import random
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from serve.store.cases import CaseRepo
from serve.workflow import CaseStatus

logger = logging.getLogger(__name__)

DELIVERED = "webhook_delivered"
FAILED = "webhook_failed"
GAVE_UP = "webhook_gave_up"
# cases that have been dispatched, whatever happened to them since


class WebhookDispatcher:
    """Posts each dispatched case once (as far as the receiver can tell: the
    ``Idempotency-Key`` header is the case id), retrying failures with exponential back-off.

    ``payload(case_id)`` builds the JSON body. Every attempt is written to the case's audit
    log; at start-up every dispatched case without a delivery there is queued again.
    """

    def __init__(
        self,
        cases: CaseRepo,
        url: str,
        payload: Callable[[int], dict[str, Any]],
        *,
        secret: str | None = None,
        timeout_s: float = 10.0,
        max_attempts: int = 8,
        backoff_initial_s: float = 2.0,
        backoff_max_s: float = 600.0,
    ) -> None:
        self.cases = cases
        self.url = url
        self.payload = payload
        self.secret = secret
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._queue: queue.Queue[int] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhook", daemon=True)

    def start(self) -> None:
        """Send what is owed, then what comes: a case still ``dispatched`` that was never
        delivered (the platform was down, or dispatch is newly enabled). A case cleared or
        closed meanwhile is no longer the platform's to act on: not sent."""
        for case_id in self.cases.with_status([CaseStatus.DISPATCHED]):
            if not any(a.action in (DELIVERED, GAVE_UP) for a in self.cases.audit(case_id)):
                self._queue.put(case_id)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self.timeout_s + 1)

    def enqueue(self, case_id: int) -> None:
        self._queue.put(case_id)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                case_id = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            try:
                self._deliver(case_id)
            except SQLAlchemyError:
                logger.exception("webhook for case %d: the store failed; queued again", case_id)
                self._stop.wait(self.backoff_initial_s)
                self._queue.put(case_id)

    def _deliver(self, case_id: int) -> None:
        attempts = sum(1 for a in self.cases.audit(case_id) if a.action == FAILED)
        delay = self.backoff_initial_s
        while not self._stop.is_set():
            try:
                # a payload the profile's schema refuses is a failed attempt, never a POST
                body = json.dumps(self.payload(case_id), ensure_ascii=False).encode()
                status = self._post(case_id, body)
            except (urllib.error.URLError, OSError, ValueError) as e:
                error = str(getattr(e, "reason", e))
            else:
                self.cases.note(
                    case_id, actor="system", action=DELIVERED, detail={"status": status}
                )
                logger.info("case %d delivered to %s (HTTP %d)", case_id, self.url, status)
                return
            attempts += 1
            self.cases.note(
                case_id,
                actor="system",
                action=FAILED,
                reason=error[:64],
                detail={"attempt": attempts, "error": error},
            )
            if attempts >= self.max_attempts:
                self.cases.note(
                    case_id, actor="system", action=GAVE_UP, detail={"attempts": attempts}
                )
                logger.error("case %d: webhook gave up after %d attempts", case_id, attempts)
                return
            self._stop.wait(min(delay, self.backoff_max_s) * random.uniform(0.8, 1.2))
            delay *= 2

    def _post(self, case_id: int, body: bytes) -> int:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": f"streetwatch-case-{case_id}",
            "X-Streetwatch-Sent-At": dt.datetime.now(dt.UTC).isoformat(),
        }
        if self.secret:
            digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Streetwatch-Signature"] = f"sha256={digest}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            status: int = response.status
        return status
