"""The bundled demo: sample feeds written by us, served on 127.0.0.1."""

from .server import SAMPLE_DATE, SampleFeedServer, sample_feeds

__all__ = ["SAMPLE_DATE", "SampleFeedServer", "sample_feeds"]
