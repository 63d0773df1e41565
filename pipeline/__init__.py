"""konten: a GitHub-native content pipeline that runs an office's social-media SOP."""

__version__ = "0.1.0"
