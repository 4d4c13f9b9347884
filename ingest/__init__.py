"""Files in, text out: the ingest pipeline and its stages.

Each stage is a module with plain functions over plain data (`discover`, `identify`,
`rasterize`, `ocr`), so a page can be re-run from any stage; `pipeline` walks a batch through them.
"""
