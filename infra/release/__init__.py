"""The frontend release tool: publishes a Vite build to the site bucket, safely and by content.

`python -m infra.release deploy | list | rollback`; see `cli.py` for the flags and `deploy.py`
for the order in which objects go live.
"""
