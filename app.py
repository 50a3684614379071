import gc

from conference import create_app

app = create_app()
# What the app has built by now (modules, mappers, templates, translations) lives as long as
# the process: keep the cyclic collector from walking it again on every full collection
# (after collecting what startup left over, which would otherwise be kept for good).
gc.collect()
gc.freeze()
