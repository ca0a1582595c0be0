"""The production server's access log: one short line per request.

gunicorn's own access logger builds, for every request, a dictionary of every request
header, response header and WSGI environment variable to fill a format that uses a
handful of them; at six hundred intake deliveries a second that was a tenth of the
machine. This line carries what operations use (time, client, method, path, status,
bytes, duration, the request id that also tags the application's log lines) and leaves
out the query string, which can carry the names and phone numbers staff search for.
"""

from __future__ import annotations

import traceback

from gunicorn.glogging import Logger


class AccessLogger(Logger):
    access_fmt = "%(asctime)s %(message)s"

    def access(self, resp, req, environ, request_time) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        request_id = next(
            (value for name, value in resp.headers if name.lower() == "x-request-id"),
            "-",
        )
        try:
            self.access_log.info(
                '%s "%s %s" %s %s %.1fms %s',
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD", "-"),
                environ.get("PATH_INFO", "-"),
                status,
                "-" if getattr(resp, "sent", None) is None else resp.sent,
                request_time.total_seconds() * 1000,
                request_id,
            )
        except Exception:
            self.error(traceback.format_exc())
