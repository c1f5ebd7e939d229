"""The workflow's stages: the functions a Lambda, a container or the local cloud calls."""
