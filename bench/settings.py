"""Production settings, with static files collected into the benchmark's scratch folder.

The benchmark runs the app with DJANGO_DEBUG=false, where static files go through
the manifest storage; collecting them into a folder of its own leaves the
checkout's `staticfiles/` alone.
"""

import os
from pathlib import Path

from nps_loop.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])

# The app's URLs and the API's floor, `POST /bench/answers` (bench/floor.py).
ROOT_URLCONF = "bench.urls"
