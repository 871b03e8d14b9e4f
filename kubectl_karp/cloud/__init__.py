"""I/O with cloud provider APIs (Tencent Cloud) and the on-disk catalogue cache."""
