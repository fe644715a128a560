"""Live streams, stages, VODs and clips (issue: streams)."""
