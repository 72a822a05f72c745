"""Serving stored files (uploads, exports) whatever the storage: the local disk or an
S3-compatible object store. Views check access first, then stream the file through here; nothing
opens a path on disk, so every node and worker sees the same files."""

import logging

from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _missing(exc: Exception) -> bool:
    """A file the storage does not have: FileNotFoundError on disk, a 404 from S3."""
    if isinstance(exc, FileNotFoundError):
        return True
    response = getattr(exc, "response", None)  # botocore's ClientError
    code = str((response or {}).get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def stored_file_response(
    field,
    *,
    content_type: str,
    filename: str | None = None,
    as_attachment: bool = False,
):
    """A private, uncached response streaming ``field`` (a FieldFile) from its storage; 404 when
    the file is gone, 503 with a message when the storage cannot be reached (it is retried by
    the user, nothing is lost)."""
    try:
        handle = field.open("rb")
    except Exception as exc:
        if _missing(exc):
            raise Http404 from exc
        logger.exception("Storage unavailable for %s", field.name)
        return HttpResponse(
            _("The file store is not answering; please try again in a few minutes."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = FileResponse(
        handle, content_type=content_type, as_attachment=as_attachment, filename=filename or ""
    )
    if not as_attachment:
        response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response
