"""Training log: one CSV row per logged step (+ TensorBoard scalars when it is installed).

On resume, rows after the resumed step are dropped (they belong to the lost part of the run),
so the file always matches the checkpoint's history.
"""
from __future__ import annotations

import csv
import io
import logging
import os

from training.io import atomic_write_text

__all__ = ["CsvLog"]

log = logging.getLogger(__name__)


class CsvLog:
    """``write(step, values)`` appends a row; columns are fixed by the first row written."""

    def __init__(self, path: str, resume_step: int = 0, tensorboard_dir: str | None = None):
        self.path = path
        self.columns: list[str] | None = None
        if os.path.isfile(path):
            with open(path, newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            keep = [r for r in rows if int(r["step"]) <= resume_step] if resume_step > 0 else []
            if keep:
                self.columns = list(rows[0].keys())
            self._rewrite(keep)
        self.tb = None
        if tensorboard_dir is not None:
            try:
                from torch.utils.tensorboard import SummaryWriter

                self.tb = SummaryWriter(tensorboard_dir)
            except ImportError:
                log.warning("train.tensorboard is on but the tensorboard package is not installed; CSV only")

    def _rewrite(self, rows: list[dict]) -> None:
        buf = io.StringIO()
        if self.columns:
            w = csv.DictWriter(buf, fieldnames=self.columns)
            w.writeheader()
            w.writerows(rows)
        atomic_write_text(buf.getvalue(), self.path)

    def write(self, step: int, values: dict[str, float]) -> None:
        row = {"step": step, **values}
        new = self.columns is None
        if new:
            self.columns = list(row)
        with open(self.path, "a", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=self.columns, extrasaction="ignore")
            if new:
                w.writeheader()
            w.writerow(row)
        if self.tb is not None:
            for k, v in values.items():
                self.tb.add_scalar(k, v, step)

    def close(self) -> None:
        if self.tb is not None:
            self.tb.close()
