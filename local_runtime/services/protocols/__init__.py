"""The HTTP endpoint other runtimes' AWS SDKs reach, and one parser per AWS wire protocol."""
