"""Fitted pipelines carried out of the harness: ``aadbench fit`` writes them, ``aadbench score``
and :func:`aadbench.load_model` use them.

``codec`` turns a detector's learned state into files that run no code when read, ``files`` the
model folder and its hashes, ``fitting`` the fit of one pipeline per task, ``scoring`` the
loaded model, ``thresholds`` the decision threshold, ``watch`` a folder scored as files arrive.
"""
from .files import FORMAT_VERSION, ModelFiles
from .fitting import FitOptions, FitReport, fit_models
from .scoring import FileScore, Model, TaskModel

__all__ = ["FORMAT_VERSION", "FileScore", "FitOptions", "FitReport", "Model", "ModelFiles", "TaskModel",
           "fit_models"]
