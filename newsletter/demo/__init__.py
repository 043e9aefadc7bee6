"""The bundled demo: sample feeds written by us, served on 127.0.0.1, and the demo run.

server.py (the sample feed server) is used by the pipeline for its embedded defaults;
run.py sits above the pipeline and calls it.
"""

from .server import SAMPLE_DATE, SampleFeedServer, page_url, sample_feeds

__all__ = ["SAMPLE_DATE", "SampleFeedServer", "page_url", "sample_feeds"]
