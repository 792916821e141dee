"""The claims corpus: real passages with their data and the marks a person would make."""
