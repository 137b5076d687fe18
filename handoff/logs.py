"""Secrets and personal numbers never reach a log: every handler of the process gets a filter that
blanks session tokens, bearer credentials, JWTs and Telegram bot tokens, and replaces card, bank
and ID numbers (handoff/redaction.py), in messages and tracebacks."""

from __future__ import annotations

import logging
import re

from handoff.redaction import redact as personal_numbers

_PATTERNS = [
    (re.compile(r"(?i)(token=)[^&\s'\"]+"), r"\1[redacted]"),
    (re.compile(r"(?i)(\"?token\"?\s*[:=]\s*\"?)[A-Za-z0-9._~+/=-]{8,}"), r"\1[redacted]"),
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1[redacted]"),
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"), "[redacted-jwt]"),
    (re.compile(r"(/bot)\d+:[A-Za-z0-9_-]+"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return personal_numbers(text).text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_redaction() -> None:
    """Adds the filter to every handler now configured (call again after a framework adds its own)."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(existing, RedactSecrets) for existing in handler.filters):
                handler.addFilter(RedactSecrets())
