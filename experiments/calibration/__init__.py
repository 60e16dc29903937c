"""Bayesian calibration of the model on the 2013–2025 record (ABC-SMC with pyabc).

- ``priors``: the table of calibrated parameters — dotted key, prior, why;
- ``targets``: the record's statistics (poll readings, coercion bites, move counts) and the distance;
- ``simulator``: one simulated record under given parameters, through the poll measurement model;
- ``sampler``: a pyabc sampler on local processes, reproducible from one seed;
- ``runner``: ``calibrate`` (writes posterior.csv / posterior.json to a folder) and ``apply``;
- ``posterior``: the shipped posterior and the deterministic draw of one sample per run.

pyabc is an optional extra (``pip install 'thaw-sim[calibration]'``), imported only when a
calibration runs; reading the shipped posterior needs only numpy.
"""
