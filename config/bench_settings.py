"""Settings for the benchmarks (bench/README.md): the project's own, plus the ``bench`` app
(the ``generate_load_data`` command) and the bare-framework baselines under /bench-baseline/.

Apps and URLs are named as strings only: nothing in config imports bench.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench", "bench.baseline"]
ROOT_URLCONF = "config.bench_urls"
