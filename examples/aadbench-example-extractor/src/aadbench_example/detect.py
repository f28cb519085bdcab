"""A tiny detector: how many standard deviations a feature vector is from the training mean."""
import numpy as np

import aadbench


class ZScore(aadbench.Detector):
    def fit(self, X):
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        self.std_ = X.std(axis=0) + 1e-8
        return self

    def score(self, X):
        # anomaly score: higher = more anomalous
        return np.abs((np.asarray(X, dtype=np.float64) - self.mean_) / self.std_).mean(axis=1)
