"""Small applications the setup tests run in subprocesses, and how to launch them (`launch`)."""
