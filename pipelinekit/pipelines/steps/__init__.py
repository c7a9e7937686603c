"""Python steps of the built-in pipelines, one module per pipeline.

A Python step is used only where SQL would be hard to read. Each function is named after
the table it returns and its parameters after the tables it reads (Hamilton style), so
the pipeline file's ``inputs:`` and the signature say the same thing.
"""
