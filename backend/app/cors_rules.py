"""What a browser on the site's origin may send and read: the one declaration.

The app applies it (app/cors.py), and the program hands the same lists to API Gateway's CORS
configuration (infra/api.py, which reads this file), so both always answer alike. No imports:
the program loads this file on its own, without the Flask app.
"""

ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")
# Lower-case, as browsers send them in Access-Control-Request-Headers.
ALLOWED_HEADERS = ("content-type", "if-none-match")
# The SPA reads ETag to revalidate with If-None-Match.
EXPOSED_HEADERS = ("etag",)
# Browsers cap a preflight's cache at 2 h (Chromium) or 24 h (Firefox): ask for a day and let
# each take what it allows.
MAX_AGE_SECONDS = 86_400
