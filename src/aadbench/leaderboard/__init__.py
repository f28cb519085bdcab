"""The results leaderboard: tables of stored results in the layout of Mueller et al. (2021).

``data`` reads the SQLite results store read-only into pandas, ``tables`` builds the
paper-layout table, the paper comparison, the timing table and their exports (pure pandas),
and ``app`` is the Streamlit script behind ``aadbench leaderboard``. Nothing here imports torch.
"""
from __future__ import annotations

from pathlib import Path

APP_PATH = Path(__file__).with_name("app.py")

__all__ = ["APP_PATH"]
