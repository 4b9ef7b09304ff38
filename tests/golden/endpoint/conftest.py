"""The expected files are generated projects (with their own tests): data, not tests of ours."""

collect_ignore_glob = ["*/expected/*"]
