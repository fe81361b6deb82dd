"""Flags confirmed and dispatched cases past their deadline, in the background."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy.exc import SQLAlchemyError

from serve.store.cases import CaseRepo

logger = logging.getLogger(__name__)


class OverdueWatcher:
    """Every ``interval_s``, flags confirmed and dispatched cases past their deadline."""

    def __init__(self, cases: CaseRepo, interval_s: float = 60.0) -> None:
        self.cases = cases
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="overdue", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def check(self) -> list[int]:
        flagged = self.cases.mark_overdue(dt.datetime.now(dt.UTC))
        if flagged:
            logger.warning("cases past their deadline: %s", flagged)
        return flagged

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.check()
            except SQLAlchemyError:
                logger.exception("could not flag overdue cases; trying again later")
            self._stop.wait(self.interval_s)
