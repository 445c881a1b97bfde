"""Downloading the current quarterly release from CMS."""

from __future__ import annotations

import datetime
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import DownloadError

URL_TEMPLATE = "https://www.cms.gov/files/zip/{month}-{year}-alpha-numeric-hcpcs-file.zip"
MONTHS = {1: "january", 4: "april", 7: "july", 10: "october"}
MAX_BYTES = 200 * 1024 * 1024


def current_url(today: datetime.date | None = None) -> str:
    """The URL of the newest quarterly release as of ``today`` (``$HCPCS_UPDATE_URL`` wins)."""
    configured = os.environ.get("HCPCS_UPDATE_URL")
    if configured:
        return configured
    today = today or datetime.date.today()
    quarter_month = ((today.month - 1) // 3) * 3 + 1
    return URL_TEMPLATE.format(month=MONTHS[quarter_month], year=today.year)


def download(
    url: str,
    directory: Path,
    progress: Callable[[int, int | None], None] | None = None,
    timeout: float = 30.0,
) -> Path:
    """Fetch ``url`` into a file in ``directory``; the caller deletes it. Raises DownloadError."""
    import urllib.error
    import urllib.request

    if not url.lower().startswith(("https://", "http://", "file://")):
        raise DownloadError(f"not a download URL: {url}", "give an https:// address")
    request = urllib.request.Request(url, headers={"User-Agent": "hcpcs-cli"})
    fd, name = tempfile.mkstemp(prefix=".download-", suffix=".zip", dir=directory)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            while True:
                chunk = resp.read(64 * 1024)
                if not chunk:
                    break
                done += len(chunk)
                if done > MAX_BYTES:
                    raise DownloadError(f"{url} is larger than any HCPCS release; stopped")
                out.write(chunk)
                if progress:
                    progress(done, total)
            if total is not None and done != total:
                raise DownloadError(f"download of {url} ended early ({done} of {total} bytes)")
    except urllib.error.HTTPError as exc:
        path.unlink(missing_ok=True)
        raise DownloadError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        path.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise DownloadError(
            f"cannot download {url}: {reason}", "check the network or --url"
        ) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
